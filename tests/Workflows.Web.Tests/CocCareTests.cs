using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>
/// The COC programme as the handbook describes it (C 257-355), through the HTTP API on the real host and a real SQLite
/// file: several questions open at once, graded alerts, the named case manager, nutrition assessments.
/// </summary>
public sealed class CocCareTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    private async Task<(string App, HttpClient Member, HttpClient CaseManager)> EnrolledAsync(string user)
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:00:00Z")); // Tuesday 10:00 in Shanghai
        var policy = await ImportCpicAsync(user, effective: "2026-01-10", end: "2027-01-09", recurrenceOn: null);
        var member = await Factory.MemberAsync(user);
        var app = await ApplyAsync(member, "cpic-coc-oncology-follow-up", policy);
        var caseManager = await Factory.ClientAs("CaseManager");
        await CompleteAsync(caseManager, app, "Enrolled");
        return (app, member, caseManager);
    }

    private async Task<List<JsonElement>> TasksOf(HttpClient staff, string app)
    {
        var instanceId = InstanceOf(app);
        return (await (await staff.GetAsync("/api/tasks")).Body()).EnumerateArray().Where(t => t.GetProperty("instanceId").GetString() == instanceId).ToList();
    }

    private static async Task Complete(HttpClient staff, JsonElement task, string outcome, object data)
    {
        var r = await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Two_questions_open_at_once_are_two_tasks_and_each_answer_goes_to_its_own_question_in_any_order()
    {
        var (app, member, caseManager) = await EnrolledAsync("coc-two-questions");
        var first = await member.PostAsJsonAsync($"/api/me/applications/{app}/consultations", new { question = "化疗后白细胞偏低需要停药吗？" });
        var second = await member.PostAsJsonAsync($"/api/me/applications/{app}/consultations", new { question = "复查间隔多久？" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode); // was 409 "Busy" while the first was open
        var q1 = (await first.Body()).GetProperty("consultationId").GetString()!;
        var q2 = (await second.Body()).GetProperty("consultationId").GetString()!;

        var tasks = (await TasksOf(caseManager, app)).Where(t => t.GetProperty("activityId").GetString() == "answer").ToList();
        Assert.Equal(2, tasks.Count);
        var t1 = tasks.Single(t => t.GetProperty("instructions").GetString()!.Contains(q1));
        var t2 = tasks.Single(t => t.GetProperty("instructions").GetString()!.Contains(q2));
        // Each due 30 minutes of service time after its question (Tuesday 10:00 → 10:30).
        Assert.All(tasks, t => Assert.Equal(DateTimeOffset.Parse("2026-02-03T02:30:00Z"), t.GetProperty("dueAt").GetDateTimeOffset()));

        // The later question answered first: each answer lands on its own question.
        await Complete(caseManager, t2, "Answered", new { answerSummary = "一般每三个月复查一次。" });
        await Complete(caseManager, t1, "Answered", new { answerSummary = "白细胞低于3.0请先停药并联系主治医生。" });
        var answers = (await (await member.GetAsync($"/api/me/applications/{app}/consultations")).Body()).EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("answer").GetString());
        Assert.Equal("白细胞低于3.0请先停药并联系主治医生。", answers[q1]);
        Assert.Equal("一般每三个月复查一次。", answers[q2]);
        Assert.Equal("Booked", (await (await member.GetAsync($"/api/me/applications/{app}")).Body()).GetProperty("status").GetString());
        // What each task kept (its question's id) went with it: the first question is nowhere in the instance's state now.
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM WorkflowInstances WHERE Id = @i AND StateJson LIKE '%' || @q || '%'", ("@i", InstanceOf(app)), ("@q", q1)));

        // The programme still listens: a third question is a new task; nothing of the kept ids is left behind.
        Assert.Equal(HttpStatusCode.Created, (await member.PostAsJsonAsync($"/api/me/applications/{app}/consultations", new { question = "可以运动吗？" })).StatusCode);
        Assert.Single((await TasksOf(caseManager, app)).Where(t => t.GetProperty("activityId").GetString() == "answer"));
    }

    [Fact]
    public async Task Grade_I_and_II_alerts_send_the_member_self_check_guidance_and_grade_III_and_above_each_start_a_two_hour_task()
    {
        var (app, member, caseManager) = await EnrolledAsync("coc-alert-member");

        var mild = await caseManager.PostAsJsonAsync($"/api/coc/{app}/alerts", new { grade = 2, source = "adverse-reaction", detail = "手足综合征 2级" });
        Assert.Equal(HttpStatusCode.Created, mild.StatusCode);
        var mildBody = await mild.Body();
        Assert.Equal("self-check", mildBody.GetProperty("handling").GetString());
        Assert.Contains("自查指引", mildBody.GetProperty("guidanceZh").GetString());
        Assert.Empty(await TasksOf(caseManager, app)); // no task for a grade II alert
        var messages = (await (await member.GetAsync("/api/me/notifications")).Body()).EnumerateArray().ToList();
        Assert.Contains(messages, m => m.GetProperty("template").GetString() == "coc-self-check" && m.GetProperty("textZh").GetString()!.Contains("II 级"));
        var timeline = (await (await member.GetAsync($"/api/me/applications/{app}")).Body()).GetProperty("timeline").EnumerateArray();
        Assert.Contains(timeline, e => e.GetProperty("messageZh").GetString()!.Contains("自查指引"));

        // Two grade III+ alerts at once: two tasks, each due 2 hours of hospital service time later (Tuesday 10:00 → 12:00).
        var severe = await (await caseManager.PostAsJsonAsync($"/api/coc/{app}/alerts", new { grade = 3, source = "indicator", detail = "白细胞 1.5×10⁹/L" })).Body();
        var worse = await (await caseManager.SendAsync(Json.Post($"/api/coc/{app}/alerts", new { grade = 4, source = "adverse-reaction", detail = "发热 39.5℃" }, "fever-1"))).Body();
        // A retry with the same key answers the same alert and starts no second task; the key reused for another alert is refused.
        var retried = await (await caseManager.SendAsync(Json.Post($"/api/coc/{app}/alerts", new { grade = 4, source = "adverse-reaction", detail = "发热 39.5℃" }, "fever-1"))).Body();
        Assert.Equal(worse.GetProperty("id").GetString(), retried.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await caseManager.SendAsync(Json.Post($"/api/coc/{app}/alerts", new { grade = 5, source = "adverse-reaction", detail = "发热 40℃" }, "fever-1"))).StatusCode);
        Assert.Equal("task", severe.GetProperty("handling").GetString());
        var tasks = (await TasksOf(caseManager, app)).Where(t => t.GetProperty("activityId").GetString() == "handle").ToList();
        Assert.Equal(2, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(DateTimeOffset.Parse("2026-02-03T04:00:00Z"), t.GetProperty("dueAt").GetDateTimeOffset()));
        Assert.Contains(tasks, t => t.GetProperty("instructions").GetString()!.Contains(severe.GetProperty("id").GetString()!));
        Assert.Contains(tasks, t => t.GetProperty("instructions").GetString()!.Contains(worse.GetProperty("id").GetString()!));
        var read = await (await caseManager.GetAsync($"/api/coc-alerts/{severe.GetProperty("id").GetString()}")).Body();
        Assert.Equal("白细胞 1.5×10⁹/L", read.GetProperty("detail").GetString());
        Assert.Equal(3, (await (await caseManager.GetAsync($"/api/coc/{app}/alerts")).Body()).GetArrayLength());

        // Bad input changes nothing and says which field and rule.
        foreach (var bad in new object[] { new { grade = 0, source = "indicator", detail = "x" }, new { grade = 6, source = "indicator", detail = "x" },
                     new { grade = 3, source = "gossip", detail = "x" }, new { grade = 3, source = "indicator", detail = "" } })
        {
            var r = await caseManager.PostAsJsonAsync($"/api/coc/{app}/alerts", bad);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(3, (await (await caseManager.GetAsync($"/api/coc/{app}/alerts")).Body()).GetArrayLength());
        Assert.Equal(HttpStatusCode.Forbidden, (await (await Factory.ClientAs("Specialist")).PostAsJsonAsync($"/api/coc/{app}/alerts",
            new { grade = 3, source = "indicator", detail = "x" })).StatusCode);

        // The detail is health data: encrypted at rest.
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM CocAlerts WHERE DetailProtected LIKE '%白细胞%'"));
    }

    [Fact]
    public async Task A_case_manager_takes_a_member_the_member_sees_their_name_and_only_a_supervisor_reassigns_with_a_reason()
    {
        var (app, member, caseManager) = await EnrolledAsync("coc-named-member");
        await CreateCaseManagerAsync("coc-cm-2", "李护士");
        var none = await (await member.GetAsync($"/api/me/applications/{app}/coc")).Body();
        Assert.Equal(JsonValueKind.Null, none.GetProperty("caseManagerName").ValueKind);

        // A case manager may not name a colleague, only take the member themselves.
        Assert.Equal(HttpStatusCode.Forbidden, (await caseManager.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "coc-cm-2" })).StatusCode);
        var taken = await caseManager.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "casemanager" });
        Assert.True(taken.StatusCode == HttpStatusCode.OK, await taken.Content.ReadAsStringAsync());
        var mine = await (await member.GetAsync($"/api/me/applications/{app}/coc")).Body();
        Assert.Equal("Demo CaseManager", mine.GetProperty("caseManagerName").GetString());
        var timeline = (await (await member.GetAsync($"/api/me/applications/{app}")).Body()).GetProperty("timeline").EnumerateArray();
        Assert.Contains(timeline, e => e.GetProperty("messageZh").GetString() == "您的专属个案管理师：Demo CaseManager。");

        // Once named, only a supervisor changes it, to a case manager, with a reason.
        Assert.Equal(HttpStatusCode.Forbidden, (await caseManager.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "coc-cm-2", reason = "x" })).StatusCode);
        // A retried take is answered with the same state and adds no history.
        var retried = await caseManager.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "casemanager" });
        Assert.Equal(1, (await retried.Body()).GetProperty("history").GetArrayLength());
        var supervisor = await Factory.ClientAs("Supervisor");
        var notCm = await supervisor.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "specialist", reason = "休假" });
        Assert.Equal(HttpStatusCode.BadRequest, notCm.StatusCode);
        Assert.Contains("case manager role", await notCm.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "coc-cm-2" })).StatusCode); // no reason
        var moved = await supervisor.PutAsJsonAsync($"/api/coc/{app}/case-manager", new { caseManager = "coc-cm-2", reason = "原个案管理师休假" });
        Assert.True(moved.StatusCode == HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
        var view = await moved.Body();
        Assert.Equal("coc-cm-2", view.GetProperty("userName").GetString());
        Assert.Equal(2, view.GetProperty("history").GetArrayLength());
        Assert.Equal("原个案管理师休假", view.GetProperty("history")[0].GetProperty("reason").GetString());
        Assert.Equal("李护士", (await (await member.GetAsync($"/api/me/applications/{app}/coc")).Body()).GetProperty("caseManagerName").GetString());

        // Another member's programme is not theirs to see.
        var stranger = await Factory.MemberAsync("coc-stranger");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/me/applications/{app}/coc")).StatusCode);
    }

    [Fact]
    public async Task A_PG_SGA_nutrition_assessment_is_triaged_by_its_score_and_sent_to_the_member()
    {
        var (app, member, caseManager) = await EnrolledAsync("coc-nutrition-member");
        var r = await caseManager.PostAsJsonAsync($"/api/coc/{app}/nutrition", new { assessedOn = "2026-02-02", score = 6, rating = "B", advice = "每日加一餐口服营养补充。" });
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        Assert.Equal("intervention", (await r.Body()).GetProperty("triageLevel").GetString());
        var critical = await (await caseManager.PostAsJsonAsync($"/api/coc/{app}/nutrition", new { assessedOn = "2026-02-03", score = 12, rating = "C", advice = "请尽快就诊营养科。" })).Body();
        Assert.Equal("critical", critical.GetProperty("triageLevel").GetString());

        var mine = await (await member.GetAsync($"/api/me/applications/{app}/coc")).Body();
        Assert.Equal(2, mine.GetProperty("nutrition").GetArrayLength());
        Assert.Equal(12, mine.GetProperty("nutrition")[0].GetProperty("score").GetInt32()); // newest first
        Assert.Contains((await (await member.GetAsync("/api/me/notifications")).Body()).EnumerateArray(),
            m => m.GetProperty("template").GetString() == "coc-nutrition" && m.GetProperty("textZh").GetString()!.Contains("PG-SGA 6 分"));

        foreach (var bad in new object[] { new { assessedOn = "2026-02-02", score = 36, rating = "B", advice = "x" }, new { assessedOn = "2026-02-02", score = 3, rating = "D", advice = "x" },
                     new { assessedOn = "2026-03-01", score = 3, rating = "A", advice = "x" }, new { assessedOn = "2026-02-02", score = 3, rating = "A", advice = "" } })
            Assert.Equal(HttpStatusCode.BadRequest, (await caseManager.PostAsJsonAsync($"/api/coc/{app}/nutrition", bad)).StatusCode);
        Assert.Equal(2, (await (await caseManager.GetAsync($"/api/coc/{app}/nutrition")).Body()).GetArrayLength());
    }

    private async Task CreateCaseManagerAsync(string userName, string displayName)
    {
        var admin = await Factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/admin/users", new { userName, displayName, roles = new[] { "CaseManager" }, password = "Another#2026pass" });
        Assert.True(r.IsSuccessStatusCode || r.StatusCode == HttpStatusCode.Conflict, await r.Content.ReadAsStringAsync());
    }
}

/// <summary>
/// 若保险合同终止，则健康管理服务同时终止 (C 249-251): a contract that ends ends its services; a recurrence counts under the
/// continuous renewal; a policy longer than the product's term is flagged at import. Through the HTTP API and the schedulers.
/// </summary>
public sealed class ContractEndTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task When_the_policy_ends_its_open_services_close_with_the_reason_the_COC_programme_ends_and_summaries_stop()
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:00:00Z"));
        var policy = await ImportCpicAsync("contract-end-member", effective: "2025-04-01", end: "2026-03-31", recurrenceOn: "2025-12-01");
        var member = await Factory.MemberAsync("contract-end-member");
        var caseManager = await Factory.ClientAs("CaseManager");
        var coc = await ApplyAsync(member, "cpic-coc-oncology-follow-up", policy);
        await CompleteAsync(caseManager, coc, "Enrolled");
        Assert.Equal(HttpStatusCode.Created, (await member.PostAsJsonAsync($"/api/me/applications/{coc}/consultations", new { question = "复查时间？" })).StatusCode);
        var green = await ApplyAsync(member, "cpic-outpatient-green-channel", policy, new { hospital = "复旦大学附属肿瘤医院" });
        Assert.NotNull(await TaskOf(caseManager, coc));

        // A booking after the end is refused by the booking form (the rule the end relies on).
        var specialist = await Factory.ClientAs("Specialist");
        await CompleteAsync(specialist, green, "Reached");
        var booking = (await TaskOf(specialist, green))!.Value;
        var late = await specialist.SendAsync(Json.Post($"/api/tasks/{booking.GetProperty("id").GetString()}/complete",
            new { outcome = "Booked", data = new { appointmentAt = "2026-04-02T09:00:00+08:00", hospital = "复旦大学附属肿瘤医院" } }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);

        // The work waits for the day after the last day, 00:00 in Shanghai.
        var key = Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'contract.end' AND DueAt = @due", ("@due", DateTimeOffset.Parse("2026-03-31T16:00:00Z").UtcTicks));
        Assert.Equal(1, key);
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-03-31T16:00:02Z"));
        member = await Factory.MemberAsync("contract-end-member");
        (caseManager, specialist) = (await Factory.ClientAs("CaseManager"), await Factory.ClientAs("Specialist")); // tokens of two months ago have expired
        await Eventually(async () => (await (await member.GetAsync($"/api/me/applications/{coc}")).Body()).GetProperty("status").GetString() == "Cancelled", "COC closed");
        foreach (var id in new[] { coc, green })
        {
            var app = await (await member.GetAsync($"/api/me/applications/{id}")).Body();
            Assert.Equal("Cancelled", app.GetProperty("status").GetString());
            Assert.Contains(app.GetProperty("timeline").EnumerateArray(), e => e.GetProperty("messageZh").GetString()!.Contains("2026-03-31 到期"));
            Assert.Null(await TaskOf(caseManager, id));
            Assert.Null(await TaskOf(specialist, id));
        }
        // Journaled with the reason: the instance was cancelled because the contract ended.
        Assert.True(Scalar("SELECT COUNT(*) FROM JournalEntries WHERE InstanceId = @i AND Message LIKE '%ended on 2026-03-31%'", ("@i", InstanceOf(coc))) >= 1);
        Assert.Equal(HttpStatusCode.Conflict, (await member.PostAsJsonAsync($"/api/me/applications/{coc}/consultations", new { question = "还在吗？" })).StatusCode);
        var refused = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = policy, details = new { } })).Body();
        Assert.Equal("POLICY_NOT_IN_FORCE", refused.GetProperty("refusal").GetProperty("code").GetString());

        // Summaries stop: March (the month it ended in) is summarised, April is not.
        using (var scope = Factory.Services.CreateScope())
        {
            var summaries = scope.ServiceProvider.GetServices<Workflows.Persistence.Stores.IScheduledWorkHandler>().OfType<Workflows.Domain.FollowUp.MonthlySummaries>().Single();
            await summaries.RunMonthAsync(new DateOnly(2026, 3, 1), CancellationToken.None);
            await summaries.RunMonthAsync(new DateOnly(2026, 4, 1), CancellationToken.None);
        }
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM MonthlySummaries WHERE ApplicationId = @a AND Month = '2026-03'", ("@a", coc)));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM MonthlySummaries WHERE ApplicationId = @a AND Month = '2026-04'", ("@a", coc)));
    }

    [Fact]
    public async Task A_recurrence_diagnosed_under_last_years_policy_counts_under_its_continuous_renewal_and_not_after_a_gap()
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-03-10T02:00:00Z"));
        var first = await ImportCpicAsync("renewal-member", effective: "2025-01-01", end: "2025-12-31", recurrenceOn: "2025-09-01");
        var admin = await Factory.ClientAs("Admin");
        async Task<string> Renewal(string effective, string end, string? previous, string user)
        {
            var number = "R-" + Guid.NewGuid().ToString("N")[..10];
            var r = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { new
            {
                policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = effective, endDate = end, previousPolicyNumber = previous,
                insured = new { name = "测试", idNumber = "110101198005010011", phone = "13900000001", birthDate = "1980-05-01", userName = user },
            } } });
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
            return number;
        }
        var renewed = await Renewal("2026-01-01", "2026-12-31", first, "renewal-member");
        var member = await Factory.MemberAsync("renewal-member");
        var app = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-outpatient-green-channel", policyNumber = renewed,
            details = new { hospital = "复旦大学附属肿瘤医院" } })).Body();
        Assert.Equal("Accepted", app.GetProperty("status").GetString());

        // After a gap (the renewal starts a month after the end) the chain is broken: no confirmed recurrence on this policy.
        var gapFirst = await ImportCpicAsync("gap-member", effective: "2025-01-01", end: "2025-11-30", recurrenceOn: "2025-09-01");
        var gap = await Renewal("2026-01-01", "2026-12-31", gapFirst, "gap-member");
        var gapMember = await Factory.MemberAsync("gap-member");
        var refused = await (await gapMember.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-outpatient-green-channel", policyNumber = gap,
            details = new { hospital = "复旦大学附属肿瘤医院" } })).Body();
        Assert.Equal("RECURRENCE_NOT_CONFIRMED", refused.GetProperty("refusal").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_policy_longer_than_the_products_one_year_term_is_flagged_in_the_preview_and_the_import_answer()
    {
        var admin = await Factory.ClientAs("Admin");
        object Policy(string number, string end) => new
        {
            policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-10", endDate = end,
            insured = new { name = "测试", idNumber = "110101198005010011", userName = "long-member" },
        };
        var (longOne, yearOne, sameDate) = ("L-" + Guid.NewGuid().ToString("N")[..10], "Y-" + Guid.NewGuid().ToString("N")[..10], "D-" + Guid.NewGuid().ToString("N")[..10]);
        var feed = new { policies = new[] { Policy(longOne, "2027-07-09"), Policy(yearOne, "2027-01-09"), Policy(sameDate, "2027-01-10") } };
        var preview = (await (await admin.PostAsJsonAsync("/api/policies/import/preview", feed)).Body()).EnumerateArray().ToList();
        Assert.Equal(3, preview.Count);
        var flag = Assert.Single(preview[0].GetProperty("warnings").EnumerateArray());
        Assert.Equal("endDate", flag.GetProperty("field").GetString());
        Assert.Contains("超过产品约定的保险期间", flag.GetProperty("messageZh").GetString());
        Assert.Equal("new", preview[0].GetProperty("action").GetString()); // flagged, not refused
        Assert.Empty(preview[1].GetProperty("warnings").EnumerateArray());
        Assert.Empty(preview[2].GetProperty("warnings").EnumerateArray());

        var imported = await admin.PostAsJsonAsync("/api/policies/import", feed);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var flags = (await imported.Body()).GetProperty("flags").EnumerateArray().ToList();
        Assert.Equal(longOne, Assert.Single(flags).GetProperty("policyNumber").GetString());
    }
}
