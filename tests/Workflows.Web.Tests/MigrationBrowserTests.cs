using System.Net.Http.Headers;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>An analyst, in a real browser at 1366x768, dry-runs the migration of waiting cases to version 2, then runs it and watches its progress.</summary>
public sealed class MigrationBrowserTests : BrowserAgainstHost
{
    private async Task<HttpClient> Api(string user)
    {
        var c = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    [Fact]
    public async Task An_analyst_dry_runs_then_migrates_waiting_cases_and_sees_the_progress()
    {
        var analyst = await Api("analyst");
        await MigrationTests.PublishAsync(analyst, MigrationTests.Definition("review", "legacy", "approve"));
        var cm = await Api("casemanager");
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = MigrationTests.DefinitionId }))).Body();
            ids.Add(started.GetProperty("instanceId").GetString()!);
        }
        // Two cases are further on, waiting in 'legacy', which version 2 no longer has.
        var specialist = await Api("specialist");
        foreach (var id in ids.Take(2))
        {
            var instance = await (await cm.GetAsync($"/api/workflow-instances/{id}")).Body();
            var bookmark = instance.GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
            (await specialist.SendAsync(Json.Post($"/api/tasks/{bookmark}/complete", new { outcome = "Done" }, $"ui-{bookmark}"))).EnsureSuccessStatusCode();
        }
        await MigrationTests.PublishAsync(analyst, MigrationTests.Definition("review", "check", "approve"));

        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "analyst", "/migrations");
        await page.WaitForURLAsync("**/migrations");
        await Assertions.Expect(page.GetByTestId("migration-live")).ToBeAttachedAsync(new() { Timeout = 90_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "案件迁移" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("migration-run")).ToBeDisabledAsync();

        await page.GetByTestId("migration-dry-run").ClickAsync();
        var summary = page.GetByTestId("migration-summary");
        await Assertions.Expect(summary).ToContainTextAsync("等待中 12", new() { Timeout = 30_000 });
        await Assertions.Expect(summary).ToContainTextAsync("可迁移 10");
        await Assertions.Expect(summary).ToContainTextAsync("无法映射 2");
        var table = page.GetByTestId("migration-plan");
        await Assertions.Expect(table.Locator("tbody tr")).ToHaveCountAsync(12);
        await Assertions.Expect(table.GetByText("无法映射，保持不变")).ToHaveCountAsync(2);
        await Assertions.Expect(table.GetByText("（保留）").First).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "migration-01-dry-run");

        // With a map, the two 'legacy' cases go to 'check'.
        await page.Locator("textarea[data-testid=migration-map], [data-testid=migration-map] textarea").First.FillAsync("legacy=check");
        await page.GetByTestId("migration-dry-run").ClickAsync();
        await Assertions.Expect(summary).ToContainTextAsync("可迁移 12", new() { Timeout = 30_000 });

        await page.GetByTestId("migration-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("migration-progress")).ToContainTextAsync("已完成", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("migration-counts")).ToContainTextAsync("已迁移 12");
        await Assertions.Expect(summary).ToContainTextAsync("等待中 0", new() { Timeout = 30_000 });
        await Browser.ShotAsync(page, "migration-02-run-finished");

        // A map that names no activity of version 2 is refused, in words.
        await page.Locator("textarea[data-testid=migration-map], [data-testid=migration-map] textarea").First.FillAsync("review=nope");
        await page.GetByTestId("migration-dry-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("migration-error")).ToContainTextAsync("没有环节“nope”", new() { Timeout = 30_000 });

        foreach (var id in ids)
        {
            var instance = await (await cm.GetAsync($"/api/workflow-instances/{id}")).Body();
            Assert.Equal(2, instance.GetProperty("instance").GetProperty("version").GetInt32());
        }
    }
}
