using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>
/// The staff case screens in a real browser (Chromium, 1366×768, Chinese) against the real host: filing an application
/// taken by phone, case search (by policy, by masked name, empty, paged with the keyset cursor) and the case page with a
/// reveal that needs a reason and lands in the access trail. Screenshots in tests/artifacts/screenshots/cases-*.
/// </summary>
public sealed class CaseScreensBrowserTests(WorkspaceHost host) : IClassFixture<WorkspaceHost>
{
    private async Task<string> ImportPolicyAsync(string name)
    {
        var number = $"WF-{Guid.NewGuid().ToString("N")[..10]}";
        var admin = await host.Api("admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new[]
            {
                new
                {
                    policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                    insured = new { name, idNumber = "110101198005010011", phone = "13900000001", userName = (string?)null },
                    diagnoses = new[] { new { kind = "metastasis", diagnosedOn = "2026-04-01" } },
                },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return number;
    }

    /// <summary>Picks an option of a MudSelect by its label and the option's text, as a person does with the mouse.</summary>
    private static async Task PickAsync(IPage page, string label, string option)
    {
        await page.Locator($".mud-select:has(label:text-is(\"{label}\")) .mud-input-control-input-container").First.ClickAsync();
        var item = page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = option });
        await Assertions.Expect(item.First).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await item.First.ClickAsync();
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    private static async Task SearchAsync(IPage page, string? policy, string? member)
    {
        await page.GetByTestId("search-policy").FillAsync(policy ?? "");
        await page.GetByTestId("search-member").FillAsync(member ?? "");
        await page.GetByTestId("search-submit").ClickAsync();
    }

    [Fact]
    public async Task A_specialist_files_a_phone_application_finds_it_by_policy_and_masked_name_and_reveals_the_ID_number_with_a_reason()
    {
        host.Clock.SetUtcNow(WorkspaceHost.Monday10);
        var name = "司马" + Guid.NewGuid().ToString("N")[..2]; // four characters, unique to this test: masked 司***
        var policy = await ImportPolicyAsync(name);

        var watched = await host.SignInAsync("specialist", "/phone-applications/new");
        var page = watched.Page;
        await Assertions.Expect(page.GetByTestId("phone-form")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "cases-01-phone-empty");

        // Nothing filled: the server names the missing fields on the form, nothing is filed.
        await page.GetByTestId("phone-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("phone-error")).ToBeVisibleAsync();
        Assert.Contains("/phone-applications/new", page.Url);

        // The call came in at 09:15 on the 95500 line; keyed in at 10:00.
        await PickAsync(page, "受理渠道", "95500");
        await page.Locator("#phone-receivedAt").FillAsync("2026-11-30 09:15");
        await Assertions.Expect(page.Locator(".phone-form")).ToContainTextAsync("2026-11-30 周一 09:15");
        await page.GetByTestId("phone-policy").FillAsync(policy);
        await PickAsync(page, "服务 *", "门诊绿通");
        await page.Locator(".phone-form .mud-input-control:has(label:text-is(\"医院\")) input").FillAsync("复旦大学附属肿瘤医院");
        await page.Keyboard.PressAsync("Tab");
        // Every field now corrected: the earlier "form has errors" notice is gone.
        await Assertions.Expect(page.GetByTestId("phone-error")).ToHaveCountAsync(0);
        await Browser.ShotAsync(page, "cases-02-phone-filled");
        await page.GetByTestId("phone-submit").ClickAsync();
        await page.WaitForURLAsync("**/cases/*", new() { Timeout = 30_000 });
        var applicationId = page.Url.Split('/').Last();

        // The case page: the channel and the time of the call, masked member, who filed it.
        var view = page.GetByTestId("case-view");
        await Assertions.Expect(view).ToContainTextAsync("太平洋健康服务热线 95500 受理于 2026-11-30 周一 09:15", new() { Timeout = 15_000 });
        await Assertions.Expect(view).ToContainTextAsync("specialist");
        await Assertions.Expect(page.GetByTestId("case-policy")).ToHaveTextAsync(policy);
        await Assertions.Expect(page.GetByTestId("case-member-name")).ToHaveTextAsync(name[..1] + "***");
        await Assertions.Expect(page.GetByTestId("masked-idNumber")).Not.ToContainTextAsync("110101198005010011");
        // The first call is waiting: the task list says so in Chinese, and the page offers to work it.
        await Assertions.Expect(page.GetByTestId("case-tasks")).ToContainTextAsync("致电客户确认门诊需求");
        await Assertions.Expect(page.GetByTestId("case-tasks")).Not.ToContainTextAsync("Call the member");
        await Assertions.Expect(page.GetByTestId("case-task-state").First).ToHaveTextAsync("待处理");
        await Assertions.Expect(page.GetByTestId("case-open-tasks")).ToContainTextAsync("致电客户确认门诊需求");
        await Browser.ShotAsync(page, "cases-03-case-page");

        // Case search: by policy number, then by the masked name (the form staff see and can read out).
        await page.GotoAsync(new Uri(host.BaseAddress, "/cases").ToString());
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("case-search")).ToBeVisibleAsync();
        await SearchAsync(page, policy, null);
        var rows = page.GetByTestId("case-row");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(policy);
        await Assertions.Expect(rows.First).ToContainTextAsync("太平洋健康服务热线 95500");
        await Assertions.Expect(rows.First).ToContainTextAsync("2026-11-30 09:15");
        await Assertions.Expect(page.GetByTestId("cases-end")).ToHaveTextAsync("共 1 项，已全部显示");
        await Browser.ShotAsync(page, "cases-04-search-policy");
        await SearchAsync(page, null, name[..1] + "***");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync(policy);
        await Assertions.Expect(rows.First).ToContainTextAsync(name[..1] + "***");
        Assert.DoesNotContain(name, await page.GetByTestId("case-list").InnerTextAsync());

        // The empty result says so.
        await SearchAsync(page, "WF-NONE-000", null);
        await Assertions.Expect(rows).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("case-list")).ToContainTextAsync("没有符合条件的案件。");
        await Browser.ShotAsync(page, "cases-05-search-empty");

        // Open the case from the list with the keyboard (Enter on the row).
        await SearchAsync(page, null, name[..1] + "***");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await rows.First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync($"**/cases/{applicationId}");

        // Reveal of the ID number needs a reason of at least four characters.
        await page.GetByTestId("reveal-idNumber").ClickAsync();
        await page.GetByTestId("reveal-confirm-idNumber").ClickAsync();
        await Assertions.Expect(page.GetByTestId("masked-idNumber")).ToContainTextAsync("请填写 4 至 200 字的查看原因");
        await Assertions.Expect(page.GetByTestId("masked-idNumber")).Not.ToContainTextAsync("110101198005010011");
        await page.GetByTestId("reveal-reason-idNumber").FillAsync("会员来电核实身份");
        await page.GetByTestId("reveal-confirm-idNumber").ClickAsync();
        await Assertions.Expect(page.GetByTestId("masked-idNumber")).ToContainTextAsync("110101198005010011");
        await Browser.ShotAsync(page, "cases-06-revealed");
        watched.AssertClean();

        // The auditor sees the reveal, with its reason and without the value, in the access trail of the case.
        var specialist = await host.Api("specialist");
        var instanceId = (await (await specialist.GetAsync($"/api/cases/{applicationId}")).Body()).GetProperty("instanceId").GetString()!;
        var auditor = await host.Api("auditor");
        var trail = (await (await auditor.GetAsync($"/api/access-log?instanceId={instanceId}")).Body()).EnumerateArray().ToList();
        var reveal = trail.Where(e => e.GetProperty("detail").GetString()?.Contains("会员来电核实身份") == true).ToList();
        Assert.NotEmpty(reveal);
        Assert.All(reveal, e =>
        {
            Assert.Equal("specialist", e.GetProperty("userName").GetString());
            Privacy.AssertHidden(e.GetProperty("detail").GetString()!, "the reveal's trail entry", "idNumber", "110101198005010011");
        });
        // A specialist may not read the trail.
        Assert.Equal(HttpStatusCode.Forbidden, (await specialist.GetAsync($"/api/access-log?instanceId={instanceId}")).StatusCode);
    }

    [Fact]
    public async Task A_long_case_search_pages_through_every_case_once_with_the_keyset_cursor()
    {
        host.Clock.SetUtcNow(WorkspaceHost.Monday10);
        var name = "欧阳" + Guid.NewGuid().ToString("N")[..3]; // five characters, unique to this test
        var services = new[] { "cpic-outpatient-green-channel", "cpic-inpatient-surgery-green-channel", "cpic-expert-online-written-opinion", "cpic-oncology-psychological-counselling", "cpic-coc-oncology-follow-up" };
        var specialist = await host.Api("specialist");
        var policies = new List<string>();
        var filed = 0;
        for (var p = 0; p < 11; p++)
        {
            var policy = await ImportPolicyAsync(name);
            policies.Add(policy);
            foreach (var s in services)
            {
                // Calls received through the morning, a minute apart: the list is newest first.
                var received = WorkspaceHost.Monday10.AddMinutes(-90 + filed).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm");
                var r = await specialist.SendAsync(Json.Post("/api/phone-applications", new
                {
                    policyNumber = policy, serviceCode = s, channel = "cpic-95500", receivedAt = received, callerRole = "insured",
                    details = new { hospital = "复旦大学附属肿瘤医院" },
                }, Guid.NewGuid().ToString()));
                Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
                filed++;
            }
        }
        Assert.Equal(55, filed);

        var watched = await host.SignInAsync("specialist", "/cases");
        var page = watched.Page;
        await SearchAsync(page, null, name);
        var rows = page.GetByTestId("case-row");
        await Assertions.Expect(rows).ToHaveCountAsync(50, new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("cases-more")).ToBeVisibleAsync();
        // Newest first: the last call filed is the first row.
        var last = WorkspaceHost.Monday10.AddMinutes(-90 + 54).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm");
        await Assertions.Expect(rows.First).ToContainTextAsync(last);
        await Browser.ShotAsync(page, "cases-07-long-list-first-page");
        await page.GetByTestId("cases-more").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(55);
        await Assertions.Expect(page.GetByTestId("cases-more")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("cases-end")).ToHaveTextAsync("共 55 项，已全部显示");
        // Every case once, in order: each policy five times, the receipt times strictly descending.
        var texts = await rows.AllInnerTextsAsync();
        foreach (var policy in policies) Assert.Equal(5, texts.Count(t => t.Contains(policy)));
        var times = texts.Select(t => System.Text.RegularExpressions.Regex.Match(t, @"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").Value).ToList();
        Assert.Equal(times.OrderByDescending(t => t, StringComparer.Ordinal), times);
        Assert.Equal(55, times.Distinct().Count());
        await page.GetByTestId("cases-end").ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(page, "cases-08-long-list-all");
        watched.AssertClean();
    }

    /// <summary>Completes the case's open task at <paramref name="activityId"/> through the API, as its role.</summary>
    private async Task CompleteTaskAsync(string instanceId, string activityId, string user, string outcome, object data)
    {
        var staff = await host.Api(user);
        var task = (await (await staff.GetAsync("/api/tasks")).Body()).EnumerateArray()
            .Single(t => t.GetProperty("instanceId").GetString() == instanceId && t.GetProperty("activityId").GetString() == activityId);
        var r = await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CPIC_direct_billing_shows_the_member_their_share_and_the_sum_insured_left_on_the_phone_and_staff_on_the_case()
    {
        var memberName = "billing-" + Guid.NewGuid().ToString("N")[..6];
        await host.CreateUserAsync(memberName, "Member");
        var number = $"WF-{Guid.NewGuid().ToString("N")[..10]}";
        var admin = await host.Api("admin");
        var imported = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new[]
            {
                new
                {
                    policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                    specialtyDrugSumInsured = 20000m,
                    insured = new { name = "王垫付", idNumber = "110101198005010022", phone = "13900000002", userName = memberName },
                    diagnoses = new[] { new { kind = "metastasis", diagnosedOn = "2026-04-01" } },
                },
            },
        });
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var member = await host.Api(memberName);
        var applied = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = "cpic-special-drug-direct-pay", policyNumber = number, details = new { drug = "赫赛汀", city = "上海" } });
        Assert.Equal(HttpStatusCode.Created, applied.StatusCode);
        var app = await applied.Body();
        var id = app.GetProperty("id").GetString()!;
        var instanceId = (await (await (await host.Api("specialist")).GetAsync($"/api/cases/{id}")).Body()).GetProperty("instanceId").GetString()!;
        await CompleteTaskAsync(instanceId, "authorise", "casemanager", "Authorised", new { applicationForm = true, contract = true, idDocument = true, diagnosisReport = true });
        await CompleteTaskAsync(instanceId, "review", "specialist", "Approved", new { });
        await CompleteTaskAsync(instanceId, "plan", "specialist", "Planned", new
        {
            mode = "pickup", pharmacyName = "上药云健康益药药房（上海店）", pharmacyAddress = "上海市黄浦区测试路1号", pharmacyCity = "上海", stockConfirmed = true, drugCost = 25000m,
        });

        // Staff: the case's policy panel states the sum insured, what was advanced and what is left.
        var watched = await host.SignInAsync("specialist", $"/cases/{id}");
        var page = watched.Page;
        await Assertions.Expect(page.GetByTestId("case-direct-billing")).ToHaveTextAsync("共 20,000 元，已垫付 20,000 元，剩余 0 元");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("您需自付 5000 元");
        await Browser.ShotAsync(page, "cases-07-direct-billing");
        watched.AssertClean();

        // The member, on a phone: their own share and what is left, on the application's timeline.
        var phone = await host.Chromium.NewContextAsync(new() { ViewportSize = new() { Width = 390, Height = 844 }, DeviceScaleFactor = 2, IsMobile = true, HasTouch = true,
            Locale = "zh-CN", TimezoneId = "Asia/Shanghai" });
        var memberPage = await phone.NewPageAsync();
        var path = "/me/applications/" + id;
        await memberPage.GotoAsync(new Uri(host.BaseAddress, "/account/login?returnUrl=" + Uri.EscapeDataString(path)).ToString());
        await memberPage.FillAsync("#userName", memberName);
        await memberPage.FillAsync("#password", BackOfficeFactory.Password);
        await memberPage.ClickAsync("button[type=submit]");
        await memberPage.WaitForURLAsync("**" + path);
        var timeline = memberPage.GetByTestId("timeline");
        await Assertions.Expect(timeline).ToContainTextAsync("垫付 20000 元，您需自付 5000 元");
        await Assertions.Expect(timeline).ToContainTextAsync("已用完（剩余 0 元）");
        await Browser.ShotAsync(memberPage, "portal-direct-billing-phone");
        await phone.CloseAsync();
    }
}
