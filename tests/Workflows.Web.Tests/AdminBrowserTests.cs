using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>The administration console at 1366×768 in a real browser against the real host process.</summary>
public sealed class AdminBrowserTests : BrowserAgainstHost
{
    private const string Header = "policy_number,product,variant,effective_date,end_date,previous_policy_number,specialty_drug_cover,insured_name,insured_id_number," +
                                  "insured_phone,insured_birth_date,insured_user,guardian_name,guardian_id_number,guardian_phone,guardian_relation,guardian_user," +
                                  "diagnosis_kind,diagnosed_on,diagnosis_detail";

    private static string Row(string number, string end, string id) =>
        $"{number},cpic-breast-cancer-recurrence,,2026-01-01,{end},,true,李秀英,{id},13900000123,1975-02-03,member,,,,,,recurrence,2026-03-05,乳腺癌复发";

    private static FilePayload Csv(string name, params string[] rows) =>
        new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(Header + "\n" + string.Join("\n", rows) + "\n") };

    /// <summary>A MudBlazor text field's input, whichever element carries the test id.</summary>
    private static ILocator Field(IPage page, string testId) => page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;

    private async Task<HttpClient> ApiAs(string user, string password = BackOfficeFactory.Password)
    {
        var api = new HttpClient { BaseAddress = Host.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(api, user, password));
        return api;
    }

    [Fact]
    public async Task An_admin_imports_the_feed_after_fixing_a_bad_row_creates_a_specialist_and_terminates_a_policy_closing_its_tasks()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        var (good, other) = ($"CPIC-UI-{suffix}-1", $"CPIC-UI-{suffix}-2");
        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "admin", "/admin/policies");
        await page.WaitForURLAsync("**/admin/policies");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "保单数据导入" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("page-interactive")).ToBeAttachedAsync(new() { Timeout = 60_000 });

        // 1. A file with one bad row: the preview names the row and the problem, and nothing can be imported.
        await page.GetByTestId("feed-file").SetInputFilesAsync(Csv("policies.csv", Row(good, "2026-12-31", "110101197502030021"), Row(other, "2026-13-01", "110101197502030047")));
        await Assertions.Expect(page.GetByTestId("feed-summary")).ToContainTextAsync("有 1 行有问题", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("feed-preview")).ToContainTextAsync("终止日期");
        await Assertions.Expect(page.GetByTestId("feed-preview")).ToContainTextAsync("2026-13-01");
        await Assertions.Expect(page.GetByTestId("feed-preview")).ToContainTextAsync("不是 yyyy-MM-dd 格式的日期"); // the problem in Chinese, not only the field label
        await Assertions.Expect(page.GetByTestId("feed-import")).ToBeDisabledAsync();
        await Browser.ShotAsync(page, "admin-01-feed-bad-row");
        var admin = await ApiAs("admin");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/policies/{good}")).StatusCode);

        // 1b. A policy longer than the product's one-year term: flagged on its row (not refused), for the admin to check.
        await page.GetByTestId("feed-file").SetInputFilesAsync(Csv("policies-long.csv", Row(good, "2027-06-30", "110101197502030021")));
        await Assertions.Expect(page.GetByTestId("feed-flagged")).ToContainTextAsync("1 行已标记", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("feed-row-flag")).ToContainTextAsync("超过产品约定的保险期间");
        await Assertions.Expect(page.GetByTestId("feed-import")).ToBeEnabledAsync();
        await Browser.ShotAsync(page, "admin-01b-feed-flagged-long-policy");

        // 2. Fixed: the preview is clean and the import stores both.
        await page.GetByTestId("feed-file").SetInputFilesAsync(Csv("policies-fixed.csv", Row(good, "2026-12-31", "110101197502030021"), Row(other, "2026-12-31", "110101197502030047")));
        await Assertions.Expect(page.GetByTestId("feed-summary")).ToContainTextAsync("预览无误：新增 2 份", new() { Timeout = 30_000 });
        await page.GetByTestId("feed-import").ClickAsync();
        await Assertions.Expect(page.GetByTestId("feed-done")).ToContainTextAsync("新增 2 份");
        await Browser.ShotAsync(page, "admin-02-feed-imported");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/policies/{good}")).StatusCode);

        // The member applies; a specialist task opens.
        var member = await ApiAs("member");
        var applied = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = good, details = new { city = "上海" } });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        var appId = (await applied.Body()).GetProperty("id").GetString()!;
        Assert.Equal("Accepted", (await (await member.GetAsync($"/api/me/applications/{appId}")).Body()).GetProperty("status").GetString());

        // 3. A new specialist.
        await page.GotoAsync(new Uri(Host.BaseAddress, "/admin/users").ToString());
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "用户管理" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("page-interactive")).ToBeAttachedAsync(new() { Timeout = 60_000 });
        var name = "zhang.wei." + suffix.ToLowerInvariant();
        await Field(page, "new-username").FillAsync(name);
        await Field(page, "new-displayname").FillAsync("张伟");
        await page.GetByTestId("create-user").ClickAsync();
        var notice = page.GetByTestId("users-notice");
        await Assertions.Expect(notice).ToContainTextAsync($"已创建用户 {name}");
        await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync(name);
        await Assertions.Expect(page.GetByTestId("audit-table")).ToContainTextAsync("创建用户");
        await Browser.ShotAsync(page, "admin-03-specialist-created");
        var password = Regex.Match(await notice.InnerTextAsync(), @"：(\S+)\s*$").Groups[1].Value;
        var specialist = await ApiAs(name, password);
        var me = await (await specialist.GetAsync("/api/me")).Body();
        Assert.Equal(["Specialist"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var openTasks = (await (await specialist.GetAsync("/api/tasks")).Body()).GetArrayLength();
        Assert.True(openTasks >= 1);

        // 4. Terminate the policy: its open application and task are closed.
        await page.GotoAsync(new Uri(Host.BaseAddress, "/admin/policies").ToString());
        await Assertions.Expect(page.GetByTestId("page-interactive")).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Field(page, "amend-number").FillAsync(good);
        await page.GetByTestId("amend-open").ClickAsync();
        await Assertions.Expect(page.GetByTestId("amend-current")).ToContainTextAsync("当前版本 v1");
        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");
        await Field(page, "terminate-on").FillAsync(today);
        await Field(page, "terminate-reason").FillAsync("投保人申请退保");
        await page.GetByTestId("terminate").ClickAsync();
        await Assertions.Expect(page.GetByTestId("amend-done")).ToContainTextAsync("关闭未完成申请 1 个");
        await Assertions.Expect(page.GetByTestId("amend-versions")).ToContainTextAsync("提前终止");
        await Browser.ShotAsync(page, "admin-04-policy-terminated");

        var closed = await (await member.GetAsync($"/api/me/applications/{appId}")).Body();
        Assert.Equal("Cancelled", closed.GetProperty("status").GetString());
        Assert.Equal(openTasks - 1, (await (await specialist.GetAsync("/api/tasks")).Body()).GetArrayLength());
    }
    [Fact]
    public async Task An_admin_creates_a_pharmacy_user_at_their_designated_pharmacy()
    {
        var name = "pharm." + Guid.NewGuid().ToString("N")[..6];
        var page = await Chromium.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        await Browser.SignInAsync(page, Host.BaseAddress, "admin", "/admin/users");
        await page.WaitForURLAsync("**/admin/users");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "用户管理" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("page-interactive")).ToBeAttachedAsync(new() { Timeout = 60_000 });
        await Field(page, "new-username").FillAsync(name);
        await Field(page, "new-displayname").FillAsync("药店柜台");
        await Field(page, "new-role-Specialist").UncheckAsync();
        await Field(page, "new-role-Pharmacy").CheckAsync();

        // The pharmacy is required with the Pharmacy role: the field says so and nothing is created.
        await Assertions.Expect(Field(page, "new-pharmacy-name")).ToBeVisibleAsync();
        await page.GetByTestId("create-user").ClickAsync();
        await Assertions.Expect(page.Locator(".mud-input-helper-text", new() { HasText = "药店账户须指定所属药店" }).First).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "admin-10-pharmacy-user-needs-pharmacy");

        await Field(page, "new-pharmacy-name").FillAsync("上药云健康益药药房（上海店）");
        await Field(page, "new-pharmacy-city").FillAsync("上海");
        await page.GetByTestId("create-user").ClickAsync();
        await Assertions.Expect(page.GetByTestId("users-notice")).ToContainTextAsync($"已创建用户 {name}");
        await Field(page, "user-search").FillAsync(name);
        await Field(page, "user-search").BlurAsync();
        await Assertions.Expect(page.GetByTestId("users-table")).ToContainTextAsync("所属药店：上海 上药云健康益药药房（上海店）");
        await Browser.ShotAsync(page, "admin-11-pharmacy-user-created");

        var view = await (await (await ApiAs("admin")).GetAsync($"/api/admin/users/{name}")).Body();
        Assert.Equal("上海", view.GetProperty("pharmacy").GetProperty("city").GetString());
        Assert.Equal(["Pharmacy"], view.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray());
    }
}
