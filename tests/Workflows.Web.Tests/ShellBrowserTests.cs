using System.Net.Http.Headers;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>The back-office shell in a real browser against the real host process.</summary>
public sealed class ShellBrowserTests : BrowserAgainstHost
{
    [Fact]
    public async Task An_analyst_signs_in_and_sees_the_workflow_definitions()
    {
        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "analyst", "/workflows");

        await page.WaitForURLAsync("**/workflows");
        // The list is Elsa Studio's, framed in the shell.
        var list = page.FrameLocator("[data-testid=studio-frame]");
        await Assertions.Expect(list.GetByText("service-request-template", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = 90_000 });
        await Assertions.Expect(list.GetByText("Service request template 服务申请模板")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("current-user")).ToContainTextAsync("analyst · 业务分析师");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "流程实例" })).ToHaveCountAsync(0); // analysts do not read instances
        await Browser.ShotAsync(page, "shell-01-analyst-workflows");
    }

    [Fact]
    public async Task An_auditor_sees_instances_with_their_version_and_status()
    {
        string instanceId;
        using (var api = new HttpClient { BaseAddress = Host.BaseAddress })
        {
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(api, "casemanager"));
            var started = await api.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template" }));
            started.EnsureSuccessStatusCode();
            instanceId = (await started.Body()).GetProperty("instanceId").GetString()!;
        }
        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "auditor", "/instances");

        await page.WaitForURLAsync("**/instances");
        var list = page.FrameLocator("[data-testid=studio-frame]");
        var row = list.Locator("tr", new() { HasText = instanceId });
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 90_000 });
        await Assertions.Expect(row).ToContainTextAsync("Service request template");
        await Assertions.Expect(row).ToContainTextAsync("Suspended");
        await Browser.ShotAsync(page, "shell-02-auditor-instances");
    }

    [Fact]
    public async Task A_member_is_refused_the_staff_pages_and_a_wrong_password_is_explained()
    {
        var page = await Chromium.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseAddress, "/account/login").ToString());
        await page.FillAsync("#userName", "member");
        await page.FillAsync("#password", "wrong");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("用户名或密码错误");
        await Browser.ShotAsync(page, "shell-03-wrong-password");

        await page.FillAsync("#userName", "member");
        await page.FillAsync("#password", BackOfficeFactory.Password);
        await page.ClickAsync("button[type=submit]");
        // Only the redirect matters here; the home page's interactive circuit need not finish loading.
        await page.WaitForURLAsync(u => !u.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
        await page.GotoAsync(new Uri(Host.BaseAddress, "/workflows").ToString());
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("无权访问");
    }
}
