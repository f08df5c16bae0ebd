using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>
/// Task forms, the case view and search, and applications taken by phone, through the real host on a real SQLite file:
/// a completion that does not fit its form is a 400 naming the field and the rule, and changes nothing.
/// </summary>
public sealed class WorkspaceFormsTests(ScenarioFactory factory) : IClassFixture<ScenarioFactory>
{
    // Wednesday 10 June 2026, 10:00 Beijing time: a working day, inside office hours.
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-06-10T02:00:00Z");
    private const string Hospital = "复旦大学附属肿瘤医院";

    private async Task<string> ImportPolicyAsync(string user, string name = "测试被保人", string insurer = "CPIC")
    {
        var number = $"WF-{Guid.NewGuid().ToString("N")[..10]}";
        var admin = await factory.ClientAs("Admin");
        object policy = insurer == "CPIC"
            ? new
            {
                policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                insured = new { name, idNumber = "110101198005010011", phone = "13900000001", userName = user },
                diagnoses = new[] { new { kind = "metastasis", diagnosedOn = "2026-04-01" } },
            }
            : new
            {
                policyNumber = number, product = "jd-malignant-tumour-drug", variant = "without-social-insurance", effectiveDate = "2026-01-01", endDate = "2026-12-31",
                insured = new { name, idNumber = "110101198005010011", phone = "13900000001", userName = user },
                diagnoses = new[] { new { kind = "first-malignant-tumour", diagnosedOn = "2026-05-01" } },
            };
        var r = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { policy } });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return number;
    }

    private async Task<(string ApplicationId, string InstanceId)> ApplyAsync(string user, string policy, string service = "cpic-outpatient-green-channel", object? details = null)
    {
        var member = await factory.MemberAsync(user);
        var r = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = service, policyNumber = policy, details = details ?? new { hospital = Hospital } });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        var app = await r.Body();
        Assert.Equal("Accepted", app.GetProperty("status").GetString());
        var id = app.GetProperty("id").GetString()!;
        return (id, InstanceOf(id));
    }

    private string InstanceOf(string applicationId)
    {
        using var scope = factory.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == applicationId).InstanceId;
    }

    private static async Task<JsonElement> TaskAsync(HttpClient staff, string instanceId) =>
        (await (await staff.GetAsync("/api/tasks")).Body()).EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);

    private static async Task<HttpResponseMessage> CompleteAsync(HttpClient staff, string taskId, string outcome, object data) =>
        await staff.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome, data }, Guid.NewGuid().ToString()));

    /// <summary>A member's application waiting on the specialist's booking task.</summary>
    private async Task<(string ApplicationId, string InstanceId, string PolicyNumber, HttpClient Specialist, string BookingTask)> AtBookingAsync(string user)
    {
        factory.Clock.SetUtcNow(Now);
        var policy = await ImportPolicyAsync(user);
        var (app, instance) = await ApplyAsync(user, policy);
        var specialist = await factory.ClientAs("Specialist");
        var call = await TaskAsync(specialist, instance);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(specialist, call.GetProperty("id").GetString()!, "Reached", new { note = "已电话沟通流程" })).StatusCode);
        var booking = await TaskAsync(specialist, instance);
        Assert.Contains("Booked", booking.GetProperty("outcomes").EnumerateArray().Select(o => o.GetString()));
        return (app, instance, policy, specialist, booking.GetProperty("id").GetString()!);
    }

    /// <summary>Everything a completion could change: the instance row, its journal, bookmarks, the application and its timeline, idempotency records.</summary>
    private string Snapshot(string instanceId, string applicationId)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT (SELECT Revision || '|' || Status || '|' || SubStatus || '|' || StateJson || '|' || COALESCE(IncidentJson, '') FROM WorkflowInstances WHERE Id = @i)
                || '#' || (SELECT COUNT(*) || ':' || COALESCE(MAX(Hash), '') FROM JournalEntries WHERE InstanceId = @i)
                || '#' || (SELECT COUNT(*) || ':' || COALESCE(GROUP_CONCAT(Id), '') FROM Bookmarks WHERE InstanceId = @i)
                || '#' || (SELECT Status || '|' || UpdatedAt || '|' || COALESCE(AppointmentAt, '') FROM ServiceApplications WHERE Id = @a)
                || '#' || (SELECT COUNT(*) FROM ApplicationEvents WHERE ApplicationId = @a)
                || '#' || (SELECT COUNT(*) FROM CommandKeys)
                || '#' || (SELECT COUNT(*) FROM ScheduledWork)
            """;
        cmd.Parameters.AddWithValue("@i", instanceId);
        cmd.Parameters.AddWithValue("@a", applicationId);
        return (string)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task A_booking_with_a_number_for_the_appointment_is_a_400_naming_the_field_and_changes_nothing()
    {
        var (app, instance, _, specialist, task) = await AtBookingAsync("forms-number");
        var before = Snapshot(instance, app);

        var r = await CompleteAsync(specialist, task, "Booked", new { appointmentAt = 12345 });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var problem = await r.Body();
        var error = problem.GetProperty("fieldErrors").EnumerateArray().Single();
        Assert.Equal("appointmentAt", error.GetProperty("field").GetString());
        Assert.Equal("type", error.GetProperty("rule").GetString());
        Assert.Contains("预约时间", error.GetProperty("messageZh").GetString());
        Assert.Contains("Appointment", error.GetProperty("messageEn").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("appointmentAt", out _));
        Assert.DoesNotContain("System.", await r.Content.ReadAsStringAsync());

        Assert.Equal(before, Snapshot(instance, app));
        Assert.Equal(0L, factory.Count("WorkflowInstances WHERE SubStatus = 'Faulted'"));

        // The same task then completes with a proper appointment, entered in Beijing time without an offset.
        var ok = await CompleteAsync(specialist, task, "Booked", new { appointmentAt = "2026-06-20 09:30", hospital = Hospital, department = "乳腺外科" });
        Assert.True(ok.StatusCode == HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        using var scope = factory.Services.CreateScope();
        var stored = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == app);
        Assert.Equal("Booked", stored.Status);
        Assert.Equal(DateTimeOffset.Parse("2026-06-20T01:30:00Z"), stored.AppointmentAt);
    }

    [Fact]
    public async Task Each_form_rule_is_refused_with_its_field_and_rule_and_the_case_stays_unchanged()
    {
        var (app, instance, _, specialist, task) = await AtBookingAsync("forms-rules");
        var before = Snapshot(instance, app);
        (string Outcome, object Data, string Field, string Rule)[] cases =
        [
            ("Booked", new { hospital = Hospital }, "appointmentAt", "required"),
            ("Booked", new { appointmentAt = "2026-06-20" }, "appointmentAt", "time-required"),
            ("Booked", new { appointmentAt = "2026-06-09 09:30" }, "appointmentAt", "not-in-past"),
            ("Booked", new { appointmentAt = "2027-01-05T09:30:00+08:00" }, "appointmentAt", "not-after-policy-end"),
            ("Booked", new { appointmentAt = "next tuesday" }, "appointmentAt", "type"),
            ("Booked", new { appointmentAt = "2026-06-20 09:30", hospital = "不存在的医院" }, "hospital", "unknown-option"),
            ("Booked", new { appointmentAt = "2026-06-20 09:30", department = new string('科', 51) }, "department", "max-length"),
            ("Booked", new { appointmentAt = "2026-06-20 09:30", note = 42 }, "note", "type"),
            ("Withdrawn", new { withdrawReason = "bored" }, "withdrawReason", "unknown-option"),
            ("Teleported", new { }, "outcome", "outcome"),
        ];
        foreach (var (outcome, data, field, rule) in cases)
        {
            var r = await CompleteAsync(specialist, task, outcome, data);
            var body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{field}/{rule}: {(int)r.StatusCode} {body}");
            var errors = JsonDocument.Parse(body).RootElement.GetProperty("fieldErrors").EnumerateArray().ToList();
            Assert.Contains(errors, e => e.GetProperty("field").GetString() == field && e.GetProperty("rule").GetString() == rule);
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("messageZh").GetString())));

            // The check endpoint answers the same without running anything.
            var check = await (await specialist.SendAsync(Json.Post($"/api/tasks/{task}/validate", new { outcome, data }))).Body();
            Assert.False(check.GetProperty("valid").GetBoolean());
            Assert.Contains(check.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field && e.GetProperty("rule").GetString() == rule);
        }
        Assert.Equal(before, Snapshot(instance, app));
        var valid = await (await specialist.SendAsync(Json.Post($"/api/tasks/{task}/validate", new { outcome = "Booked", data = new { appointmentAt = "2026-06-20 09:30" } }))).Body();
        Assert.True(valid.GetProperty("valid").GetBoolean(), valid.ToString());
        Assert.Equal(before, Snapshot(instance, app));
    }

    [Fact]
    public async Task The_form_is_declared_with_types_labels_required_outcomes_and_a_hospital_search_from_the_services_list()
    {
        var (_, _, _, specialist, task) = await AtBookingAsync("forms-declared");
        var view = await (await specialist.GetAsync($"/api/tasks/{task}/form")).Body();
        var form = view.GetProperty("form");
        Assert.Equal("Health.Booking", form.GetProperty("activityType").GetString());
        Assert.Equal("Asia/Shanghai", form.GetProperty("timeZone").GetString());
        Assert.Equal(["Booked", "Withdrawn"], form.GetProperty("outcomes").EnumerateArray().Select(o => o.GetProperty("name").GetString()!).ToArray());
        Assert.Equal("已预约", form.GetProperty("outcomes")[0].GetProperty("labelZh").GetString());
        var fields = form.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal("DateTime", fields["appointmentAt"].GetProperty("type").GetString());
        Assert.Equal("预约时间", fields["appointmentAt"].GetProperty("labelZh").GetString());
        Assert.Equal(["Booked"], fields["appointmentAt"].GetProperty("requiredFor").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.Equal("Hospital", fields["hospital"].GetProperty("type").GetString());
        Assert.True(fields["hospital"].GetProperty("hasOptionSearch").GetBoolean());
        Assert.Equal("MultiLine", fields["note"].GetProperty("type").GetString());
        Assert.Equal(Hospital, view.GetProperty("prefill").GetProperty("hospital").GetString());

        var hits = (await (await specialist.GetAsync($"/api/tasks/{task}/options/hospital?q={Uri.EscapeDataString("肿瘤")}&take=10")).Body()).EnumerateArray().ToList();
        Assert.NotEmpty(hits);
        Assert.True(hits.Count <= 10);
        Assert.All(hits, h => Assert.True(h.GetProperty("value").GetString()!.Contains("肿瘤") || h.GetProperty("detail").GetString()!.Contains("肿瘤"), h.ToString()));
        var none = (await (await specialist.GetAsync($"/api/tasks/{task}/options/hospital?q={Uri.EscapeDataString("火星医院")}")).Body()).EnumerateArray();
        Assert.Empty(none);
        Assert.Equal(HttpStatusCode.NotFound, (await specialist.GetAsync($"/api/tasks/{task}/options/department?q=a")).StatusCode);
        // A member may not see a specialist's task form.
        var member = await factory.MemberAsync("forms-declared");
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/api/tasks/{task}/form")).StatusCode);
    }

    [Fact]
    public async Task A_phone_application_keeps_its_channel_and_receipt_and_its_first_contact_SLA_counts_from_the_call()
    {
        factory.Clock.SetUtcNow(Now);
        var policy = await ImportPolicyAsync("forms-phone");
        var specialist = await factory.ClientAs("Specialist");
        var channels = (await (await specialist.GetAsync("/api/phone-applications/channels")).Body()).EnumerateArray().Select(c => c.GetProperty("code").GetString()).ToList();
        Assert.Contains("cpic-95500", channels);

        // The call came in on Tuesday 9 June at 17:30 and is keyed in on Wednesday at 10:00.
        var r = await specialist.SendAsync(Json.Post("/api/phone-applications", new
        {
            policyNumber = policy, serviceCode = "cpic-outpatient-green-channel", channel = "cpic-95500", receivedAt = "2026-06-09 17:30", callerRole = "insured",
            details = new { hospital = Hospital }, note = "会员来电申请门诊绿通",
        }, "phone-1"));
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        var view = await r.Body();
        Assert.Equal("cpic-95500", view.GetProperty("channel").GetProperty("code").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-06-09T09:30:00Z"), view.GetProperty("receivedAt").GetDateTimeOffset());
        Assert.Equal("specialist", view.GetProperty("filedBy").GetString());
        Assert.Equal("Accepted", view.GetProperty("status").GetString());
        Assert.Contains(view.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("messageZh").GetString()!.Contains("95500"));

        // First contact within 1 working day of the call (hospital hours 08:00-20:00): due Wednesday 20:00, not Thursday 20:00.
        var task = await TaskAsync(specialist, view.GetProperty("instanceId").GetString()!);
        Assert.Equal(DateTimeOffset.Parse("2026-06-10T20:00:00+08:00"), task.GetProperty("dueAt").GetDateTimeOffset());
        var sla = view.GetProperty("slas").EnumerateArray().Single();
        Assert.Equal("HospitalDay", sla.GetProperty("hours").GetString());
        Assert.Equal(600, sla.GetProperty("workingMinutesLeft").GetDouble()); // 10:00 → 20:00 of service time
        Assert.False(sla.GetProperty("overdue").GetBoolean());

        // A retry with the same key files nothing new.
        var again = await specialist.SendAsync(Json.Post("/api/phone-applications", new
        {
            policyNumber = policy, serviceCode = "cpic-outpatient-green-channel", channel = "cpic-95500", receivedAt = "2026-06-09 17:30", callerRole = "insured",
            details = new { hospital = Hospital }, note = "会员来电申请门诊绿通",
        }, "phone-1"));
        Assert.Equal(view.GetProperty("applicationId").GetString(), (await again.Body()).GetProperty("applicationId").GetString());

        // Bad input: a receipt in the future, a date without a time, the JD line for a CPIC policy, a member filing.
        foreach (var (received, channel, field) in new[] { ("2026-06-11 09:00", "cpic-95500", "receivedAt"), ("2026-06-09", "cpic-95500", "receivedAt"), ("2026-06-09 17:30", "jd-hotline", "channel") })
        {
            var bad = await specialist.SendAsync(Json.Post("/api/phone-applications", new { policyNumber = policy, serviceCode = "cpic-outpatient-green-channel", channel, receivedAt = received },
                Guid.NewGuid().ToString()));
            var text = await bad.Content.ReadAsStringAsync();
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains(field, text);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.MemberAsync("forms-phone")).SendAsync(Json.Post("/api/phone-applications", new { }, "m"))).StatusCode);

        // The case search finds it by channel.
        var found = await (await specialist.GetAsync($"/api/cases?channel=cpic-95500&policyNumber={policy}")).Body();
        Assert.Equal(1, found.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task The_case_view_is_masked_and_a_reveal_needs_a_reason_that_goes_to_the_access_trail()
    {
        var (app, _, policy, specialist, _) = await AtBookingAsync("forms-reveal");
        var view = await (await specialist.GetAsync($"/api/cases/{app}")).Body();
        var member = view.GetProperty("member");
        Assert.Equal("测****", member.GetProperty("nameMasked").GetString());
        Assert.Equal("110***********0011", member.GetProperty("idNumberMasked").GetString());
        Assert.Equal("139****0001", member.GetProperty("phoneMasked").GetString());
        var text = view.ToString();
        Privacy.AssertHidden(text, "the case view", policy, "110101198005010011", "测试被保人");
        Assert.Equal(policy, view.GetProperty("policy").GetProperty("policyNumber").GetString());
        Assert.Equal(1, view.GetProperty("policy").GetProperty("used").GetInt32()); // reserved by this application
        Assert.Equal("Eligible", view.GetProperty("eligibility").GetProperty("decision").GetString());
        var done = view.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("state").GetString() == "done");
        Assert.Equal("Reached", done.GetProperty("outcome").GetString());
        Assert.Equal("已电话沟通流程", done.GetProperty("note").GetString());
        Assert.Equal("specialist", done.GetProperty("completedBy").GetString());
        Assert.Single(view.GetProperty("tasks").EnumerateArray(), t => t.GetProperty("state").GetString() == "open");
        Assert.NotEmpty(view.GetProperty("instructions").GetProperty("steps").EnumerateArray());

        var noReason = await specialist.SendAsync(Json.Post($"/api/cases/{app}/reveal", new { field = "idNumber" }));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync());

        var revealed = await (await specialist.SendAsync(Json.Post($"/api/cases/{app}/reveal", new { field = "idNumber", reason = "会员来电核实身份" }))).Body();
        Assert.Equal("110101198005010011", revealed.GetProperty("value").GetString());

        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT UserName, Detail, InstanceId, StatusCode FROM AccessLog WHERE Path = @p ORDER BY Id";
        cmd.Parameters.AddWithValue("@p", $"/api/cases/{app}/reveal");
        var rows = new List<(string User, string? Detail, string? Instance, long Status)>();
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) rows.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3)));
        var granted = rows.Single(r => r.Status == 200);
        Assert.Equal("specialist", granted.User);
        Assert.Contains("idNumber", granted.Detail);
        Assert.Contains("会员来电核实身份", granted.Detail);
        Privacy.AssertHidden(granted.Detail!, "the access trail's detail", "会员来电核实身份", "110101198005010011");
        Assert.Equal(InstanceOf(app), granted.Instance);

        // The auditor reads it; a member may not reveal anything.
        var auditor = await factory.ClientAs("Auditor");
        var trail = await (await auditor.GetAsync($"/api/access-log?instanceId={InstanceOf(app)}")).Body();
        Assert.Contains(trail.EnumerateArray(), e => e.GetProperty("detail").GetString()?.Contains("会员来电核实身份") == true);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.MemberAsync("forms-reveal")).SendAsync(Json.Post($"/api/cases/{app}/reveal", new { field = "idNumber", reason = "想看看" }))).StatusCode);
    }

    [Fact]
    public async Task Case_search_filters_in_SQL_matches_masked_names_and_pages_through_every_case_once()
    {
        factory.Clock.SetUtcNow(Now);
        var name = "欧阳" + Guid.NewGuid().ToString("N")[..3]; // five characters, unique to this test
        var policy = await ImportPolicyAsync("forms-search", name);
        var services = new[] { "cpic-outpatient-green-channel", "cpic-inpatient-surgery-green-channel", "cpic-expert-online-written-opinion", "cpic-oncology-psychological-counselling", "cpic-coc-oncology-follow-up" };
        var ids = new List<string>();
        foreach (var s in services) ids.Add((await ApplyAsync("forms-search", policy, s)).ApplicationId);
        var specialist = await factory.ClientAs("Specialist");

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = await (await specialist.GetAsync($"/api/cases?policyNumber={policy}&pageSize=2{(after is null ? "" : $"&after={after}")}")).Body();
            Assert.Equal(5, page.GetProperty("total").GetInt32());
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.True(items.Count <= 2);
            seen.AddRange(items.Select(i => i.GetProperty("applicationId").GetString()!));
            after = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        } while (after is not null);
        Assert.Equal(ids.Order(), seen.Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());

        var exact = await specialist.GetAsync($"/api/cases?memberName={Uri.EscapeDataString(name)}");
        var exactBody = await exact.Content.ReadAsStringAsync();
        Assert.Equal(5, JsonDocument.Parse(exactBody).RootElement.GetProperty("total").GetInt32());
        Assert.DoesNotContain(name, exactBody);
        Assert.Contains("欧****", exactBody);
        var masked = await (await specialist.GetAsync($"/api/cases?memberName={Uri.EscapeDataString("欧****")}&policyNumber={policy}")).Body();
        Assert.Equal(5, masked.GetProperty("total").GetInt32());
        var partial = await (await specialist.GetAsync($"/api/cases?memberName={Uri.EscapeDataString(name[..2])}")).Body();
        Assert.Equal(0, partial.GetProperty("total").GetInt32()); // no prefix probing of plain names

        var coc = await (await specialist.GetAsync($"/api/cases?policyNumber={policy}&service=cpic-coc-oncology-follow-up&status=Accepted&channel=app&from=2026-06-10&to=2026-06-10")).Body();
        Assert.Equal(ids[^1], coc.GetProperty("items")[0].GetProperty("applicationId").GetString());
        var other = await (await specialist.GetAsync($"/api/cases?policyNumber={policy}&from=2026-06-11")).Body();
        Assert.Equal(0, other.GetProperty("total").GetInt32());

        Assert.Equal(HttpStatusCode.BadRequest, (await specialist.GetAsync("/api/cases?from=10/06/2026")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await specialist.GetAsync("/api/cases?after=garbage")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.MemberAsync("forms-search")).GetAsync($"/api/cases?policyNumber={policy}")).StatusCode);
    }

    [Fact]
    public async Task The_COC_workspace_lists_enrolled_members_with_their_open_questions_and_SLA_deadlines()
    {
        factory.Clock.SetUtcNow(Now);
        var policy = await ImportPolicyAsync("forms-coc");
        var (app, instance) = await ApplyAsync("forms-coc", policy, "cpic-coc-oncology-follow-up", new { });
        var caseManager = await factory.ClientAs("CaseManager");
        var intake = await TaskAsync(caseManager, instance);
        Assert.Equal(HttpStatusCode.OK, (await CompleteAsync(caseManager, intake.GetProperty("id").GetString()!, "Enrolled", new { })).StatusCode);
        var member = await factory.MemberAsync("forms-coc");
        Assert.Equal(HttpStatusCode.Created, (await member.PostAsJsonAsync($"/api/me/applications/{app}/consultations", new { question = "复查间隔多久？" })).StatusCode);

        var workspace = await (await caseManager.GetAsync("/api/coc/workspace")).Body();
        var mine = workspace.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("applicationId").GetString() == app);
        Assert.Equal("Booked", mine.GetProperty("status").GetString());
        var question = mine.GetProperty("open").EnumerateArray().Single();
        Assert.Equal("question", question.GetProperty("kind").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-06-10T02:30:00Z"), question.GetProperty("dueAt").GetDateTimeOffset()); // 30 minutes of service time
        Assert.Equal(30, question.GetProperty("workingMinutesLeft").GetDouble());
        Assert.Equal(32, question.GetProperty("consultationId").GetString()!.Length);
        Assert.True(workspace.GetProperty("openQuestions").GetInt32() >= 1);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.ClientAs("Specialist")).GetAsync("/api/coc/workspace")).StatusCode);
    }
}
