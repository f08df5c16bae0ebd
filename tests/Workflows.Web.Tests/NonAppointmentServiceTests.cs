using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.Calendar;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Tests;

/// <summary>
/// The CPIC services that are not appointments (issue 11), through the real host and its SQLite file: each runs its own
/// flow, deadlines count from the request or the receipt the handbook names, and the member's timeline says what happened.
/// </summary>
public sealed class NonAppointmentServiceTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    /// <summary>Monday 2026-06-08 10:00 Beijing time (the Dragon Boat Festival, Friday 19 June, is not a working day).</summary>
    private static readonly DateTimeOffset Monday10 = DateTimeOffset.Parse("2026-06-08T02:00:00Z");

    private BusinessCalendar Calendar => Factory.Services.GetRequiredService<BusinessCalendar>();

    private DateTimeOffset WorkingDaysAfter(DateTimeOffset start, int days) => Calendar.DeadlineAfter(start, days, ServiceHours.OfficeDay);

    private static string Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, BusinessCalendar.Shanghai).ToString("yyyy-MM-dd HH:mm");

    private async Task<(HttpClient Member, HttpClient Specialist, string Policy)> MemberAsync(string user)
    {
        Factory.Clock.SetUtcNow(Monday10);
        var policy = await ImportCpicAsync(user);
        return (await Factory.MemberAsync(user), await Factory.ClientAs("Specialist"), policy);
    }

    /// <summary>Moves the clock and signs in again (a moved clock expires the earlier tokens).</summary>
    private async Task<(HttpClient Member, HttpClient Specialist)> MoveClockAsync(DateTimeOffset to, string user)
    {
        Factory.Clock.SetUtcNow(to);
        return (await Factory.MemberAsync(user), await Factory.ClientAs("Specialist"));
    }

    private static async Task<JsonElement> ViewAsync(HttpClient member, string app) => await (await member.GetAsync($"/api/me/applications/{app}")).Body();

    private static List<string> Timeline(JsonElement view) =>
        view.GetProperty("timeline").EnumerateArray().Select(e => e.GetProperty("messageZh").GetString()!).ToList();

    private async Task<HttpResponseMessage> TryCompleteAsync(HttpClient staff, string app, string outcome, object data)
    {
        var task = await TaskOf(staff, app) ?? throw new InvalidOperationException($"No open task for application {app}.");
        return await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
    }

    private static async Task AssertFieldRefusedAsync(HttpResponseMessage r, string field, string wordsZh)
    {
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, body);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), body);
        Assert.Contains(wordsZh, messages[0].GetString());
    }

    private async Task<DateTimeOffset> DueOfTaskAsync(HttpClient staff, string app, string titleStart)
    {
        var task = (await TaskOf(staff, app))!.Value;
        Assert.StartsWith(titleStart, task.GetProperty("title").GetString());
        return task.GetProperty("dueAt").GetDateTimeOffset();
    }

    private async Task<int> RemainingAsync(HttpClient member, string policy, string service) =>
        (await (await member.GetAsync("/api/me/quotas")).Body()).EnumerateArray()
        .Single(q => q.GetProperty("policyNumber").GetString() == policy && q.GetProperty("serviceCode").GetString() == service).GetProperty("remaining").GetInt32();

    [Fact]
    public async Task Written_opinion_has_no_appointment_and_is_due_7_working_days_after_the_complete_request_not_after_the_earlier_task()
    {
        var (member, specialist, policy) = await MemberAsync("svc-opinion");
        var app = await ApplyAsync(member, "cpic-expert-online-written-opinion", policy);
        await CompleteAsync(specialist, app, "Reached");

        // The specialist confirms the materials two days later; they were complete with the request (C 455, 469).
        (member, specialist) = await MoveClockAsync(Monday10.AddDays(2), "svc-opinion");
        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Complete", new { occurredAt = "2026-06-07T09:00" }), "occurredAt", "不能早于收到申请的时间");
        await CompleteAsync(specialist, app, "Complete", new { occurredAt = "2026-06-08T10:00" });

        var due = await DueOfTaskAsync(specialist, app, "专家审阅并出具书面诊疗意见");
        Assert.Equal(WorkingDaysAfter(Monday10, 7), due);
        Assert.Equal("2026-06-17 18:00", Local(due)); // 9, 10, 11, 12, 15, 16, 17 June: by the close of the 7th working day
        Assert.NotEqual(WorkingDaysAfter(Monday10.AddDays(2), 7), due); // not from when the materials task was done

        var view = await ViewAsync(member, app);
        Assert.Equal("InProgress", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("appointmentAt").ValueKind);
        Assert.Contains(Timeline(view), m => m.Contains("已提交专家审阅") && m.Contains("2026-06-17 18:00 前"));
        // Nothing is booked: cancelling now gives the use back.
        Assert.True((await (await member.GetAsync($"/api/me/applications/{app}/cancellation-preview")).Body()).GetProperty("quotaRestored").GetBoolean());

        await CompleteAsync(specialist, app, "Issued");
        view = await ViewAsync(member, app);
        Assert.Equal("Completed", view.GetProperty("status").GetString());
        Assert.Contains("书面诊疗意见已出具", Timeline(view)[^1]);
        Assert.Equal(0, await RemainingAsync(member, policy, "cpic-expert-online-written-opinion"));
    }

    [Fact]
    public async Task Pathology_states_the_fee_the_member_pays_before_they_confirm_and_times_the_result_from_the_slides_receipt()
    {
        var (member, specialist, policy) = await MemberAsync("svc-pathology");
        var app = await ApplyAsync(member, "cpic-pathology-expert-consultation", policy, new { city = "北京" });
        var confirm = (object body) => member.SendAsync(Json.Post($"/api/me/applications/{app}/confirmation", body, Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.Conflict, (await confirm(new { confirmed = true })).StatusCode); // nothing stated yet
        await CompleteAsync(specialist, app, "Reached");
        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Quoted", new { hospital = "北京大学肿瘤医院" }), "feeYuan", "请填写");
        await CompleteAsync(specialist, app, "Quoted", new { feeYuan = 1500, hospital = "北京大学肿瘤医院" });

        var view = await ViewAsync(member, app);
        Assert.Equal("AwaitingConfirmation", view.GetProperty("status").GetString());
        Assert.Contains(Timeline(view), m => m.Contains("病理会诊费用需您自理") && m.Contains("¥1500") && m.Contains("北京大学肿瘤医院"));
        Assert.Null(await TaskOf(specialist, app)); // nothing goes on until the member answers

        await ImportCpicAsync("svc-pathology-other");
        var stranger = await Factory.MemberAsync("svc-pathology-other");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(Json.Post($"/api/me/applications/{app}/confirmation", new { confirmed = true }, "k1"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await confirm(new { })).StatusCode);

        // The member confirms three days after the request: the consultation is still due 7 working days from the request.
        (member, specialist) = await MoveClockAsync(Monday10.AddDays(3), "svc-pathology");
        var confirmed = await confirm(new { confirmed = true });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("InProgress", (await confirmed.Body()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await confirm(new { confirmed = true })).StatusCode);

        await CompleteAsync(specialist, app, "Borrowed");
        Assert.Equal(WorkingDaysAfter(Monday10, 7), await DueOfTaskAsync(specialist, app, "递送切片并排号"));

        // The hospital received the slides on Friday 12 June at 15:00; the preliminary result is due 7 working days later.
        (member, specialist) = await MoveClockAsync(DateTimeOffset.Parse("2026-06-12T08:00:00Z"), "svc-pathology");
        await CompleteAsync(specialist, app, "Received", new { occurredAt = "2026-06-12T15:00" });
        var received = DateTimeOffset.Parse("2026-06-12T15:00:00+08:00");
        var resultDue = await DueOfTaskAsync(specialist, app, "出具初步病理结果");
        Assert.Equal(WorkingDaysAfter(received, 7), resultDue);
        Assert.Equal("2026-06-24 18:00", Local(resultDue)); // 15, 16, 17, 18, (19 端午), 22, 23, 24
        Assert.Contains(Timeline(await ViewAsync(member, app)), m => m.Contains("2026-06-12 接收病理切片") && m.Contains("2026-06-24 18:00 前"));

        await CompleteAsync(specialist, app, "Issued");
        view = await ViewAsync(member, app);
        Assert.Equal("Completed", view.GetProperty("status").GetString());
        Assert.Equal(0, await RemainingAsync(member, policy, "cpic-pathology-expert-consultation"));
    }

    [Fact]
    public async Task Pathology_declined_by_the_member_cancels_and_gives_the_use_back()
    {
        var (member, specialist, policy) = await MemberAsync("svc-pathology-no");
        var app = await ApplyAsync(member, "cpic-pathology-expert-consultation", policy, new { city = "上海" });
        await CompleteAsync(specialist, app, "Reached");
        await CompleteAsync(specialist, app, "Quoted", new { feeYuan = 2000, hospital = "复旦大学附属肿瘤医院" });
        Assert.Equal(0, await RemainingAsync(member, policy, "cpic-pathology-expert-consultation"));
        var declined = await member.SendAsync(Json.Post($"/api/me/applications/{app}/confirmation", new { confirmed = false }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);
        var view = await declined.Body();
        Assert.Equal("Cancelled", view.GetProperty("status").GetString());
        Assert.Contains("未确认自理费用", Timeline(view)[^1]);
        Assert.Equal(1, await RemainingAsync(member, policy, "cpic-pathology-expert-consultation"));
    }

    [Fact]
    public async Task Gene_testing_says_report_issued_only_when_it_is_and_its_cancellation_reminder_says_what_cancelling_does()
    {
        var (member, specialist, policy) = await MemberAsync("svc-gene");
        var app = await ApplyAsync(member, "cpic-recurrence-genetic-testing", policy);
        const string reportIssued = "报告已出具";
        await CompleteAsync(specialist, app, "Reached");
        await CompleteAsync(specialist, app, "Sent");
        await CompleteAsync(specialist, app, "Booked", new { appointmentAt = "2026-06-12T09:30:00+08:00" });
        Assert.DoesNotContain(Timeline(await ViewAsync(member, app)), m => m.Contains(reportIssued));

        // The cancellation-deadline reminder (09:00 on Thursday 11 June, 1 working day's notice) and the rule agree.
        var stamp = DateTimeOffset.Parse("2026-06-12T01:30:00Z").UtcTicks;
        var work = (await Work.GetByKeyAsync($"remind:cancel-deadline:{app}:{stamp}"))!;
        Assert.Equal(DateTimeOffset.Parse("2026-06-11T01:00:00Z"), work.DueAt);
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-11T01:00:01Z"));
        async Task<List<string>> Reminders() => (await (await (await Factory.MemberAsync("svc-gene")).GetAsync("/api/me/notifications")).Body()).EnumerateArray()
            .Where(n => n.GetProperty("template").GetString() == "cancellation-deadline").Select(n => n.GetProperty("textZh").GetString()!).ToList();
        await Eventually(async () => (await Reminders()).Count == 1, "the cancellation-deadline reminder");
        var reminder = (await Reminders())[0];
        Assert.Contains("采样前取消，服务次数将退回", reminder);
        Assert.DoesNotContain("逾期取消将视为已使用", reminder);
        // On the day after the notice closes, cancelling before sampling still gives the use back, as the reminder said.
        (member, specialist) = await MoveClockAsync(DateTimeOffset.Parse("2026-06-12T00:30:00Z"), "svc-gene");
        Assert.True((await (await member.GetAsync($"/api/me/applications/{app}/cancellation-preview")).Body()).GetProperty("quotaRestored").GetBoolean());

        (member, specialist) = await MoveClockAsync(DateTimeOffset.Parse("2026-06-12T02:00:00Z"), "svc-gene");
        await CompleteAsync(specialist, app, "SampleTaken");
        var view = await ViewAsync(member, app);
        Assert.Equal("InProgress", view.GetProperty("status").GetString());
        Assert.DoesNotContain(Timeline(view), m => m.Contains(reportIssued));
        Assert.Equal(0, await RemainingAsync(member, policy, "cpic-recurrence-genetic-testing"));
        // Once sampled, the service counts as done: cancelling no longer gives the use back, and says why.
        var preview = await (await member.GetAsync($"/api/me/applications/{app}/cancellation-preview")).Body();
        Assert.False(preview.GetProperty("quotaRestored").GetBoolean());
        Assert.Contains("已成功采样", preview.GetProperty("previewZh").GetString());

        await CompleteAsync(specialist, app, "Received");
        Assert.DoesNotContain(Timeline(await ViewAsync(member, app)), m => m.Contains(reportIssued));
        await CompleteAsync(specialist, app, "Issued");
        view = await ViewAsync(member, app);
        Assert.Single(Timeline(view), m => m.Contains(reportIssued));
        Assert.Equal("InProgress", view.GetProperty("status").GetString());

        // The interpretation lasts 20-30 minutes (C 715).
        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Completed", new { recipient = "insured", durationMinutes = 35 }), "durationMinutes", "20-30 分钟");
        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Completed", new { recipient = "insured", durationMinutes = 15 }), "durationMinutes", "20-30 分钟");
        await CompleteAsync(specialist, app, "Completed", new { recipient = "insured", durationMinutes = 25 });
        view = await ViewAsync(member, app);
        Assert.Equal("Completed", view.GetProperty("status").GetString());
        Assert.Contains("报告解读已完成", Timeline(view)[^1]);
        Assert.Contains("25 分钟", Timeline(view)[^1]);
    }

    [Fact]
    public async Task Rehab_is_a_programme_that_runs_until_five_days_after_discharge()
    {
        var (member, specialist, policy) = await MemberAsync("svc-rehab");
        var app = await ApplyAsync(member, "cpic-post-recurrence-surgery-rehab", policy);
        await CompleteAsync(specialist, app, "Reached");
        await CompleteAsync(specialist, app, "Started");
        var view = await ViewAsync(member, app);
        Assert.Equal("InProgress", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("appointmentAt").ValueKind);
        Assert.Contains("出院后5天", Timeline(view)[^1]);

        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Discharged", new { dischargedOn = "2026-06-09" }), "dischargedOn", "");
        await CompleteAsync(specialist, app, "Discharged", new { dischargedOn = "2026-06-08" });
        Assert.Contains("持续至 2026-06-13（出院后 5 天）", Timeline(await ViewAsync(member, app))[^1]);

        var runtime = Factory.Services.GetRequiredService<WorkflowRuntime>();
        (member, specialist) = await MoveClockAsync(DateTimeOffset.Parse("2026-06-13T15:59:00Z"), "svc-rehab"); // 23:59 on the programme's last day
        await runtime.ResumeDueTimersAsync();
        Assert.Equal("InProgress", (await ViewAsync(member, app)).GetProperty("status").GetString());

        (member, specialist) = await MoveClockAsync(DateTimeOffset.Parse("2026-06-13T16:00:01Z"), "svc-rehab");
        await runtime.ResumeDueTimersAsync();
        await Eventually(async () => (await ViewAsync(member, app)).GetProperty("status").GetString() == "Completed", "the programme's end");
        Assert.Contains("已于 2026-06-13 结束", Timeline(await ViewAsync(member, app))[^1]);
        Assert.Equal(0, await RemainingAsync(member, policy, "cpic-post-recurrence-surgery-rehab"));
    }

    [Fact]
    public async Task Counselling_records_who_received_it_and_keeps_the_session_within_50_minutes()
    {
        var (member, specialist, policy) = await MemberAsync("svc-counselling");
        var app = await ApplyAsync(member, "cpic-oncology-psychological-counselling", policy);
        await CompleteAsync(specialist, app, "Reached");
        await CompleteAsync(specialist, app, "Booked", new { appointmentAt = "2026-06-09T15:00:00+08:00" });
        (member, specialist) = await MoveClockAsync(DateTimeOffset.Parse("2026-06-09T08:00:00Z"), "svc-counselling");

        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Completed", new { recipient = "insured", durationMinutes = 60 }), "durationMinutes", "不超过 50 分钟");
        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Completed", new { recipient = "family", durationMinutes = 45 }), "relation", "关系");
        await AssertFieldRefusedAsync(await TryCompleteAsync(specialist, app, "Completed", new { durationMinutes = 45 }), "recipient", "请填写");
        Assert.Equal("Booked", (await ViewAsync(member, app)).GetProperty("status").GetString()); // nothing changed

        await CompleteAsync(specialist, app, "Completed", new { recipient = "family", relation = "spouse", durationMinutes = 45 });
        var view = await ViewAsync(member, app);
        Assert.Equal("Completed", view.GetProperty("status").GetString());
        Assert.Contains("服务对象：家属（配偶），时长 45 分钟", Timeline(view)[^1]);
        Assert.Equal(3, await RemainingAsync(member, policy, "cpic-oncology-psychological-counselling"));
    }

    [Theory]
    [InlineData("cpic-expert-online-written-opinion", "Health.ServiceStep")]
    [InlineData("cpic-pathology-expert-consultation", "Health.MemberConfirmation")]
    [InlineData("cpic-recurrence-genetic-testing", "Health.PhoneSession")]
    [InlineData("cpic-post-recurrence-surgery-rehab", "Health.RecordDischarge")]
    [InlineData("cpic-oncology-psychological-counselling", "Health.PhoneSession")]
    public async Task Each_flow_is_its_own_definition_an_analyst_opens_and_publishes_again_in_Studio(string definitionId, string activityType)
    {
        var analyst = await Factory.ClientAs("analyst");
        var published = await (await analyst.GetAsync($"/elsa/api/workflow-definitions/by-definition-id/{definitionId}?versionOptions=Published")).Body();
        // (A fresh database imports the file as version 1; an installation that had the generic flow gets it as its next version.)
        var version = published.GetProperty("version").GetInt32();
        Assert.Contains(published.GetProperty("root").GetProperty("activities").EnumerateArray(), a => a.GetProperty("type").GetString() == activityType);

        // An analyst edits a task's title and publishes: the publish checks pass (every literal is one of its input's options).
        var model = System.Text.Json.Nodes.JsonNode.Parse(published.GetRawText())!;
        var call = model["root"]!["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == "call")!;
        call["title"]!["expression"]!["value"] = "致电客户（分析师修改） Call the member (edited)";
        var saved = await analyst.PostAsync("/elsa/api/workflow-definitions", new StringContent(
            new System.Text.Json.Nodes.JsonObject { ["model"] = model, ["publish"] = true }.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        Assert.Equal(version + 1, (await saved.Body()).GetProperty("workflowDefinition").GetProperty("version").GetInt32());

        // The designer offers where a deadline counts from.
        var descriptors = (await (await analyst.GetAsync("/elsa/api/descriptors/activities")).Body()).GetProperty("items").EnumerateArray().ToList();
        var countFrom = descriptors.Single(d => d.GetProperty("typeName").GetString() == "Health.ServiceStep").GetProperty("inputs").EnumerateArray()
            .Single(i => i.GetProperty("name").GetString() == "CountFrom");
        Assert.Contains("SlidesReceived", countFrom.ToString());
    }
}
