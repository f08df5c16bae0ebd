using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>An auditor, in a real browser at 1366x768: sees who acted on each journal entry, verifies the case, opens the state at an earlier step.</summary>
public sealed class AuditBrowserTests : BrowserAgainstHost
{
    private async Task<HttpClient> Api(string user)
    {
        var c = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    [Fact]
    public async Task An_auditor_sees_actors_verifies_a_case_and_opens_the_state_at_an_earlier_step()
    {
        var cm = await Api("casemanager");
        var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }))).Body();
        var id = started.GetProperty("instanceId").GetString()!;
        var specialist = await Api("specialist");
        (await specialist.SendAsync(Json.Post($"/api/tasks/{started.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { outcome = "Reached" }, "ui-1")))
            .EnsureSuccessStatusCode();
        var auditorApi = await Api("auditor");
        (await auditorApi.PostAsync("/api/evidence/checkpoints", null)).EnsureSuccessStatusCode();

        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "auditor", "/audit");
        await page.WaitForURLAsync("**/audit");
        await Assertions.Expect(page.GetByTestId("audit-cases").GetByText(id)).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Browser.ShotAsync(page, "audit-01-cases");
        await Assertions.Expect(page.GetByTestId("audit-cases").GetByRole(AriaRole.Link, new() { Name = id })).ToHaveAttributeAsync("href", $"/audit/{id}");
        await page.GotoAsync(new Uri(Host.BaseAddress, $"/audit/{id}").ToString());

        // Buttons and rows act once the page is live (its circuit connected), not on the prerendered first paint.
        await Assertions.Expect(page.GetByTestId("audit-live")).ToBeAttachedAsync(new() { Timeout = 90_000 });
        var journal = page.GetByTestId("audit-journal");
        await Assertions.Expect(journal.GetByText("casemanager（个案管理师）").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(journal.GetByText("specialist（服务专员）").First).ToBeVisibleAsync();
        await Assertions.Expect(journal.GetByText("任务完成/恢复").First).ToBeVisibleAsync();

        await page.GetByTestId("audit-verify").ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-verify-result")).ToContainTextAsync("校验通过", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("audit-verify-result")).ToContainTextAsync("签名检查点");

        // The step where the specialist's call task was created: the task was open then (it is done now).
        await journal.Locator("tr", new() { HasTextString = "创建任务/等待" }).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-state-title")).ToContainTextAsync("之后的状态", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("audit-state-status")).ToHaveTextAsync("等待中");
        await Assertions.Expect(page.GetByTestId("audit-state-tasks").Locator("li")).ToHaveCountAsync(1);
        await Browser.ShotAsync(page, "audit-02-case-verified-state-at-step");

        // The access trail shows the auditor's own reads.
        await Assertions.Expect(page.GetByTestId("audit-trail").GetByText("校验").First).ToBeVisibleAsync();
        await page.GetByTestId("audit-trail").ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(page, "audit-03-access-trail");
        var trail = await (await auditorApi.GetAsync($"/api/workflow-instances/{id}/access-trail")).Body();
        Assert.Contains(trail.EnumerateArray(), a => a.GetProperty("method").GetString() == "VERIFY" && a.GetProperty("userName").GetString() == "auditor");
        Assert.Contains(trail.EnumerateArray(), a => a.GetProperty("path").GetString()!.Contains("/state-at/"));
    }
}
