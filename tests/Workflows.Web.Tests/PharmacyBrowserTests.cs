using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>The designated pharmacy's counter screen (取药核验), in a real browser against the real host.</summary>
public sealed class PharmacyBrowserTests : BrowserAgainstHost
{
    private async Task<HttpClient> Api(string user)
    {
        var c = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    private static async Task CompleteAsync(HttpClient staff, string applicationId, string activityId, string outcome, object data)
    {
        var tasks = await (await staff.GetAsync("/api/tasks")).Body();
        var task = tasks.EnumerateArray().First(t => t.GetProperty("applicationId").GetString() == applicationId && t.GetProperty("activityId").GetString() == activityId);
        var r = await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_pharmacy_verifies_a_pickup_code_with_the_members_ID_at_its_counter_and_dispenses_once()
    {
        // The demo member's JD purchase: approved, the pharmacy planned with stock confirmed, the voucher issued.
        var member = await Api("member");
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Workflows.Domain.Calendar.BusinessCalendar.Shanghai).ToString("yyyy-MM-dd");
        var app = await (await member.PostAsJsonAsync("/api/me/applications", new
        {
            serviceCode = "jd-reservation-purchase", policyNumber = "DEMO-JD-0001",
            details = new { drug = "可瑞达", city = "上海", prescriptionDays = 28, prescribedOn = today },
        })).Body();
        Assert.True(app.GetProperty("status").GetString() == "Accepted", app.ToString());
        var id = app.GetProperty("id").GetString()!;
        var specialist = await Api("specialist");
        await CompleteAsync(specialist, id, "review", "Approved", new { });
        await CompleteAsync(specialist, id, "plan", "Planned", new
        {
            mode = "pickup", pharmacyName = "上药云健康益药药房（上海店）", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海", stockConfirmed = true,
        });
        var view = await (await member.GetAsync($"/api/me/applications/{id}")).Body();
        var code = view.GetProperty("timeline").EnumerateArray().Select(e => Regex.Match(e.GetProperty("messageZh").GetString()!, @"取药码 (\d{8})"))
            .First(m => m.Success).Groups[1].Value;

        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "pharmacy", "/pharmacy");
        await page.WaitForURLAsync("**/pharmacy");
        await Assertions.Expect(page.GetByTestId("page-interactive")).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByText("取药核验").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "任务箱" })).ToHaveCountAsync(0); // the counter sees no cases
        await Browser.ShotAsync(page, "pharmacy-01-counter-empty");

        // Keyboard: code, Tab, ID; a wrong ID number is refused without saying whose code it is.
        await page.GetByTestId("pickup-code").FocusAsync();
        await page.Keyboard.TypeAsync(code);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("110101199001010099");
        var seen = page.GetByRole(AriaRole.Checkbox, new() { Name = "已核对处方原件" });
        await seen.FocusAsync();
        await page.Keyboard.PressAsync("Space"); // 已核对处方原件
        await Assertions.Expect(seen).ToBeCheckedAsync();
        await page.GetByTestId("pickup-id").PressAsync("Enter"); // Enter in the form: 核验并发药
        await Assertions.Expect(page.GetByTestId("pickup-error")).ToContainTextAsync("取药码或证件号码不正确", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("可瑞达")).ToHaveCountAsync(0);
        await Browser.ShotAsync(page, "pharmacy-02-wrong-id");

        await page.GetByTestId("pickup-id").FillAsync("110101198001010000");
        await page.GetByTestId("pickup-verify").ClickAsync();
        await Assertions.Expect(page.GetByTestId("pickup-verified")).ToContainTextAsync("核验通过", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("pickup-result")).ToContainTextAsync("可瑞达");
        await Assertions.Expect(page.GetByTestId("pickup-result")).ToContainTextAsync("演***");
        await Browser.ShotAsync(page, "pharmacy-03-verified");
        Assert.Equal("Completed", (await (await member.GetAsync($"/api/me/applications/{id}")).Body()).GetProperty("status").GetString());

        // Once: the same code again is refused.
        await page.GetByTestId("pickup-next").ClickAsync();
        await page.GetByTestId("pickup-code").FillAsync(code);
        await page.GetByTestId("pickup-id").FillAsync("110101198001010000");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "已核对处方原件" }).CheckAsync();
        await page.GetByTestId("pickup-verify").ClickAsync();
        await Assertions.Expect(page.GetByTestId("pickup-error")).ToContainTextAsync("已使用", new() { Timeout = 30_000 });
        await Browser.ShotAsync(page, "pharmacy-04-used-again");
    }
}
