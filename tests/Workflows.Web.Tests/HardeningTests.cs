using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>
/// The host with the repository's workflows, except that the outpatient green channel has a script step after the
/// eligibility check that fails when the member gave no preferred time: a faulted first step, as a script error or bad
/// data would cause in production. The clock stands on 2026-07-01 10:00 Beijing time (a working day).
/// </summary>
public sealed class HardeningFactory : ScenarioFactory
{
    public const string FaultingService = "cpic-outpatient-green-channel";

    public HardeningFactory()
    {
        Clock.SetUtcNow(DateTimeOffset.Parse("2026-07-01T02:00:00Z"));
        WorkflowsDirectoryOverride = WriteWorkflows(Path.Combine(DataDirectory, "workflows"));
    }

    /// <summary>The repository's workflows with the faulting step in <see cref="FaultingService"/>, written to <paramref name="target"/>.</summary>
    public static string WriteWorkflows(string target)
    {
        var source = Path.Combine(BackOfficeProcess.RepositoryRoot, "workflows");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*.json"))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        var path = Path.Combine(target, FaultingService + ".json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["variables"] = new JsonArray(JsonNode.Parse("""{ "id": "v-preferred", "name": "preferred", "typeName": "String", "isArray": false, "value": null }"""));
        var root = json["root"]!.AsObject();
        root["activities"]!.AsArray().Add(JsonNode.Parse("""
            { "id": "preference", "nodeId": "Workflow1:flowchart1:preference", "name": "preference", "type": "Elsa.SetVariable", "version": 1,
              "customProperties": {}, "metadata": { "designer": { "position": { "x": 130, "y": 300 } } },
              "variable": { "typeName": "String", "expression": { "type": "Literal", "value": "preferred" } },
              "value": { "typeName": "Object", "expression": { "type": "JavaScript", "value": "input.details.preferredTime.trim()" } } }
            """));
        var connections = root["connections"]!.AsArray();
        var eligible = connections.Single(c => c!["source"]!["activity"]!.GetValue<string>() == "eligibility" && c["source"]!["port"]!.GetValue<string>() == "Eligible")!;
        eligible["target"] = JsonNode.Parse("""{ "activity": "preference", "port": "In" }""");
        connections.Add(JsonNode.Parse("""{ "source": { "activity": "preference", "port": "Done" }, "target": { "activity": "call", "port": "In" }, "vertices": [] }"""));
        File.WriteAllText(path, json.ToJsonString());
        return target;
    }

    private string WorkflowsDirectoryOverride { get; }

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Workflows:Directory", WorkflowsDirectoryOverride);
    }
}

/// <summary>Issue 14: what an operator and a hostile tester found around the engine, each through the real host.</summary>
public sealed class HardeningTests(HardeningFactory factory) : IClassFixture<HardeningFactory>
{
    private static readonly object GreenChannel = new { hospital = "复旦大学附属肿瘤医院", preferredTime = "上午" };

    private static HttpRequestMessage Apply(string service, string policy, object details, string? key) =>
        Json.Post("/api/me/applications", new { serviceCode = service, policyNumber = policy, details }, key);

    private async Task<string> ImportPolicyAsync(string user)
    {
        var number = "H-CPIC-" + Guid.NewGuid().ToString("N")[..8];
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new { policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                      insured = new { name = "加固测试", idNumber = "110101198005010033", userName = user },
                      diagnoses = new[] { new { kind = "recurrence", diagnosedOn = "2026-04-01" } } },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return number;
    }

    private long AccessStatus(string method, string path)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT StatusCode FROM AccessLog WHERE Method = @m AND Path = @p ORDER BY Id DESC LIMIT 1";
        cmd.Parameters.AddWithValue("@m", method);
        cmd.Parameters.AddWithValue("@p", path);
        return (long)(cmd.ExecuteScalar() ?? -1L);
    }

    // ---- 1. A start after a kill during migrations ----

    [Fact]
    public async Task A_start_after_a_kill_during_migrations_comes_up_and_clears_the_stale_lock()
    {
        // What a kill -9 during migrations leaves: EF Core's lock row in a database where nothing else was committed.
        using var wedged = new BackOfficeFactory();
        Directory.CreateDirectory(wedged.DataDirectory);
        var dbPath = Path.Combine(wedged.DataDirectory, "backoffice.db");
        using (var c = new SqliteConnection($"Data Source={dbPath};Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE "__EFMigrationsLock" ("Id" INTEGER NOT NULL CONSTRAINT "PK___EFMigrationsLock" PRIMARY KEY, "Timestamp" TEXT NOT NULL);
                INSERT INTO "__EFMigrationsLock" ("Id", "Timestamp") VALUES (1, '2026-11-28 06:00:00.0000000+00:00');
                """;
            cmd.ExecuteNonQuery();
        }
        // Before the fix this start waited for the lock for ever: bounded here, so the test fails instead of hanging.
        var client = await Task.Run(() => wedged.CreateClient()).WaitAsync(TimeSpan.FromSeconds(120));
        var token = await client.PostAsJsonAsync("/api/auth/token", new { userName = "admin", password = BackOfficeFactory.Password });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        using var check = new SqliteConnection($"Data Source={dbPath};Pooling=false");
        check.Open();
        using var count = check.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM __EFMigrationsLock";
        Assert.Equal(0L, (long)count.ExecuteScalar()!);
        await WaitForLogAsync(wedged, "stale database migration lock");
    }

    private static async Task WaitForLogAsync(BackOfficeFactory f, string text)
    {
        for (var i = 0; i < 50; i++)
        {
            if (Directory.Exists(f.LogDirectory) && Directory.EnumerateFiles(f.LogDirectory).Any(file =>
                {
                    using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                    return new StreamReader(s).ReadToEnd().Contains(text, StringComparison.Ordinal);
                }))
                return;
            await Task.Delay(200);
        }
        Assert.Fail($"The log never said '{text}'.");
    }

    // ---- 2. Idempotency keys scoped to the caller and the whole command ----

    [Fact]
    public async Task Idempotency_keys_belong_to_the_caller_and_cover_the_whole_command()
    {
        var alice = await factory.MemberAsync("hardening-alice");
        var bob = await factory.MemberAsync("hardening-bob");
        var alicePolicy = await ImportPolicyAsync("hardening-alice");
        var alicePolicy2 = await ImportPolicyAsync("hardening-alice");
        var bobPolicy = await ImportPolicyAsync("hardening-bob");
        const string service = "cpic-mdt-consultation";
        var details = new { city = "北京" };
        var key = "shared-" + Guid.NewGuid().ToString("N");

        var first = await alice.SendAsync(Apply(service, alicePolicy, details, key));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var aliceApp = (await first.Body()).GetProperty("id").GetString();

        // The same request again (a lost response): the same application, not a second one.
        var again = await alice.SendAsync(Apply(service, alicePolicy, details, key));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(aliceApp, (await again.Body()).GetProperty("id").GetString());

        // The same key by another member: an independent command (was a 500).
        var bobs = await bob.SendAsync(Apply(service, bobPolicy, details, key));
        Assert.Equal(HttpStatusCode.Created, bobs.StatusCode);
        var bobApp = (await bobs.Body()).GetProperty("id").GetString();
        Assert.NotEqual(aliceApp, bobApp);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/me/applications/{bobApp}")).StatusCode);

        // The same key by the same member for another policy, or other details: 422 (was: the other application back).
        var otherPolicy = await alice.SendAsync(Apply(service, alicePolicy2, details, key));
        Assert.Equal((HttpStatusCode)422, otherPolicy.StatusCode);
        Assert.Equal("application/problem+json", otherPolicy.Content.Headers.ContentType?.MediaType);
        Assert.Contains("different request", (await otherPolicy.Body()).GetProperty("detail").GetString());
        var otherDetails = await alice.SendAsync(Apply(service, alicePolicy, new { city = "上海" }, key));
        Assert.Equal((HttpStatusCode)422, otherDetails.StatusCode);

        // An admin's start with the member's key: its own instance, not the member's.
        var admin = await factory.ClientAs("Admin");
        var started = await admin.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }, key));
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var adminInstance = (await started.Body()).GetProperty("instanceId").GetString();
        using (var scope = factory.Services.CreateScope())
        {
            var domain = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>();
            Assert.DoesNotContain(domain.Applications.Select(a => a.InstanceId).ToList(), id => id == adminInstance);
        }
        // The admin's start with the same key and another input is a different command: 422.
        var adminOther = await admin.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template", input = new { x = 1 } }, key));
        Assert.Equal((HttpStatusCode)422, adminOther.StatusCode);
        // Alice has exactly the one application her key made.
        Assert.Equal(1L, factory.Count("ServiceApplications WHERE ApplicantUserName = 'hardening-alice'"));
    }

    // ---- 3. Access trail records what the client got ----

    [Fact]
    public async Task The_access_trail_records_the_status_the_client_got_whether_raised_or_returned()
    {
        var member = await factory.MemberAsync("member");
        var admin = await factory.ClientAs("Admin");

        // 404 raised as an exception (ApplicationRequestException 404) and returned (NotFound result).
        var raised404 = await member.SendAsync(Apply("cpic-mdt-consultation", "NO-SUCH-POLICY", new { city = "北京" }, null));
        Assert.Equal(HttpStatusCode.NotFound, raised404.StatusCode);
        Assert.Equal(404, AccessStatus("POST", "/api/me/applications"));
        var returned404 = await member.GetAsync("/api/me/applications/nope");
        Assert.Equal(HttpStatusCode.NotFound, returned404.StatusCode);
        Assert.Equal(404, AccessStatus("GET", "/api/me/applications/nope"));

        // 400 raised (unknown service) and returned (a missing Idempotency-Key on a task completion).
        var raised400 = await member.SendAsync(Apply("no-such-service", "DEMO-CPIC-0001", new { }, null));
        Assert.Equal(HttpStatusCode.BadRequest, raised400.StatusCode);
        Assert.Equal(400, AccessStatus("POST", "/api/me/applications"));

        // 409 raised: retrying an instance without an incident.
        var cm = await factory.ClientAs("CaseManager");
        var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }))).Body();
        var id = started.GetProperty("instanceId").GetString();
        var conflict = await admin.PostAsync($"/api/workflow-instances/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(409, AccessStatus("POST", $"/api/workflow-instances/{id}/retry"));

        // 403 returned by authorization, and 422 raised.
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/workflow-instances")).StatusCode);
        Assert.Equal(403, AccessStatus("GET", "/api/workflow-instances"));

        // The request log does not call a refusal "responded 500" or log it as an error.
        await Task.Delay(1500); // the file sink flushes every second
        var log = ReadLogs(factory);
        Assert.DoesNotContain(log.Split('\n'), l => l.Contains("/api/me/applications", StringComparison.Ordinal) && l.Contains("responded 500", StringComparison.Ordinal));
        Assert.Contains(log.Split('\n'), l => l.Contains($"/api/workflow-instances/{id}/retry", StringComparison.Ordinal) && l.Contains("responded 409", StringComparison.Ordinal)
                                              && !l.Contains("\"@l\":\"Error\"", StringComparison.Ordinal));
    }

    private static string ReadLogs(BackOfficeFactory f) => string.Join("\n", Directory.EnumerateFiles(f.LogDirectory).Select(file =>
    {
        using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(s).ReadToEnd();
    }));

    // ---- 4. A faulted case is delayed for the member and in the incident queue; a corrected retry completes ----

    [Fact]
    public async Task A_faulted_first_step_shows_as_delayed_and_in_the_incident_queue_and_a_corrected_retry_continues()
    {
        var member = await factory.MemberAsync("hardening-carol");
        var policy = await ImportPolicyAsync("hardening-carol");
        // No preferred time: the script step after the eligibility check fails.
        var r = await member.SendAsync(Apply(HardeningFactory.FaultingService, policy, new { hospital = "复旦大学附属肿瘤医院" }, null));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var app = await r.Body();
        var appId = app.GetProperty("id").GetString()!;
        Assert.True(app.GetProperty("delayed").GetBoolean(), app.ToString());
        Assert.Contains("延误", app.GetProperty("delay").GetProperty("messageZh").GetString());
        var listed = (await (await member.GetAsync("/api/me/applications")).Body()).EnumerateArray().Single(a => a.GetProperty("id").GetString() == appId);
        Assert.True(listed.GetProperty("delayed").GetBoolean());

        // The case manager's incident queue has it, with the application and what failed.
        var cm = await factory.ClientAs("CaseManager");
        var queue = (await (await cm.GetAsync("/api/incidents")).Body()).EnumerateArray().ToList();
        var incident = queue.Single(i => i.GetProperty("applicationId").GetString() == appId);
        var instanceId = incident.GetProperty("instanceId").GetString()!;
        Assert.Equal("preference", incident.GetProperty("activityId").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/incidents")).StatusCode);
        var detail = await (await cm.GetAsync($"/api/incidents/{instanceId}")).Body();
        Assert.Equal("复旦大学附属肿瘤医院", detail.GetProperty("input").GetProperty("details").GetProperty("hospital").GetString());

        // A retry without correcting the data faults again; a correction of an undeclared variable is refused (400).
        var plain = await cm.SendAsync(Json.Post($"/api/incidents/{instanceId}/retry", new { }, "retry-1"));
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal("Faulted", (await plain.Body()).GetProperty("subStatus").GetString());
        var undeclared = await cm.SendAsync(Json.Post($"/api/incidents/{instanceId}/retry", new { variables = new { nope = 1 } }, "retry-2"));
        Assert.Equal(HttpStatusCode.BadRequest, undeclared.StatusCode);

        // Corrected and retried: the case goes on to the specialist's call, the application is no longer delayed.
        var corrected = await cm.SendAsync(Json.Post($"/api/incidents/{instanceId}/retry", new { input = new { details = new { preferredTime = "上午 9 点" } } }, "retry-3"));
        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        var result = await corrected.Body();
        Assert.Equal("Suspended", result.GetProperty("subStatus").GetString());
        Assert.Contains(result.GetProperty("bookmarks").EnumerateArray(), b => b.GetProperty("activityId").GetString() == "call");
        var after = await (await member.GetAsync($"/api/me/applications/{appId}")).Body();
        Assert.False(after.GetProperty("delayed").GetBoolean(), after.ToString());
        Assert.DoesNotContain((await (await cm.GetAsync("/api/incidents")).Body()).EnumerateArray(), i => i.GetProperty("instanceId").GetString() == instanceId);
        // The journal names the corrected field, not its value.
        var journal = await (await (await factory.ClientAs("Auditor")).GetAsync($"/api/workflow-instances/{instanceId}/journal")).Body();
        var correction = journal.EnumerateArray().Single(e => e.GetProperty("eventName").GetString() == "IncidentDataCorrected");
        Assert.Contains("input.details.preferredTime", correction.GetRawText());
        Assert.DoesNotContain("上午 9 点", correction.GetRawText());
        Assert.Contains(journal.EnumerateArray(), e => e.GetProperty("eventName").GetString() == "IncidentRetried");
    }

    // ---- 6. The log scrubber leaves hexadecimal ids alone ----

    [Fact]
    public void The_scrubber_masks_id_numbers_and_phones_but_not_digits_inside_hex_ids()
    {
        var random = new Random(14);
        for (var i = 0; i < 3000; i++)
        {
            // Ids whose digit runs look like an ID number or a phone, as about one v7 id in 300 does.
            var digits = random.Next(3) switch { 0 => "110101198001010000", 1 => "13800138000", _ => "110101800101000" };
            var id = Guid.CreateVersion7().ToString("N")[..6] + "a" + digits + "b" + Guid.NewGuid().ToString("N")[..4];
            Assert.Equal($"instance {id} done", Workflows.Web.Infrastructure.PiiScrubbingSink.Scrub($"instance {id} done"));
        }
        Assert.Equal("身份证 [id-number]，电话 [phone]，座机 [phone]",
            Workflows.Web.Infrastructure.PiiScrubbingSink.Scrub("身份证 11010119800101003X，电话 138-0013-8000，座机 021-61234567"));
        Assert.Equal("call [phone] now", Workflows.Web.Infrastructure.PiiScrubbingSink.Scrub("call +86 13800138000 now"));
    }

    // ---- 7. Malformed input gets a 4xx problem with a human message ----

    [Fact]
    public async Task Malformed_input_gets_a_4xx_problem_in_words_never_a_500_or_a_type_name()
    {
        var cm = await factory.ClientAs("CaseManager");
        var admin = await factory.ClientAs("Admin");
        var member = await factory.MemberAsync("member");

        async Task<JsonElement> Problem(HttpResponseMessage r, int status)
        {
            var body = await r.Content.ReadAsStringAsync();
            Assert.True((int)r.StatusCode == status, $"{(int)r.StatusCode} {body}");
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotMatch(@"System\.|Workflows\.|Microsoft\.|Parameter '|out of range|Value cannot be null", body);
            return JsonDocument.Parse(body).RootElement;
        }

        // Correlation id with a lone surrogate, escaped or as invalid UTF-8 bytes.
        await Problem(await cm.PostAsync("/api/workflow-instances", new StringContent("""{"definitionId":"service-request-template","correlationId":"\ud800x"}""", Encoding.UTF8, "application/json")), 400);
        var invalidUtf8 = new ByteArrayContent([.. Encoding.UTF8.GetBytes("""{"definitionId":"service-request-template","correlationId":"a"""), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\"}")]);
        invalidUtf8.Headers.ContentType = new("application/json");
        await Problem(await cm.PostAsync("/api/workflow-instances", invalidUtf8), 400);
        await Problem(await cm.PostAsJsonAsync("/api/workflow-instances", new { definitionId = "service-request-template", correlationId = "a\tb" }), 400);

        // A field of the wrong type names the field and what it must be.
        var wrongType = await Problem(await cm.PostAsync("/api/workflow-instances", new StringContent("""{"definitionId":5}""", Encoding.UTF8, "application/json")), 400);
        Assert.Contains("definitionId", wrongType.GetProperty("detail").GetString());
        Assert.Contains("text", wrongType.GetProperty("detail").GetString());
        var drugCost = await Problem(await member.PostAsync("/api/me/reimbursement-estimate",
            new StringContent("""{"policyNumber":"DEMO-JD-0001","drugCost":"abc"}""", Encoding.UTF8, "application/json")), 400);
        Assert.Contains("drugCost", drugCost.GetProperty("detail").GetString());

        // returnUrl with a backslash or a tab: no 500, and never off the site.
        foreach (var returnUrl in new[] { "/\\evil.example", "/\t/evil.example", "/\\/evil.example" })
        {
            var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
            var login = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
                { ["userName"] = "member", ["password"] = BackOfficeFactory.Password, ["returnUrl"] = returnUrl,
                  ["__RequestVerificationToken"] = await BackOfficeFactory.FormToken(client) }));
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Equal("/", login.Headers.Location?.ToString());
        }

        // 0001-01-01 is not a diagnosis date.
        var diagnosis = await Problem(await admin.PostAsJsonAsync("/api/policies/DEMO-CPIC-0001/diagnoses", new { kind = "recurrence", diagnosedOn = "0001-01-01" }), 400);
        Assert.Contains("1900-01-01", diagnosis.GetProperty("detail").GetString() + string.Join(" ", diagnosis.GetProperty("errors").GetProperty("Root").EnumerateArray()));

        // A CSV cell starting with = (formula injection on export) is refused, and nothing is imported.
        var csv = "policy_number,product,variant,effective_date,end_date,previous_policy_number,specialty_drug_cover,insured_name,insured_id_number,insured_phone,insured_birth_date,insured_user,guardian_name,guardian_id_number,guardian_phone,guardian_relation,guardian_user,diagnosis_kind,diagnosed_on,diagnosis_detail\n" +
                  "H-CSV-1,cpic-breast-cancer-recurrence,,2026-01-01,2026-12-31,,true,\"=HYPERLINK(\"\"http://x\"\")\",110101198005010033,13900000001,,,,,,,,,,\n";
        var before = factory.Count("Policies");
        var formula = await Problem(await admin.PostAsync("/api/policies/import", new StringContent(csv, Encoding.UTF8, "text/csv")), 400);
        Assert.Contains("formula", formula.GetRawText());
        Assert.Equal(before, factory.Count("Policies"));

        // Cancelling a drug-consultation application (no quota rule) works (was 400 "Value cannot be null").
        var consult = await member.SendAsync(Apply("jd-drug-consultation", "DEMO-JD-0001", new { }, null));
        Assert.Equal(HttpStatusCode.Created, consult.StatusCode);
        var consultId = (await consult.Body()).GetProperty("id").GetString();
        var cancel = await member.PostAsync($"/api/me/applications/{consultId}/cancel", null);
        Assert.True(cancel.StatusCode == HttpStatusCode.OK, await cancel.Content.ReadAsStringAsync());

        // Elsa's API with a body that is not JSON: 415, not 501.
        var studioToken = await factory.ClientAs("Analyst");
        await Problem(await studioToken.PostAsync("/elsa/api/workflow-definitions", new StringContent("x", Encoding.UTF8, "text/plain")), 415);
        await Problem(await studioToken.PostAsync("/elsa/api/no-such-thing", new StringContent("x", Encoding.UTF8, "text/plain")), 415);

        // Unknown paths: 404 for every method, not 405.
        await Problem(await cm.PostAsync("/nothing-here", new StringContent("x")), 404);
        await Problem(await cm.PostAsync("/api/nothing-here", JsonContent.Create(new { })), 404);

        // A favicon.
        var icon = await factory.CreateClient().GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/x-icon", icon.Content.Headers.ContentType?.MediaType);
    }

    // ---- 8. Hangfire jobs are named by what they do and the case ----

    [Fact]
    public void Hangfire_jobs_are_named_by_what_they_do_and_the_case_they_concern()
    {
        var work = new Workflows.Persistence.Stores.ScheduledWork("w1", "timer:b1", Workflows.Persistence.Stores.WorkKinds.WorkflowTimer, DateTimeOffset.UtcNow,
            new JsonObject { ["bookmarkId"] = "b1", ["instanceId"] = "0193abc" }, "Pending", 0);
        Assert.Equal("Timer resume 定时恢复 · instance 0193abc · timer:b1", Workflows.Scheduling.JobNames.For(work));
        var method = typeof(Workflows.Scheduling.WorkRunner).GetMethod("RunAsync", [typeof(string), typeof(string), typeof(CancellationToken)])!;
        var display = (System.ComponentModel.DisplayNameAttribute)Attribute.GetCustomAttribute(method, typeof(System.ComponentModel.DisplayNameAttribute))!;
        Assert.Equal("{1}", display.DisplayName);
    }

    [Fact]
    public async Task Hangfire_dashboard_shows_job_names_with_their_case()
    {
        // A booking schedules reminders, an SLA deadline and the like; their jobs appear named on the dashboard.
        using var scope = factory.Services.CreateScope();
        var hangfire = scope.ServiceProvider.GetRequiredService<Hangfire.IBackgroundJobClient>();
        var work = new Workflows.Persistence.Stores.ScheduledWork("no-such-work", "summary:2026-06", Workflows.Persistence.Stores.WorkKinds.MonthlySummaries,
            DateTimeOffset.UtcNow, new JsonObject { ["month"] = "2026-06" }, "Queued", 0);
        Workflows.Scheduling.WorkDispatcher.Enqueue(hangfire, work);
        var admin = await factory.CookieClientAs("admin");
        string page = "";
        for (var i = 0; i < 30 && !page.Contains("Monthly summary", StringComparison.Ordinal); i++)
        {
            page = await admin.GetStringAsync("/hangfire/jobs/succeeded");
            if (!page.Contains("Monthly summary", StringComparison.Ordinal)) await Task.Delay(300);
        }
        Assert.Contains("Monthly summary 月度小结 · month 2026-06", WebUtility.HtmlDecode(page));
        Assert.DoesNotContain("WorkRunner.RunAsync", page);
    }

    // ---- 9. Headers ----

    [Fact]
    public async Task Responses_carry_the_security_headers_and_personal_data_is_not_cached()
    {
        var member = await factory.MemberAsync("member");
        var api = await member.GetAsync("/api/me/policies");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("same-origin", api.Headers.GetValues("Referrer-Policy").Single());
        Assert.True(api.Headers.CacheControl?.NoStore, api.Headers.CacheControl?.ToString());
        Assert.False(api.Headers.Contains("Server"));
        Assert.False(api.Headers.Contains("Strict-Transport-Security")); // plain HTTP here

        var analyst = await factory.CookieClientAs("analyst");
        var studio = await analyst.GetAsync("/studio/");
        Assert.Equal(HttpStatusCode.OK, studio.StatusCode);
        var csp = studio.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'self'", csp);
        Assert.Contains("script-src 'self' 'wasm-unsafe-eval'", csp);
        Assert.Equal("SAMEORIGIN", studio.Headers.GetValues("X-Frame-Options").Single());

        var home = await analyst.GetAsync("/");
        Assert.True(home.Headers.CacheControl?.NoStore, home.Headers.CacheControl?.ToString());

        // Over HTTPS, HSTS.
        var https = factory.CreateClient(new() { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        var secure = await https.GetAsync("/account/login");
        Assert.Contains("max-age=", secure.Headers.GetValues("Strict-Transport-Security").Single());
    }

    // ---- 5. Free text: encrypted at rest, a reference in the workflow, masked by content in staff views ----

    /// <summary>The forms a value can take in stored or served text: raw, JSON-escaped (\\uXXXX) and URL-encoded.</summary>
    private static IEnumerable<string> Forms(string value) =>
    [
        value,
        string.Concat(value.Select(c => c < 128 ? c.ToString() : $"\\u{(int)c:X4}")),
        Uri.EscapeDataString(value),
    ];

    /// <summary>For a failure message: the tables and columns whose text holds <paramref name="value"/>.</summary>
    private string TablesHolding(string value)
    {
        using var c = factory.Database.OpenSqlite();
        var found = new List<string>();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        foreach (var t in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM \"{t}\"";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                for (var i = 0; i < r.FieldCount; i++)
                    if (!r.IsDBNull(i) && r.GetValue(i) is string v && v.Contains(value, StringComparison.Ordinal))
                        found.Add($"{t}.{r.GetName(i)} ({v[Math.Max(0, v.IndexOf(value, StringComparison.Ordinal) - 300)..Math.Min(v.Length, v.IndexOf(value, StringComparison.Ordinal) + 100)]})");
        }
        return string.Join(", ", found.Distinct());
    }

    private string DatabaseText()
    {
        SqliteConnection.ClearAllPools();
        using (var c = factory.Database.OpenSqlite())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "PRAGMA wal_checkpoint(FULL)";
            cmd.ExecuteNonQuery();
        }
        var path = factory.Database.Path;
        var text = new StringBuilder();
        foreach (var file in new[] { path, path + "-wal" }.Where(File.Exists))
        {
            using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            text.Append(Encoding.UTF8.GetString(new BinaryReader(s).ReadBytes((int)s.Length)));
        }
        return text.ToString();
    }

    [Fact]
    public async Task A_members_note_is_ciphertext_in_the_database_file_and_the_workflow_holds_only_a_reference()
    {
        var member = await factory.MemberAsync("hardening-erin");
        var policy = await ImportPolicyAsync("hardening-erin");
        const string secret = "骨转移复查，身份证 110101198001015678";
        const string control = "复旦大学附属肿瘤医院";
        var r = await member.SendAsync(Apply("cpic-outpatient-green-channel", policy, new
        {
            hospital = control, preferredTime = "下午", note = secret,
            attachments = new[] { new { kind = "pathology-report", fileName = "张三骨转移报告.pdf", contentType = "application/pdf", sizeBytes = 1000 } },
        }, null));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var appId = (await r.Body()).GetProperty("id").GetString()!;

        var text = DatabaseText();
        Assert.True(!text.Contains(secret, StringComparison.Ordinal), $"the note is stored in plain text in: {TablesHolding(secret)}");
        foreach (var value in new[] { secret, "骨转移", "110101198001015678", "张三骨转移报告" })
            foreach (var form in Forms(value))
                Assert.DoesNotContain(form, text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Forms(control), form => text.Contains(form, StringComparison.OrdinalIgnoreCase));

        // The workflow's input refers to the encrypted text; the application's row decrypts to what the member typed.
        using var scope = factory.Services.CreateScope();
        var domain = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>();
        var app = domain.Applications.Single(a => a.Id == appId);
        var instance = await (await factory.ClientAs("Specialist")).GetStringAsync($"/elsa/api/workflow-instances/{app.InstanceId}");
        Assert.Contains($"personal-text:{appId}:note", instance);
        var protector = scope.ServiceProvider.GetRequiredService<Workflows.Domain.Policies.PersonalDataProtector>();
        var details = JsonNode.Parse(app.DetailsJson)!;
        Assert.Equal(secret, protector.Unprotect(details["note"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Free_text_staff_type_is_ciphertext_in_the_database_file_a_reference_in_the_journal_and_masked_in_every_staff_view()
    {
        var member = await factory.MemberAsync("hardening-dave");
        var policy = await ImportPolicyAsync("hardening-dave");
        const string memberNote = "本人骨转移，电话 13812340000";
        var r = await member.SendAsync(Apply(HardeningFactory.FaultingService, policy, new
        {
            hospital = "复旦大学附属肿瘤医院", preferredTime = "上午", note = memberNote,
            attachments = new[] { new { kind = "pathology-report", fileName = "李四骨转移病理.pdf", contentType = "application/pdf", sizeBytes = 1000 } },
        }, null));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var appId = (await r.Body()).GetProperty("id").GetString()!;
        string instanceId;
        using (var scope = factory.Services.CreateScope())
            instanceId = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == appId).InstanceId;

        // The specialist types the member's ID number, phone and diagnosis in the task's note, and in a remark the form
        // does not declare, when completing the call.
        var specialist = await factory.ClientAs("Specialist");
        var task = (await (await specialist.GetAsync("/api/tasks")).Body()).EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
        var taskId = task.GetProperty("id").GetString()!;
        const string note = "已联系客户，骨转移复查，身份证 110101198001011234，手机 139-1234-5678，请尽快安排";
        const string remark = "客户另留电话 13700001111";
        var done = await specialist.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Reached", data = new { note, remark } }, "dave-call"));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);

        string[] secrets = ["110101198001011234", "139-1234-5678", "13912345678", "13700001111", "13812340000", "骨转移", "李四骨转移病理"];
        // At rest: nothing of it in the SQLite file (database and WAL), in any form; the hospital, under a key that is not
        // sensitive, is found, so the search could have found the rest.
        var text = DatabaseText();
        foreach (var value in secrets)
            foreach (var form in Forms(value))
                Assert.False(text.Contains(form, StringComparison.OrdinalIgnoreCase), $"the database file holds {form} in: {TablesHolding(value)}");
        Assert.Contains(Forms("复旦大学附属肿瘤医院"), form => text.Contains(form, StringComparison.OrdinalIgnoreCase));

        // The journal keeps references, and each decrypts (from its own row) to what was typed.
        using (var scope = factory.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<Workflows.Engine.Runtime.IWorkflowStore>();
            var resumed = (await store.GetJournalAsync(instanceId)).Single(e => e.EventName == "BookmarkResumed" && e.BookmarkId == taskId);
            var noteRef = resumed.Payload!["data"]!["note"]!.GetValue<string>();
            var remarkRef = resumed.Payload!["data"]!["remark"]!.GetValue<string>();
            Assert.StartsWith("personal-text:task:", noteRef);
            Assert.StartsWith("personal-text:task:", remarkRef);
            var domain = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>();
            var protector = scope.ServiceProvider.GetRequiredService<Workflows.Domain.Policies.PersonalDataProtector>();
            var row = domain.TaskTexts.Single(t => t.Id == noteRef.Substring("personal-text:task:".Length));
            Assert.Equal((appId, instanceId, taskId, "note", "specialist"), (row.ApplicationId, row.InstanceId, row.TaskId, row.Field, row.WrittenBy));
            Assert.Equal(note, protector.Unprotect(row.TextProtected));
        }

        // Every staff view: no secret in any form.
        var auditor = await factory.ClientAs("Auditor");
        var caseView = await specialist.GetStringAsync($"/api/cases/{appId}");
        var views = new Dictionary<string, string>
        {
            ["instance"] = await specialist.GetStringAsync($"/api/workflow-instances/{instanceId}"),
            ["journal"] = await auditor.GetStringAsync($"/api/workflow-instances/{instanceId}/journal"),
            ["tasks"] = await specialist.GetStringAsync("/api/tasks"),
            ["case view"] = caseView,
            ["case view, case manager"] = await (await factory.ClientAs("CaseManager")).GetStringAsync($"/api/cases/{appId}"),
            ["studio instance"] = await specialist.GetStringAsync($"/elsa/api/workflow-instances/{instanceId}"),
            ["studio journal"] = await auditor.GetStringAsync($"/elsa/api/workflow-instances/{instanceId}/journal"),
            ["studio variables"] = await specialist.GetStringAsync($"/elsa/api/workflow-instances/{instanceId}/variables"),
        };
        foreach (var (name, view) in views)
            foreach (var value in secrets)
                foreach (var form in Forms(value))
                    Assert.False(view.Contains(form, StringComparison.OrdinalIgnoreCase), $"{name} shows {form}");
        // Control: the case view shows the gist of each text, masked by content (so the search above would have found the rest).
        var shown = JsonDocument.Parse(caseView).RootElement;
        var shownNote = shown.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("id").GetString() == taskId);
        Assert.Equal("已联系客户，***复查，身份证 110***********1234，手机 139******5678，请尽快安排", shownNote.GetProperty("note").GetString());
        Assert.Equal("本人***，电话 138****0000", shown.GetProperty("details").GetProperty("note").GetString());
        Assert.Equal("李四***病理.pdf", shown.GetProperty("documents")[0].GetProperty("fileName").GetString());

        // Reveal: with a reason, the whole text, recorded in the access trail; without one, refused.
        var noteReference = shownNote.GetProperty("noteReference").GetString()!;
        var refused = await specialist.PostAsJsonAsync($"/api/cases/{appId}/reveal", new { field = noteReference, reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var revealed = await specialist.PostAsJsonAsync($"/api/cases/{appId}/reveal", new { field = noteReference, reason = "核对客户证件" });
        Assert.Equal(HttpStatusCode.OK, revealed.StatusCode);
        Assert.Equal(note, (await revealed.Body()).GetProperty("value").GetString());
        var memberNoteRevealed = await specialist.PostAsJsonAsync($"/api/cases/{appId}/reveal", new { field = "note", reason = "核对会员备注" });
        Assert.Equal(memberNote, (await memberNoteRevealed.Body()).GetProperty("value").GetString());
        var trail = await auditor.GetStringAsync($"/api/workflow-instances/{instanceId}/access-trail");
        Assert.Contains($"reveal {noteReference} of case {appId}: 核对客户证件", trail);
        foreach (var value in secrets)
            foreach (var form in Forms(value))
                Assert.DoesNotContain(form, trail, StringComparison.OrdinalIgnoreCase);

        // A reference of another case is not read through this one.
        var other = await factory.MemberAsync("hardening-dave2");
        var otherPolicy = await ImportPolicyAsync("hardening-dave2");
        var otherApp = (await (await other.SendAsync(Apply(HardeningFactory.FaultingService, otherPolicy, new { hospital = "复旦大学附属肿瘤医院", preferredTime = "上午" }, null))).Body())
            .GetProperty("id").GetString()!;
        var crossed = await specialist.PostAsJsonAsync($"/api/cases/{otherApp}/reveal", new { field = noteReference, reason = "核对客户证件" });
        Assert.Equal(HttpStatusCode.BadRequest, crossed.StatusCode);
    }
}

/// <summary>The incident queue page (异常队列): a case manager finds the faulted case, corrects its data and retries, in a real browser.</summary>
public sealed class IncidentsBrowserTests : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-inc-" + Guid.NewGuid().ToString("N")[..8]);
    private Microsoft.Playwright.IPlaywright _playwright = null!;
    private BackOfficeProcess _host = null!;
    private Microsoft.Playwright.IBrowser _chromium = null!;

    public async Task InitializeAsync()
    {
        var workflows = HardeningFactory.WriteWorkflows(Path.Combine(_data, "workflows"));
        _host = await BackOfficeProcess.StartAsync(_data, workflows);
        (_playwright, _chromium) = await Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _chromium.DisposeAsync();
        _playwright.Dispose();
        _host.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task A_case_manager_corrects_a_faulted_application_and_retries_it_from_the_incident_queue()
    {
        var member = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        member.DefaultRequestHeaders.Authorization = new("Bearer", await BackOfficeFactory.TokenFor(member, "member"));
        var applied = await member.PostAsJsonAsync("/api/me/applications", new
        {
            serviceCode = HardeningFactory.FaultingService, policyNumber = "DEMO-CPIC-0001", details = new { hospital = "复旦大学附属肿瘤医院" },
        });
        var app = await applied.Body();
        Assert.True(applied.StatusCode == HttpStatusCode.Created, app.ToString());
        Assert.True(app.GetProperty("delayed").GetBoolean(), app.ToString());
        var appId = app.GetProperty("id").GetString()!;

        var page = await _chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, _host.BaseAddress, "casemanager", "/incidents");
        await page.WaitForURLAsync("**/incidents");
        var table = page.GetByTestId("incident-table");
        await Microsoft.Playwright.Assertions.Expect(table.GetByText(appId)).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Microsoft.Playwright.Assertions.Expect(table.GetByText("preference")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "incidents-01-queue");

        // The table is prerendered before the page is interactive: click until the circuit answers.
        var detail = page.GetByTestId("incident-detail");
        for (var i = 0; i < 20 && !await detail.IsVisibleAsync(); i++)
        {
            await page.GetByTestId("incident-open").First.ClickAsync();
            try { await detail.WaitForAsync(new() { Timeout = 1000 }); } catch (TimeoutException) { }
        }
        await Microsoft.Playwright.Assertions.Expect(detail).ToBeVisibleAsync();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("incident-input")).ToContainTextAsync("复旦大学附属肿瘤医院");
        // Not valid JSON: a message in Chinese, nothing retried.
        var patch = page.Locator("textarea[data-testid=incident-input-patch], [data-testid=incident-input-patch] textarea").First;
        await patch.FillAsync("{details: 上午}");
        await page.GetByTestId("incident-retry").ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("incident-error")).ToContainTextAsync("不是有效的 JSON");
        await Browser.ShotAsync(page, "incidents-02-invalid-correction");

        await patch.FillAsync("{\"details\": {\"preferredTime\": \"上午\"}}");
        await page.GetByTestId("incident-retry").ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("incident-done")).ToContainTextAsync("流程继续运行");
        await Microsoft.Playwright.Assertions.Expect(page.GetByTestId("incident-empty")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "incidents-03-retried");

        var after = await (await member.GetAsync($"/api/me/applications/{appId}")).Body();
        Assert.False(after.GetProperty("delayed").GetBoolean(), after.ToString());
    }
}
