using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>
/// The staff workspace in a real browser (Chromium, 1366×768, Chinese) against the real host: the inbox, the task pane
/// with the case and the form, the supervisors' board, the COC workspace. Each journey as its user does it; console
/// errors and failed requests are collected and must be zero; screenshots in tests/artifacts/screenshots/workspace-*.
/// </summary>
public sealed class WorkspaceBrowserTests(WorkspaceHost host) : IClassFixture<WorkspaceHost>
{
    private static async Task<string> ApplyAsync(HttpClient member, string service, string policy, object? details = null)
    {
        var r = await member.SendAsync(Json.Post("/api/me/applications", new { serviceCode = service, policyNumber = policy, details = details ?? new { } }, Guid.NewGuid().ToString()));
        var body = await r.Body();
        Assert.True(r.StatusCode == HttpStatusCode.Created && body.GetProperty("status").GetString() == "Accepted", body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> CaseAsync(HttpClient staff, string applicationId) =>
        await (await staff.GetAsync($"/api/cases/{applicationId}")).Body();

    /// <summary>The open task of the application, from the staff member's inbox (all they may work).</summary>
    private static async Task<JsonElement?> OpenTaskAsync(HttpClient staff, string applicationId, string view = "Workable")
    {
        var page = await (await staff.GetAsync($"/api/tasks/inbox?view={view}&pageSize=200")).Body();
        return page.GetProperty("items").EnumerateArray().Where(t => t.GetProperty("applicationId").GetString() == applicationId)
            .Select(t => (JsonElement?)t).FirstOrDefault();
    }

    private static async Task<JsonElement> NextTaskAsync(HttpClient staff, string applicationId, string activityType, string view = "Workable")
    {
        for (var i = 0; i < 100; i++)
        {
            if (await OpenTaskAsync(staff, applicationId, view) is { } t && t.GetProperty("activityType").GetString() == activityType) return t;
            await Task.Delay(200);
        }
        throw new TimeoutException($"No {activityType} task for application {applicationId}.");
    }

    /// <summary>Moves the list's selection to the task with j/k, as a person does, and opens it with Enter.</summary>
    private static async Task OpenWithKeyboardAsync(IPage page, string taskId)
    {
        var row = page.Locator($"[data-testid=task-row][data-task-id='{taskId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var ids = await page.Locator("[data-testid=task-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.taskId)");
        var index = Array.IndexOf(ids, taskId);
        await page.Keyboard.PressAsync("k"); // the top of the list, focused
        for (var i = 0; i < ids.Length; i++) await page.Keyboard.PressAsync("k");
        for (var i = 0; i < index; i++) await page.Keyboard.PressAsync("j");
        await Assertions.Expect(row).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(row).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("task-pane")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("task-form")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }

    private static async Task ClaimWithKeyboardAsync(IPage page)
    {
        await page.Keyboard.PressAsync("c");
        await Assertions.Expect(page.GetByTestId("pane-assignee")).ToContainTextAsync("我的");
        await Assertions.Expect(page.GetByTestId("complete-task")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_specialist_works_an_application_from_the_inbox_to_completion_with_the_keyboard_only()
    {
        var member = await host.Api("member");
        var applicationId = await ApplyAsync(member, "cpic-outpatient-green-channel", "DEMO-CPIC-0001", new { hospital = "复旦大学附属肿瘤医院" });
        var specialist = await host.Api("specialist");
        var call = (await OpenTaskAsync(specialist, applicationId))!.Value;

        var watched = await host.SignInAsync("specialist");
        var page = watched.Page;
        // The inbox is the landing page, with its views and counts.
        await Assertions.Expect(page.GetByTestId("inbox")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("count-Unclaimed")).Not.ToHaveTextAsync("0");
        await Browser.ShotAsync(page, "workspace-01-inbox");

        // 1. The first call: open, claim, outcome "reached" (the first), complete.
        await OpenWithKeyboardAsync(page, call.GetProperty("id").GetString()!);
        await Assertions.Expect(page.GetByTestId("pane-title")).ToContainTextAsync("致电客户确认门诊需求");
        await Assertions.Expect(page.GetByTestId("case-policy")).ToHaveTextAsync("DEMO-CPIC-0001");
        await Assertions.Expect(page.GetByTestId("case-member-name")).Not.ToContainTextAsync("演示会员"); // masked
        await ClaimWithKeyboardAsync(page);
        await Browser.ShotAsync(page, "workspace-02-call-claimed");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(page.GetByTestId("pane-empty")).ToBeVisibleAsync(new() { Timeout = 15_000 });

        // 2. The booking arrives in the list; the appointment is typed and the hospital picked from the list by type-ahead.
        var bookingId = (await NextTaskAsync(specialist, applicationId, "Health.Booking")).GetProperty("id").GetString()!;
        await OpenWithKeyboardAsync(page, bookingId);
        await ClaimWithKeyboardAsync(page);
        // After the claim the focus is in the form: the outcome (预约成功 is the first), then the fields in tab order.
        await Assertions.Expect(page.GetByTestId("outcome-Booked")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator($"#f-{bookingId}-appointmentAt")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("2026-12-02 10:00");
        await Assertions.Expect(page.Locator(".form-field[data-field=appointmentAt]")).ToContainTextAsync("2026-12-02 周三 10:00");
        await page.Keyboard.PressAsync("Tab");
        var hospital = page.Locator($"#f-{bookingId}-hospital");
        await Assertions.Expect(hospital).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("肿瘤");
        var hit = page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "复旦大学附属肿瘤医院" });
        await Assertions.Expect(hit).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Browser.ShotAsync(page, "workspace-03-booking-hospital-search");
        while (!await page.Locator(".mud-popover-open .mud-selected-item", new() { HasTextString = "复旦大学附属肿瘤医院" }).IsVisibleAsync())
            await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(hospital).ToHaveValueAsync("复旦大学附属肿瘤医院");
        await Browser.ShotAsync(page, "workspace-04-booking-filled");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(page.GetByTestId("pane-empty")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var booked = await CaseAsync(specialist, applicationId);
        Assert.Equal("Booked", booked.GetProperty("status").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-12-02T02:00:00Z"), booked.GetProperty("appointmentAt").GetDateTimeOffset());

        // 3. The visit: open, claim, "completed" (the first outcome), complete.
        await OpenWithKeyboardAsync(page, (await NextTaskAsync(specialist, applicationId, "Health.RecordVisit")).GetProperty("id").GetString()!);
        await ClaimWithKeyboardAsync(page);
        await Browser.ShotAsync(page, "workspace-05-visit");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(page.GetByTestId("pane-empty")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal("Completed", (await CaseAsync(specialist, applicationId)).GetProperty("status").GetString());
        Assert.Null(await OpenTaskAsync(specialist, applicationId));
        await Browser.ShotAsync(page, "workspace-06-done");
        watched.AssertClean();
    }

    private async Task<(string ApplicationId, string BookingId)> BookingTaskAsync()
    {
        var member = await host.Api("member");
        var applicationId = await ApplyAsync(member, "cpic-outpatient-green-channel", "DEMO-CPIC-0001", new { hospital = "复旦大学附属肿瘤医院" });
        var specialist = await host.Api("specialist");
        var call = await NextTaskAsync(specialist, applicationId, "Health.SpecialistCall");
        var done = await specialist.SendAsync(Json.Post($"/api/tasks/{call.GetProperty("id").GetString()}/complete", new { outcome = "Reached", data = new { } }, Guid.NewGuid().ToString()));
        Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
        return (applicationId, (await NextTaskAsync(specialist, applicationId, "Health.Booking")).GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task A_wrong_value_in_the_form_is_shown_on_its_field_and_changes_nothing()
    {
        var (applicationId, bookingId) = await BookingTaskAsync();
        var specialist = await host.Api("specialist");
        var before = await CaseAsync(specialist, applicationId);

        var watched = await host.SignInAsync("specialist", "/tasks/" + bookingId);
        var page = watched.Page;
        await Assertions.Expect(page.GetByTestId("task-form")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.GetByTestId("claim-task").ClickAsync();
        await Assertions.Expect(page.GetByTestId("complete-task")).ToBeEnabledAsync();
        var appointment = page.Locator($"#f-{bookingId}-appointmentAt");
        var field = page.Locator(".form-field[data-field=appointmentAt]");

        // In the past: the server refuses it, the message is on the field, the task stays open and the case as it was.
        await appointment.FillAsync("2026-11-27 10:00");
        await page.GetByTestId("complete-task").ClickAsync();
        await Assertions.Expect(field.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("不能早于现在");
        await Assertions.Expect(page.GetByTestId("pane-message")).ToContainTextAsync("表单有误");
        await Browser.ShotAsync(page, "workspace-07-field-error");
        // A date without the time.
        await appointment.FillAsync("2026-12-02");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(field.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync("需要具体时间");
        // After the end of the policy (2026-12-31).
        await appointment.FillAsync("2027-01-05 10:00");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(field.Locator(".mud-input-helper-text.mud-input-error")).ToBeVisibleAsync();
        await Assertions.Expect(field.Locator(".mud-input-helper-text.mud-input-error")).Not.ToContainTextAsync("需要具体时间");

        var after = await CaseAsync(specialist, applicationId);
        Assert.Equal(before.GetProperty("status").GetString(), after.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("appointmentAt").ValueKind);
        Assert.Equal(before.GetProperty("timeline").GetArrayLength(), after.GetProperty("timeline").GetArrayLength());
        var task = (await NextTaskAsync(specialist, applicationId, "Health.Booking")).GetProperty("id").GetString();
        Assert.Equal(bookingId, task); // the same task, still open

        // Corrected, it goes through.
        await appointment.FillAsync("2026-12-03 14:30");
        await page.Keyboard.PressAsync("Control+Enter");
        await Assertions.Expect(page.GetByTestId("pane-empty")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal("Booked", (await CaseAsync(specialist, applicationId)).GetProperty("status").GetString());
        watched.AssertClean();
    }

    [Fact]
    public async Task An_out_of_office_delegate_sees_and_works_the_delegators_tasks()
    {
        await host.CreateUserAsync("specialist2", "Specialist");
        var (applicationId, bookingId) = await BookingTaskAsync();
        var specialist = await host.Api("specialist");
        (await specialist.SendAsync(Json.Post($"/api/tasks/{bookingId}/claim", new { }))).EnsureSuccessStatusCode();

        // The delegator sets the delegate in the inbox, for today and tomorrow.
        var away = await host.SignInAsync("specialist", "/tasks");
        await away.Page.GetByTestId("toggle-away").ClickAsync();
        await away.Page.GetByTestId("away-delegate").FillAsync("specialist2");
        await away.Page.GetByTestId("away-from").FillAsync("2026-11-30");
        await away.Page.GetByTestId("away-to").FillAsync("2026-12-01");
        await away.Page.GetByTestId("away-save").ClickAsync();
        await Assertions.Expect(away.Page.GetByTestId("delegation")).ToContainTextAsync("specialist2");
        await Browser.ShotAsync(away.Page, "workspace-08-out-of-office");
        away.AssertClean();

        // The delegate finds the task under "assigned to me", held by the delegator, and may complete it.
        var watched = await host.SignInAsync("specialist2", "/tasks");
        var page = watched.Page;
        await page.GetByTestId("view-Mine").ClickAsync();
        var row = page.Locator($"[data-testid=task-row][data-task-id='{bookingId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(row).ToContainTextAsync("specialist 处理中");
        await row.ClickAsync();
        await Assertions.Expect(page.GetByTestId("complete-task")).ToBeEnabledAsync(new() { Timeout = 15_000 });
        await Browser.ShotAsync(page, "workspace-09-delegate-inbox");
        await page.Locator($"#f-{bookingId}-appointmentAt").FillAsync("2026-12-04 09:00");
        await page.GetByTestId("complete-task").ClickAsync();
        await Assertions.Expect(page.GetByTestId("pane-empty")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.Equal("Booked", (await CaseAsync(specialist, applicationId)).GetProperty("status").GetString());
        watched.AssertClean();
    }

    [Fact]
    public async Task A_case_manager_answers_three_open_COC_questions_and_takes_a_member()
    {
        // Two enrolled members with questions open at the same time; the second has two open at once.
        await host.CreateUserAsync("coc-member2", "Member");
        var admin = await host.Api("admin");
        var imported = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { new
        {
            policyNumber = "COC-0002", product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
            insured = new { name = "李四", idNumber = "110101198005010011", phone = "13900000001", birthDate = "1980-05-01", userName = "coc-member2" },
            diagnoses = Array.Empty<object>(),
        } } });
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var caseManager = await host.Api("casemanager");
        foreach (var (user, policy, question) in new[] { ("member", "DEMO-CPIC-0001", "化疗后白细胞偏低，下周还能按时化疗吗？"), ("coc-member2", "COC-0002", "他莫昔芬漏服一次需要补吗？") })
        {
            var member = await host.Api(user);
            var applicationId = await ApplyAsync(member, "cpic-coc-oncology-follow-up", policy);
            var intake = await NextTaskAsync(caseManager, applicationId, "Workflows.HumanTask");
            var enrolled = await caseManager.SendAsync(Json.Post($"/api/tasks/{intake.GetProperty("id").GetString()}/complete", new { outcome = "Enrolled", data = new { } }, Guid.NewGuid().ToString()));
            Assert.True(enrolled.IsSuccessStatusCode, await enrolled.Content.ReadAsStringAsync());
            var asked = await member.PostAsJsonAsync($"/api/me/applications/{applicationId}/consultations", new { question });
            Assert.True(asked.IsSuccessStatusCode, await asked.Content.ReadAsStringAsync());
            if (user == "coc-member2")
            {
                var again = await member.PostAsJsonAsync($"/api/me/applications/{applicationId}/consultations", new { question = "服药期间可以喝咖啡吗？" });
                Assert.True(again.IsSuccessStatusCode, await again.Content.ReadAsStringAsync());
            }
        }
        JsonElement workspace = default;
        for (var i = 0; i < 100; i++)
        {
            workspace = await (await caseManager.GetAsync("/api/coc/workspace")).Body();
            if (workspace.GetProperty("openQuestions").GetInt32() >= 3) break;
            await Task.Delay(200);
        }
        Assert.Equal(3, workspace.GetProperty("openQuestions").GetInt32());

        var watched = await host.SignInAsync("casemanager", "/coc");
        var page = watched.Page;
        var items = page.Locator("[data-testid=coc-item]");
        await Assertions.Expect(items).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("coc-questions")).ToContainTextAsync("3");
        await Browser.ShotAsync(page, "workspace-10-coc");
        // No member has a named case manager yet: the case manager takes the first one (由我负责).
        var firstMember = page.GetByTestId("coc-member").First;
        await Assertions.Expect(firstMember.GetByTestId("coc-case-manager")).ToContainTextAsync("未指定个案管理师");
        await firstMember.GetByTestId("coc-take").ClickAsync();
        await Assertions.Expect(firstMember.GetByTestId("coc-case-manager")).ToContainTextAsync("专属个案管理师：Demo CaseManager", new() { Timeout = 15_000 });
        await Browser.ShotAsync(page, "workspace-10b-coc-case-manager");
        for (var answered = 0; answered < 3; answered++)
        {
            var item = items.First;
            var taskId = await item.GetAttributeAsync("data-task-id");
            await item.ClickAsync();
            await page.GetByTestId("coc-read-question").ClickAsync();
            await Assertions.Expect(page.GetByTestId("coc-question")).ToContainTextAsync("？");
            await page.GetByTestId("claim-task").ClickAsync();
            await Assertions.Expect(page.GetByTestId("complete-task")).ToBeEnabledAsync();
            await page.Locator($"#f-{taskId}-answerSummary").FillAsync("已电话回复会员，建议复查血常规后再定化疗时间。");
            if (answered == 0) await Browser.ShotAsync(page, "workspace-11-coc-answer");
            await page.GetByTestId("complete-task").ClickAsync();
            await Assertions.Expect(page.Locator($"[data-testid=coc-item][data-task-id='{taskId}']")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        }
        await Assertions.Expect(page.GetByTestId("coc-questions")).ToContainTextAsync("0");
        await Browser.ShotAsync(page, "workspace-12-coc-answered");
        // The member's history beside the list: question and answer, who answered and when.
        await page.GetByTestId("coc-history-open").First.ClickAsync();
        var history = page.GetByTestId("coc-history");
        await Assertions.Expect(history.GetByTestId("coc-history-answer")).ToContainTextAsync("已电话回复会员", new() { Timeout = 15_000 });
        await Assertions.Expect(history.GetByTestId("coc-history-answer")).ToContainTextAsync("casemanager");
        await Assertions.Expect(history.GetByTestId("coc-history-question")).ToContainTextAsync("？");
        await Browser.ShotAsync(page, "workspace-13-coc-history");
        Assert.Equal(0, (await (await caseManager.GetAsync("/api/coc/workspace")).Body()).GetProperty("openQuestions").GetInt32());
        // Reading the questions on the screen is in the access trail, with what was read (never the text).
        var auditor = await host.Api("auditor");
        var trail = await (await auditor.GetAsync("/api/access-log?userName=casemanager&take=500")).Content.ReadAsStringAsync();
        Privacy.AssertHidden(trail, "the access trail", "read consultation", "白细胞");
        watched.AssertClean();
    }
}

/// <summary>The supervisors' board on its own host: the clock moves past a deadline so that a task is escalated.</summary>
public sealed class SupervisorBoardBrowserTests(WorkspaceHost host) : IClassFixture<WorkspaceHost>
{
    [Fact]
    public async Task A_supervisor_reassigns_an_escalated_task_from_the_board()
    {
        await host.CreateUserAsync("specialist2", "Specialist");
        var member = await host.Api("member");
        var applied = await member.SendAsync(Json.Post("/api/me/applications", new { serviceCode = "cpic-outpatient-green-channel", policyNumber = "DEMO-CPIC-0001", details = new { hospital = "复旦大学附属肿瘤医院" } }, "board-1"));
        var applicationId = (await applied.Body()).GetProperty("id").GetString()!;
        // The first call is due on Tuesday 1 December at 20:00 (Beijing); half a minute later it is overdue and escalated.
        host.Clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T12:00:30Z"));
        var supervisor = await host.Api("supervisor");
        JsonElement? escalated = null;
        for (var i = 0; i < 150 && escalated is null; i++)
        {
            var page0 = await (await supervisor.GetAsync("/api/tasks/inbox?view=AllEscalated&pageSize=200")).Body();
            escalated = page0.GetProperty("items").EnumerateArray().Where(t => t.GetProperty("applicationId").GetString() == applicationId).Select(t => (JsonElement?)t).FirstOrDefault();
            if (escalated is null) await Task.Delay(200);
        }
        Assert.NotNull(escalated);
        var taskId = escalated.Value.GetProperty("id").GetString()!;

        var watched = await host.SignInAsync("supervisor", "/board");
        var page = watched.Page;
        var row = page.Locator($"[data-testid=board-task][data-task-id='{taskId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(row).ToContainTextAsync("已升级");
        await Assertions.Expect(page.GetByTestId("board-escalated")).ToContainTextAsync("1");
        await row.GetByTestId("board-check").CheckAsync();
        await page.GetByTestId("board-assignee").FillAsync("specialist2");
        await page.Keyboard.PressAsync("Tab");
        await Browser.ShotAsync(page, "workspace-13-board");
        await page.GetByTestId("board-reassign").ClickAsync();
        await Assertions.Expect(page.GetByTestId("board-results")).ToContainTextAsync("已改派给 specialist2");
        await Assertions.Expect(row.GetByTestId("board-holder")).ToHaveTextAsync("specialist2");
        await Browser.ShotAsync(page, "workspace-14-board-reassigned");

        // The SLA report names the service and drills down to the task, now with its new holder.
        await page.GotoAsync(new Uri(host.BaseAddress, "/sla").ToString());
        await Assertions.Expect(page.GetByTestId("sla-table")).ToContainTextAsync("门诊绿通");
        await page.Locator("[data-interactive=true]").WaitForAsync();
        await page.GetByTestId("sla-drill").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("sla-tasks")).ToContainTextAsync("specialist2 处理中");
        await Browser.ShotAsync(page, "workspace-15-sla-drill-down");

        var task = await (await supervisor.GetAsync($"/api/tasks/{taskId}")).Body();
        Assert.Equal("specialist2", task.GetProperty("assignee").GetString());
        // The new holder finds it under "assigned to me".
        var specialist2 = await host.Api("specialist2");
        var mine = await (await specialist2.GetAsync("/api/tasks/inbox?view=Mine")).Body();
        Assert.Contains(mine.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == taskId);
        watched.AssertClean();
    }
}
