using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>Staff see the notification outbox and the SLA report in the shell, in a real browser against the real host.</summary>
public sealed class FollowUpBrowserTests : BrowserAgainstHost
{
    private async Task<HttpClient> Api(string user)
    {
        var c = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    [Fact]
    public async Task A_case_manager_sees_the_monthly_summary_message_in_the_outbox_and_the_sla_report()
    {
        // The demo member enrols in COC follow-up; this month's summaries are run by hand; the member's message is stored and delivered.
        var member = await Api("member");
        var app = await (await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = "DEMO-CPIC-0001" })).Body();
        Assert.Equal("Accepted", app.GetProperty("status").GetString());
        var caseManager = await Api("casemanager");
        var tasks = await (await caseManager.GetAsync("/api/tasks")).Body();
        var intake = tasks.EnumerateArray().First(t => t.GetProperty("title").GetString()!.Contains("治疗档案"));
        (await caseManager.SendAsync(Json.Post($"/api/tasks/{intake.GetProperty("id").GetString()}/complete", new { outcome = "Enrolled" }, "enrol"))).EnsureSuccessStatusCode();
        var month = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Workflows.Domain.Calendar.BusinessCalendar.Shanghai).ToString("yyyy-MM");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await caseManager.SendAsync(Json.Post("/api/summaries/run", new { month }, "ui-run"))).StatusCode);
        var until = DateTime.UtcNow.AddSeconds(30);
        JsonElement messages;
        do
        {
            await Task.Delay(300);
            messages = await (await caseManager.GetAsync("/api/notifications?template=monthly-summary")).Body();
        } while (!messages.EnumerateArray().Any(n => n.GetProperty("state").GetString() == "Sent") && DateTime.UtcNow < until);
        Assert.Contains(messages.EnumerateArray(), n => n.GetProperty("state").GetString() == "Sent");

        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "casemanager", "/messages");
        await page.WaitForURLAsync("**/messages");
        var table = page.GetByTestId("messages-table");
        await Assertions.Expect(table.GetByText("monthly-summary")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(table.GetByText("治疗与服务小结已生成", new() { Exact = false })).ToBeVisibleAsync();
        await Assertions.Expect(table.Locator(".mud-chip-content", new() { HasTextString = "已发送" })).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "followup-01-casemanager-messages");

        await page.GotoAsync(new Uri(Host.BaseAddress, "/sla").ToString());
        await Assertions.Expect(page.GetByTestId("sla-breaches")).ToContainTextAsync("0");
        await Browser.ShotAsync(page, "followup-02-casemanager-sla");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "后台作业 (Hangfire)" })).ToHaveCountAsync(0); // Admins only
    }
}
