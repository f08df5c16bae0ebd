using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Persistence.Entities;

namespace Workflows.Web.Tests;

/// <summary>A clock a test sets to any instant, forwards or back (timers still run on real time).</summary>
public sealed class SettableClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;
    public void SetUtcNow(DateTimeOffset now) => _now = now;
    public override DateTimeOffset GetUtcNow() => _now;
}

/// <summary>The real host with a fake clock, so scenarios can stand on a given Asia/Shanghai date and time.</summary>
public class ScenarioFactory : BackOfficeFactory
{
    public SettableClock Clock { get; } = new(DateTimeOffset.Parse("2026-03-02T02:00:00Z"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    public async Task<HttpClient> MemberAsync(string userName)
    {
        using (var scope = Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            if (await users.FindByNameAsync(userName) is null)
            {
                var user = new AppUser { UserName = userName, DisplayName = userName };
                (await users.CreateAsync(user, Password)).Succeeded.ToString();
                await users.AddToRoleAsync(user, "Member");
            }
        }
        var client = CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new("Bearer", await TokenFor(client, userName));
        return client;
    }
}

/// <summary>Each handbook rule and its edges, through the HTTP API on a real SQLite file.</summary>
public sealed class ServiceScenarioTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    private static int _policySeq;

    private static object CpicPolicy(string number, string user, string effective = "2026-01-01", string? recurrenceOn = "2026-03-05", object? guardian = null,
        string? birthDate = "1980-05-01") => new
    {
        policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = effective, endDate = "2026-12-31", specialtyDrugCover = true,
        insured = new { name = "测试被保人", idNumber = "110101198005010011", phone = "13900000001", birthDate, userName = guardian is null ? user : null },
        guardian,
        diagnoses = recurrenceOn is null ? Array.Empty<object>() : new object[] { new { kind = "recurrence", diagnosedOn = recurrenceOn, detail = "乳腺癌复发" } },
    };

    private async Task ImportAsync(params object[] policies)
    {
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new { policies });
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    private static string NewNumber() => $"T-{Interlocked.Increment(ref _policySeq):0000}-{Guid.NewGuid().ToString("N")[..6]}";

    private static async Task<JsonElement> ApplyAsync(HttpClient member, string service, string policy, object? details = null)
    {
        var r = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = service, policyNumber = policy, details = details ?? new { } });
        Assert.True(r.StatusCode == HttpStatusCode.Created, $"{r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        return await r.Body();
    }

    private static string Status(JsonElement app) => app.GetProperty("status").GetString()!;
    private static string? Code(JsonElement app) => app.GetProperty("refusal").ValueKind == JsonValueKind.Null ? null : app.GetProperty("refusal").GetProperty("code").GetString();

    [Fact]
    public async Task Waiting_period_day_59_is_refused_and_day_60_accepted_around_Shanghai_midnight()
    {
        var number = NewNumber();
        // Effective 2026-01-10: the 60-day waiting period ends with 2026-03-10; the service is usable from 2026-03-11 (Asia/Shanghai).
        await ImportAsync(CpicPolicy(number, "wp-member", effective: "2026-01-10", recurrenceOn: "2026-03-11"));
        var member = await factory.MemberAsync("wp-member");

        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-03-10T15:59:59Z")); // 23:59:59 on 10 March in Shanghai
        var early = await ApplyAsync(member, "cpic-outpatient-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" });
        Assert.Equal(("Refused", "WAITING_PERIOD"), (Status(early), Code(early)));
        Assert.Contains("2026-03-11", early.GetProperty("refusal").GetProperty("messageZh").GetString());

        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-03-10T16:00:00Z")); // 00:00 on 11 March in Shanghai, still 10 March in UTC
        var onTime = await ApplyAsync(member, "cpic-outpatient-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" });
        Assert.Equal("Accepted", Status(onTime));
    }

    [Fact]
    public async Task A_fourth_outpatient_green_channel_in_the_policy_period_is_refused()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "quota-member"));
        var member = await factory.MemberAsync("quota-member");
        for (var i = 1; i <= 3; i++)
            Assert.Equal("Accepted", Status(await ApplyAsync(member, "cpic-outpatient-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" })));
        var fourth = await ApplyAsync(member, "cpic-outpatient-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" });
        Assert.Equal(("Refused", "QUOTA_EXHAUSTED"), (Status(fourth), Code(fourth)));
        var quotas = await (await member.GetAsync("/api/me/quotas")).Body();
        var outpatient = quotas.EnumerateArray().Single(q => q.GetProperty("policyNumber").GetString() == number && q.GetProperty("serviceCode").GetString() == "cpic-outpatient-green-channel");
        Assert.Equal((3, 3, 0), (outpatient.GetProperty("quota").GetInt32(), outpatient.GetProperty("used").GetInt32(), outpatient.GetProperty("remaining").GetInt32()));
    }

    [Fact]
    public async Task Concurrent_applications_never_overdraw_a_quota()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "race-member"));
        var member = await factory.MemberAsync("race-member");
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ApplyAsync(member, "cpic-outpatient-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" })));
        Assert.Equal(3, results.Count(r => Status(r) == "Accepted"));
        Assert.Equal(5, results.Count(r => Code(r) == "QUOTA_EXHAUSTED"));
    }

    /// <summary>
    /// The quota is a conditional update of one counter row (QuotaLedger.Reserve), not a count then an insert: 20
    /// applications at once over a quota of 4 take exactly 4, and the counter members see equals the uses held.
    /// On PostgreSQL this is the multi-writer case (issue 13); on SQLite it runs through the single writer.
    /// </summary>
    [Fact]
    public async Task Twenty_parallel_applications_over_a_quota_of_4_take_exactly_4()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "race4-member"));
        var member = await factory.MemberAsync("race4-member");
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ApplyAsync(member, "cpic-medical-escort", number, new { city = "上海" })));
        Assert.Equal(4, results.Count(r => Status(r) == "Accepted"));
        Assert.Equal(16, results.Count(r => Code(r) == "QUOTA_EXHAUSTED"));
        var quotas = await (await member.GetAsync("/api/me/quotas")).Body();
        var escort = quotas.EnumerateArray().Single(q => q.GetProperty("policyNumber").GetString() == number && q.GetProperty("serviceCode").GetString() == "cpic-medical-escort");
        Assert.Equal((4, 4, 0), (escort.GetProperty("quota").GetInt32(), escort.GetProperty("used").GetInt32(), escort.GetProperty("remaining").GetInt32()));
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT (SELECT Used FROM QuotaCounters q WHERE q.ServiceCode = 'cpic-medical-escort' AND q.PolicyId = p.Id),
                   (SELECT COUNT(*) FROM QuotaUses u WHERE u.ServiceCode = 'cpic-medical-escort' AND u.PolicyId = p.Id AND u.State <> 'Released')
            FROM Policies p WHERE p.PolicyNumber = @n
            """;
        cmd.Parameters.AddWithValue("@n", number);
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal((4L, 4L), (r.GetInt64(0), r.GetInt64(1)));
    }

    [Fact]
    public async Task MDT_in_Chengdu_is_refused_and_in_Shanghai_accepted_and_escort_in_a_covered_city_accepted()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "region-member"));
        var member = await factory.MemberAsync("region-member");

        var chengdu = await ApplyAsync(member, "cpic-mdt-consultation", number, new { city = "成都" });
        Assert.Equal(("Refused", "CITY_NOT_COVERED"), (Status(chengdu), Code(chengdu)));
        Assert.Contains("北京、上海、广州", chengdu.GetProperty("refusal").GetProperty("messageZh").GetString());
        Assert.Equal("Accepted", Status(await ApplyAsync(member, "cpic-mdt-consultation", number, new { city = "上海市" })));

        Assert.Equal("Accepted", Status(await ApplyAsync(member, "cpic-medical-escort", number, new { city = "成都" })));
        var nowhere = await ApplyAsync(member, "cpic-medical-escort", number, new { city = "不存在市" });
        Assert.Equal("CITY_NOT_COVERED", Code(nowhere));
        var hospital = await ApplyAsync(member, "cpic-inpatient-surgery-green-channel", number, new { hospital = "某某私立诊所" });
        Assert.Equal("HOSPITAL_NOT_COVERED", Code(hospital));
    }

    [Fact]
    public async Task Without_a_confirmed_recurrence_the_green_channel_is_refused()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "nodiag-member", recurrenceOn: null));
        var member = await factory.MemberAsync("nodiag-member");
        Assert.Equal("RECURRENCE_NOT_CONFIRMED", Code(await ApplyAsync(member, "cpic-outpatient-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" })));
    }

    [Fact]
    public async Task A_minors_guardian_may_apply_with_proof_and_not_without()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "unused", birthDate: "2012-04-01",
            guardian: new { name = "监护人", idNumber = "110101197001010022", phone = "13900000002", relation = "parent", userName = "guardian-member" }));
        var guardian = await factory.MemberAsync("guardian-member");

        var noProof = await ApplyAsync(guardian, "cpic-oncology-psychological-counselling", number);
        Assert.Equal("PROOF_REQUIRED", Code(noProof));
        var withProof = await ApplyAsync(guardian, "cpic-oncology-psychological-counselling", number, new
        {
            attachments = new[] { new { kind = "guardianship-proof", fileName = "户口本.pdf", contentType = "application/pdf", sizeBytes = 120_000 } },
        });
        Assert.Equal("Accepted", Status(withProof));
        Assert.Equal("guardian", withProof.GetProperty("applicantRole").GetString());
    }

    [Fact]
    public async Task Another_members_application_and_policy_answer_404()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-01T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "owner-member"));
        var owner = await factory.MemberAsync("owner-member");
        var other = await factory.MemberAsync("other-member");
        var app = await ApplyAsync(owner, "cpic-medical-escort", number, new { city = "上海" });
        var id = app.GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/me/applications/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/me/applications/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsync($"/api/me/applications/{id}/cancel", null)).StatusCode);
        var steal = await other.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = number, details = new { city = "上海" } });
        Assert.Equal(HttpStatusCode.NotFound, steal.StatusCode);
        Assert.Empty((await (await other.GetAsync("/api/me/applications")).Body()).EnumerateArray());
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(2, false)]
    public async Task Cancelling_an_inpatient_booking_3_working_days_ahead_restores_the_quota_2_consumes_it(int workingDaysAhead, bool restored)
    {
        // Appointment Thu 8 Oct 2026 10:00 Beijing time, right after the National Day holiday (1–7 Oct off; 25–27 Sep
        // Mid-Autumn off). The working days before it are Wed 30 Sep, Tue 29 Sep, Mon 28 Sep; notice counts the working
        // days after the cancellation day up to the appointment day, the holiday in between not counting.
        // Cancel on Tue 29 Sep → working days after it up to 8 Oct: 30 Sep, 8 Oct = 2 (late: consumed).
        // Cancel on Mon 28 Sep → 29 Sep, 30 Sep, 8 Oct = 3 (in time: restored).
        var cancelDay = workingDaysAhead == 3 ? "2026-09-28" : "2026-09-29";
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-09-21T02:00:00Z"));
        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, $"cancel-member-{workingDaysAhead}"));
        var member = await factory.MemberAsync($"cancel-member-{workingDaysAhead}");
        var app = await ApplyAsync(member, "cpic-inpatient-surgery-green-channel", number, new { hospital = "复旦大学附属肿瘤医院" });
        Assert.Equal("Accepted", Status(app));

        var specialist = await factory.ClientAs("Specialist");
        await CompleteTaskAsync(specialist, app, "Reached", new { });
        await CompleteTaskAsync(specialist, app, "Booked", new { appointmentAt = "2026-10-08T10:00:00+08:00" });
        var booked = await (await member.GetAsync($"/api/me/applications/{app.GetProperty("id").GetString()}")).Body();
        Assert.Equal("Booked", Status(booked));

        factory.Clock.SetUtcNow(DateTimeOffset.Parse($"{cancelDay}T02:00:00Z"));
        member = await factory.MemberAsync($"cancel-member-{workingDaysAhead}"); // a fresh token: the old one expired a week ago
        var cancel = await member.SendAsync(Json.Post($"/api/me/applications/{app.GetProperty("id").GetString()}/cancel", null, $"cancel-{number}"));
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var result = await cancel.Body();
        Assert.Equal(restored, result.GetProperty("quotaRestored").GetBoolean());
        Assert.Equal(workingDaysAhead, result.GetProperty("noticeGivenWorkingDays").GetInt32());
        Assert.Equal(3, result.GetProperty("noticeRequiredWorkingDays").GetInt32());
        Assert.Equal("Cancelled", Status(result.GetProperty("application")));

        var quotas = await (await member.GetAsync("/api/me/quotas")).Body();
        var inpatient = quotas.EnumerateArray().Single(q => q.GetProperty("policyNumber").GetString() == number && q.GetProperty("serviceCode").GetString() == "cpic-inpatient-surgery-green-channel");
        Assert.Equal(restored ? 1 : 0, inpatient.GetProperty("remaining").GetInt32());
    }

    private async Task CompleteTaskAsync(HttpClient specialist, JsonElement app, string outcome, object data)
    {
        var tasks = await (await specialist.GetAsync("/api/tasks")).Body();
        var instanceId = await InstanceOf(app);
        var task = tasks.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
        var r = await specialist.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    private async Task<string> InstanceOf(JsonElement app)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>();
        return db.Applications.Single(a => a.Id == app.GetProperty("id").GetString()).InstanceId;
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_problem_and_stores_nothing()
    {
        var admin = await factory.ClientAs("Admin");
        var member = await factory.MemberAsync("bad-input-member");
        long Count(string table) => factory.Count(table);
        var policies = Count("Policies");
        var applications = Count("ServiceApplications");

        var unknown = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "teleportation", policyNumber = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("cpic-outpatient-green-channel", (await unknown.Body()).GetProperty("detail").GetString());

        var badDate = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { new { policyNumber = "B-1", product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-13-01", endDate = "2026-12-31", insured = new { name = "某", idNumber = "110101198005010011" } } } });
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("effectiveDate '2026-13-01' is not a date", (await badDate.Body()).GetProperty("detail").GetString());

        var endBeforeStart = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[]
        {
            new { policyNumber = "B-2", product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-05-01", endDate = "2026-04-30", insured = new { name = "某", idNumber = "110101198005010011" } },
            new { policyNumber = "B-3", product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", insured = new { name = "某", idNumber = "110101198005010011" } },
        } });
        Assert.Equal(HttpStatusCode.BadRequest, endBeforeStart.StatusCode);
        Assert.Contains("before the effective date", (await endBeforeStart.Body()).GetProperty("detail").GetString());

        var huge = await member.PostAsync("/api/me/applications", new StringContent(
            "{\"serviceCode\":\"cpic-medical-escort\",\"policyNumber\":\"x\",\"details\":{\"note\":\"" + new string('x', 10_000_000) + "\"}}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        var number = NewNumber();
        await ImportAsync(CpicPolicy(number, "bad-input-member"));
        var duplicate = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { CpicPolicy(number, "bad-input-member"), CpicPolicy(NewNumber(), "x") } });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains($"Policy {number} was already imported", (await duplicate.Body()).GetProperty("detail").GetString());

        Assert.Equal(policies + 1, Count("Policies")); // only the one good import; B-3 and the duplicate's partner were not stored
        Assert.Equal(applications, Count("ServiceApplications"));
    }

    [Fact]
    public async Task The_CSV_feed_imports_policies_and_staff_see_personal_data_masked()
    {
        var admin = await factory.ClientAs("Admin");
        var number = NewNumber();
        var csv = "policy_number,product,variant,effective_date,end_date,previous_policy_number,specialty_drug_cover,insured_name,insured_id_number,insured_phone,insured_birth_date,insured_user,guardian_name,guardian_id_number,guardian_phone,guardian_relation,guardian_user,diagnosis_kind,diagnosed_on,diagnosis_detail\n" +
                  $"{number},jd-malignant-tumour-drug,with-social-insurance,2026-02-01,2027-01-31,,false,王小明,11010119900101123X,13712345678,1990-01-01,csv-member,,,,,,first-malignant-tumour,2026-06-01,\"肺癌, 腺癌\"\n";
        var r = await admin.PostAsync("/api/policies/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());

        var specialist = await factory.ClientAs("Specialist");
        var view = await (await specialist.GetAsync($"/api/policies/{number}")).Body();
        var text = view.GetRawText();
        Assert.Equal("110***********123X", view.GetProperty("insuredIdNumber").GetString());
        Assert.Equal("137****5678", view.GetProperty("insuredPhone").GetString());
        Privacy.AssertHidden(text, "the policy view", "first-malignant-tumour", "11010119900101123X", "肺癌");
        Assert.Equal("first-malignant-tumour", view.GetProperty("diagnoses")[0].GetProperty("kind").GetString());

        // At rest the ID number, phone and diagnosis are encrypted.
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT PolicyNumber || ' ' || InsuredIdNumberProtected || ' ' || InsuredPhoneProtected FROM Policies WHERE PolicyNumber = @n";
        cmd.Parameters.AddWithValue("@n", number);
        Privacy.AssertHidden((string)cmd.ExecuteScalar()!, "the policy's row", number, "11010119900101123X", "13712345678");
        cmd.CommandText = "SELECT group_concat(d.Kind || ' ' || COALESCE(d.DetailProtected, ''), char(10)) FROM DiagnosisEvents d JOIN Policies p ON p.Id = d.PolicyId WHERE p.PolicyNumber = @n";
        Privacy.AssertHidden((string)cmd.ExecuteScalar()!, "the diagnosis rows", "first-malignant-tumour", "肺癌", "腺癌");
    }
}
