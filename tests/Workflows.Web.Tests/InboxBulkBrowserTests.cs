using System.Net;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>
/// Bulk claim and release from the inbox in a real browser (Chromium, 1366×768, Chinese) against the real host: tasks are
/// ticked with the checkbox or with x on the focused row, claimed or released in one action, and each task's result is
/// shown; one taken meanwhile by a colleague says who has it. Screenshots in tests/artifacts/screenshots/inbox-bulk-*.
/// </summary>
public sealed class InboxBulkBrowserTests(WorkspaceHost host) : IClassFixture<WorkspaceHost>
{
    private static async Task<string> ApplyAsync(HttpClient member, string service)
    {
        var r = await member.SendAsync(Json.Post("/api/me/applications", new { serviceCode = service, policyNumber = "DEMO-CPIC-0001", details = new { hospital = "复旦大学附属肿瘤医院" } }, Guid.NewGuid().ToString()));
        var body = await r.Body();
        Assert.True(r.StatusCode == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> TaskOfAsync(HttpClient staff, string applicationId)
    {
        for (var i = 0; i < 100; i++)
        {
            var page = await (await staff.GetAsync("/api/tasks/inbox?view=Workable&pageSize=200")).Body();
            if (page.GetProperty("items").EnumerateArray().FirstOrDefault(t => t.GetProperty("applicationId").GetString() == applicationId) is { ValueKind: JsonValueKind.Object } t) return t;
            await Task.Delay(200);
        }
        throw new TimeoutException($"No task for application {applicationId}.");
    }

    [Fact]
    public async Task A_specialist_claims_and_releases_several_tasks_at_once_and_sees_each_result()
    {
        host.Clock.SetUtcNow(WorkspaceHost.Monday10);
        await host.CreateUserAsync("specialist2", "Specialist");
        var member = await host.Api("member");
        var specialist = await host.Api("specialist");
        var ids = new List<string>();
        foreach (var service in new[] { "cpic-outpatient-green-channel", "cpic-inpatient-surgery-green-channel", "cpic-expert-online-written-opinion" })
            ids.Add((await TaskOfAsync(specialist, await ApplyAsync(member, service))).GetProperty("id").GetString()!);

        var watched = await host.SignInAsync("specialist");
        var page = watched.Page;

        foreach (var id in ids) await Assertions.Expect(Row(page, id)).ToBeVisibleAsync(new() { Timeout = 15_000 });

        // Tick the first with the mouse, the other two with x on the focused row.
        await Row(page, ids[0]).GetByTestId("row-check").CheckAsync();
        await Assertions.Expect(page.GetByTestId("bulk-count")).ToHaveTextAsync("已选 1 项");
        foreach (var id in ids.Skip(1))
        {
            await Row(page, id).FocusAsync();
            await page.Keyboard.PressAsync("x");
            await Assertions.Expect(Row(page, id)).ToHaveAttributeAsync("aria-checked", "true");
        }
        await Assertions.Expect(page.GetByTestId("bulk-count")).ToHaveTextAsync("已选 3 项");
        // x again unticks, and once more ticks.
        await page.Keyboard.PressAsync("x");
        await Assertions.Expect(Row(page, ids[2]).GetByTestId("row-check")).Not.ToBeCheckedAsync();
        await page.Keyboard.PressAsync("x");
        await Assertions.Expect(Row(page, ids[2]).GetByTestId("row-check")).ToBeCheckedAsync();
        await Browser.ShotAsync(page, "inbox-bulk-01-selected");

        // Meanwhile a colleague takes the second task.
        var colleague = await host.Api("specialist2");
        var taken = await colleague.SendAsync(Json.Post($"/api/tasks/{ids[1]}/claim", new { }));
        Assert.True(taken.IsSuccessStatusCode, await taken.Content.ReadAsStringAsync());

        await page.GetByTestId("bulk-claim").ClickAsync();
        var results = page.GetByTestId("bulk-result");
        await Assertions.Expect(results).ToHaveCountAsync(3, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator($"[data-testid=bulk-result][data-task-id='{ids[0]}']")).ToContainTextAsync("已认领");
        await Assertions.Expect(page.Locator($"[data-testid=bulk-result][data-task-id='{ids[1]}']")).ToContainTextAsync("未认领：specialist2 正在处理");
        await Assertions.Expect(page.Locator($"[data-testid=bulk-result][data-task-id='{ids[2]}']")).ToContainTextAsync("已认领");
        await Assertions.Expect(page.GetByTestId("bulk-bar")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(page, ids[0])).ToContainTextAsync("我的");
        await Assertions.Expect(Row(page, ids[2])).ToContainTextAsync("我的");
        await Browser.ShotAsync(page, "inbox-bulk-02-claimed");
        var mine = await (await specialist.GetAsync("/api/tasks/inbox?view=Mine&pageSize=200")).Body();
        var mineIds = mine.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();
        Assert.Contains(ids[0], mineIds);
        Assert.Contains(ids[2], mineIds);
        Assert.DoesNotContain(ids[1], mineIds);

        // Release both in one go.
        await Row(page, ids[0]).GetByTestId("row-check").CheckAsync();
        await Row(page, ids[2]).GetByTestId("row-check").CheckAsync();
        await Assertions.Expect(page.GetByTestId("bulk-count")).ToHaveTextAsync("已选 2 项");
        await page.GetByTestId("bulk-release").ClickAsync();
        await Assertions.Expect(results).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator($"[data-testid=bulk-result][data-task-id='{ids[0]}']")).ToContainTextAsync("已释放");
        await Assertions.Expect(page.Locator($"[data-testid=bulk-result][data-task-id='{ids[2]}']")).ToContainTextAsync("已释放");
        await Assertions.Expect(Row(page, ids[0])).ToContainTextAsync("待认领");
        await Browser.ShotAsync(page, "inbox-bulk-03-released");
        var after = await (await specialist.GetAsync("/api/tasks/inbox?view=Mine&pageSize=200")).Body();
        Assert.DoesNotContain(after.GetProperty("items").EnumerateArray(), t => ids.Contains(t.GetProperty("id").GetString()!));
        watched.AssertClean();
    }

    [Fact]
    public async Task A_specialist_sets_and_clears_a_follow_up_date_in_the_task_pane_and_the_list_still_sorts_and_filters()
    {
        host.Clock.SetUtcNow(WorkspaceHost.Monday10);
        var member = await host.Api("member");
        var specialist = await host.Api("specialist");
        var taskId = (await TaskOfAsync(specialist, await ApplyAsync(member, "cpic-oncology-psychological-counselling"))).GetProperty("id").GetString()!;

        var watched = await host.SignInAsync("specialist");
        var page = watched.Page;
        await Row(page, taskId).ClickAsync();
        await Assertions.Expect(page.GetByTestId("task-pane")).ToBeVisibleAsync();
        // Only the holder sets a follow-up: the editor comes with the claim.
        await Assertions.Expect(page.GetByTestId("follow-up")).ToHaveCountAsync(0);
        await page.GetByTestId("claim-task").ClickAsync();
        await Assertions.Expect(page.GetByTestId("pane-assignee")).ToContainTextAsync("我的");

        var field = page.Locator($"#follow-up-{taskId}");
        await field.FillAsync("明天上午");
        await page.GetByTestId("follow-up-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("follow-up")).ToContainTextAsync("请按 yyyy-MM-dd HH:mm（北京时间）填写跟进时间。");
        await field.FillAsync("2026-12-01 09:30");
        await Assertions.Expect(page.GetByTestId("follow-up")).ToContainTextAsync("2026-12-01 周二 09:30");
        await page.GetByTestId("follow-up-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("follow-up-current")).ToHaveTextAsync("跟进 2026-12-01 周二 09:30");
        await Assertions.Expect(page.GetByTestId("pane-message")).ToContainTextAsync("已设置跟进时间：2026-12-01 周二 09:30");
        await Assertions.Expect(Row(page, taskId)).ToContainTextAsync("跟进 2026-12-01 09:30");
        await Browser.ShotAsync(page, "inbox-follow-up-01-set");
        var item = await (await specialist.GetAsync($"/api/tasks/{taskId}")).Body();
        Assert.Equal(DateTimeOffset.Parse("2026-12-01T01:30:00Z"), item.GetProperty("followUpAt").GetDateTimeOffset());

        // Sort by due date and filter by policy: the task is still listed, with its follow-up.
        await page.Locator(".mud-select:has(label:text-is(\"排序\")) .mud-input-control-input-container").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "到期时间" }).First.ClickAsync();
        await Assertions.Expect(Row(page, taskId)).ToContainTextAsync("跟进 2026-12-01 09:30");
        await page.GetByTestId("toggle-filters").ClickAsync();
        await page.Locator(".filters .mud-input-control:has(label:text-is(\"保单号\")) input").FillAsync("DEMO-CPIC-0001");
        await page.GetByTestId("apply-filters").ClickAsync();
        await Assertions.Expect(page.GetByTestId("toggle-filters")).ToContainTextAsync("(1)");
        await Assertions.Expect(Row(page, taskId)).ToContainTextAsync("跟进 2026-12-01 09:30");
        await Browser.ShotAsync(page, "inbox-follow-up-02-sorted-filtered");

        // Cleared again.
        await Row(page, taskId).ClickAsync();
        await page.GetByTestId("follow-up-clear").ClickAsync();
        await Assertions.Expect(page.GetByTestId("follow-up-current")).ToHaveCountAsync(0);
        await Assertions.Expect(Row(page, taskId)).Not.ToContainTextAsync("跟进");
        item = await (await specialist.GetAsync($"/api/tasks/{taskId}")).Body();
        Assert.Equal(JsonValueKind.Null, item.GetProperty("followUpAt").ValueKind);
        watched.AssertClean();
    }

    private static ILocator Row(IPage page, string taskId) => page.Locator($"[data-testid=task-row][data-task-id='{taskId}']");
}
