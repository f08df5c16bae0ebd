using System.Net.Http.Headers;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>In a real browser at 1366x768: an auditor replays a case from the audit page; an analyst runs a what-if from the shell.</summary>
public sealed class ReplayBrowserTests : BrowserAgainstHost
{
    private async Task<HttpClient> Api(string user)
    {
        var c = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    [Fact]
    public async Task An_auditor_replays_a_case_and_an_analyst_runs_a_what_if_before_publishing()
    {
        // A finished case: the call was reached, then the booking withdrawn.
        var cm = await Api("casemanager");
        var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }))).Body();
        var id = started.GetProperty("instanceId").GetString()!;
        var staff = new[] { await Api("specialist"), cm };
        var step = await (await staff[0].SendAsync(Json.Post($"/api/tasks/{started.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { outcome = "Reached" }, "r-1")))
            .EnsureSuccessStatusCode().Body();
        var book = step.GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
        var withdrawn = false;
        foreach (var client in staff)
            if ((await client.SendAsync(Json.Post($"/api/tasks/{book}/complete", new { outcome = "Withdrawn" }, "r-2"))).IsSuccessStatusCode) { withdrawn = true; break; }
        Assert.True(withdrawn);

        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "auditor", $"/audit/{id}");
        await Assertions.Expect(page.GetByTestId("audit-live")).ToBeAttachedAsync(new() { Timeout = 90_000 });
        await page.GetByTestId("audit-replay").ClickAsync();
        var result = page.GetByTestId("audit-replay-result");
        await Assertions.Expect(result).ToContainTextAsync("重放一致", new() { Timeout = 30_000 });
        await Assertions.Expect(result).ToContainTextAsync("未写入任何数据");
        await Browser.ShotAsync(page, "replay-01-audit-identical");
        // The replay is in the case's access trail.
        await Assertions.Expect(page.GetByTestId("audit-trail").GetByText("重放").First).ToBeVisibleAsync();

        // The analyst reaches the what-if screen from the shell's menu and runs the published version over the finished cases.
        var analystPage = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(analystPage, Host.BaseAddress, "analyst", "/");
        // Land on the home page first: a menu click while the sign-in's redirect is still loading "/" changed the URL
        // but left the home page rendered.
        await Assertions.Expect(analystPage.GetByRole(AriaRole.Heading, new() { Name = "欢迎" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await analystPage.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await analystPage.GetByRole(AriaRole.Link, new() { Name = "上线前模拟" }).ClickAsync();
        await analystPage.WaitForURLAsync("**/what-if");
        await Assertions.Expect(analystPage.GetByTestId("whatif-live")).ToBeAttachedAsync(new() { Timeout = 90_000 });
        await analystPage.GetByTestId("whatif-definition").ClickAsync();
        await analystPage.GetByRole(AriaRole.Option).Filter(new() { HasTextString = "已结束 1 件" }).First.ClickAsync();
        await analystPage.GetByLabel("最近结束的案件数 N").FillAsync("10");
        await analystPage.GetByTestId("whatif-run").ClickAsync();
        await Assertions.Expect(analystPage.GetByTestId("whatif-summary")).ToContainTextAsync("全部相同", new() { Timeout = 30_000 });
        await Assertions.Expect(analystPage.GetByTestId("whatif-cases-table")).ToContainTextAsync("不变");
        await Browser.ShotAsync(analystPage, "replay-02-what-if");
    }
}
