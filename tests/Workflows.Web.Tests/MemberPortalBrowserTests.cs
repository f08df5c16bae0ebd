using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;

namespace Workflows.Web.Tests;

/// <summary>
/// The member portal on a phone (390x844) and on a desktop, in Chromium against the real host process: a member
/// imported by the feed activates the account with the code sent to the inbox, applies, reads the eligibility answer
/// and the timeline, previews what cancelling costs and cancels; a refused application explains itself in Chinese.
/// No console error and no failed request on the way.
/// </summary>
public sealed class MemberPortalBrowserTests : BrowserAgainstHost
{
    private static readonly BusinessCalendar Calendar = BusinessCalendar.Default;
    private const string NewPassword = "Portal#2026x";

    // Two cores shared by several hosts and browsers: give each step room (a wrong page still fails, only later).
    static MemberPortalBrowserTests() => Assertions.SetDefaultExpectTimeout(20_000);

    private async Task<HttpClient> Api(string user, string password = BackOfficeFactory.Password)
    {
        var c = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user, password));
        return c;
    }

    /// <summary>Console errors, failed requests and error answers of a page, to be asserted empty.</summary>
    private static List<string> Watch(IPage page)
    {
        var problems = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (problems) problems.Add("console: " + m.Text); };
        page.PageError += (_, e) => { lock (problems) problems.Add("page error: " + e); };
        page.RequestFailed += (_, r) =>
        {
            // A page load the browser gave up because the next navigation (a redirect, a language switch) replaced it is not a failure.
            // (Blazor's enhanced navigation fetches a page, then loads it as a document when it redirects off the app: the fetch is cancelled.)
            if (r.Failure == "net::ERR_ABORTED" && r.Method == "GET" && r.ResourceType is "document" or "fetch" && !r.Url.Contains("/api/")) return;
            lock (problems) problems.Add($"failed: {r.Method} {r.Url} {r.Failure}");
        };
        page.Response += (_, r) => { if (r.Status >= 400) lock (problems) problems.Add($"HTTP {r.Status}: {r.Url}"); };
        return problems;
    }

    /// <summary>A CPIC policy with a confirmed recurrence and a JD policy (with social insurance) with a first diagnosis, for one new person, through the feed.</summary>
    private async Task<(string IdNumber, string Cpic, string Jd)> ImportPersonAsync()
    {
        var today = Calendar.LocalDate(DateTimeOffset.UtcNow);
        var start = today.AddDays(-300);
        var suffix = Random.Shared.Next(1000, 9999).ToString();
        var idNumber = $"31010119850307{suffix}";
        var (cpic, jd) = ($"P-CPIC-{suffix}", $"P-JD-{suffix}");
        var insured = new { name = "林晓梅", idNumber, phone = "13912345678" };
        var admin = await Api("admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new { policyNumber = cpic, product = "cpic-breast-cancer-recurrence", effectiveDate = $"{start:yyyy-MM-dd}", endDate = $"{start.AddYears(1).AddDays(-1):yyyy-MM-dd}",
                      insured, diagnoses = new[] { new { kind = "recurrence", diagnosedOn = $"{today.AddDays(-100):yyyy-MM-dd}", detail = "局部复发", confirmed = true } } },
                new { policyNumber = jd, product = "jd-malignant-tumour-drug", variant = "with-social-insurance", effectiveDate = $"{start:yyyy-MM-dd}",
                      endDate = $"{start.AddYears(1).AddDays(-1):yyyy-MM-dd}", insured,
                      diagnoses = new[] { new { kind = "first-malignant-tumour", diagnosedOn = $"{today.AddDays(-100):yyyy-MM-dd}", detail = "初次确诊", confirmed = true } } },
            },
        });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (idNumber, cpic, jd);
    }

    /// <summary>The newest activation code in the member's inbox, as an admin reads it in the embedded default (no SMS gateway).</summary>
    private async Task<string> CodeFromInboxAsync(string idNumber)
    {
        var admin = await Api("admin");
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var messages = await admin.GetFromJsonAsync<JsonElement>($"/api/admin/member-codes?member={idNumber}");
            if (messages.GetArrayLength() > 0) return Regex.Match(messages[0].GetProperty("text").GetString()!, @"\d{6}").Value;
            if (DateTime.UtcNow > until) throw new TimeoutException("No activation code arrived.");
            await Task.Delay(300);
        }
    }

    private async Task<IPage> SignInAsync(IBrowserContext context, string login, string password, string path = "/me")
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(Host.BaseAddress, "/account/login?returnUrl=" + Uri.EscapeDataString(path)).ToString());
        await page.FillAsync("#userName", login);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**" + path);
        // The policies page says when it is live; a tap before that would be lost on a slow connection.
        if (path == "/me") await page.Locator("h1[data-live=true]").WaitForAsync();
        return page;
    }

    private async Task<IBrowserContext> PhoneAsync()
    {
        var context = await Chromium.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, DeviceScaleFactor = 2, IsMobile = true, HasTouch = true, Locale = "zh-CN",
        });
        context.SetDefaultTimeout(60_000);
        return context;
    }

    [Fact]
    public async Task A_member_from_the_feed_activates_applies_reads_the_answer_and_the_timeline_and_cancels_after_the_preview()
    {
        var (idNumber, cpic, jd) = await ImportPersonAsync();
        await using var phone = await PhoneAsync();

        // Activation: ID number + policy number → a code in the inbox → the code and a password.
        var page = await phone.NewPageAsync();
        var problems = Watch(page);
        await page.GotoAsync(new Uri(Host.BaseAddress, "/account/login").ToString());
        await page.GetByTestId("activate-link").ClickAsync();
        await page.WaitForURLAsync("**/account/activate");
        await page.FillAsync("#idNumber", idNumber);
        await page.FillAsync("#policyNumber", cpic);
        await Browser.ShotAsync(page, "portal-01-activate");
        await page.GetByTestId("send-code").ClickAsync();
        await Assertions.Expect(page.GetByTestId("code-sent")).ToBeVisibleAsync();
        var code = await CodeFromInboxAsync(idNumber);
        await page.FillAsync("#code", "000000" == code ? "111111" : "000000");
        await page.FillAsync("#password", NewPassword);
        await page.FillAsync("#confirm", NewPassword);
        await page.GetByTestId("activate").ClickAsync();
        await Assertions.Expect(page.Locator("[data-field=code]")).ToContainTextAsync("验证码错误"); // a wrong code is a message on the field
        await page.FillAsync("#code", code);
        await page.FillAsync("#password", NewPassword);
        await page.FillAsync("#confirm", NewPassword);
        await page.GetByTestId("activate").ClickAsync();
        await Assertions.Expect(page.GetByTestId("activated")).ToContainTextAsync("账户已开通");
        await Browser.ShotAsync(page, "portal-02-activated");
        problems.RemoveAll(p => p.StartsWith("HTTP 4")); // none expected from the pages themselves; the wrong code answers 200 with a message
        await page.CloseAsync();

        // Sign in with the ID number; both policies (CPIC and JD) are listed, the person's data masked.
        page = await SignInAsync(phone, idNumber, NewPassword);
        problems = Watch(page);
        var cpicCard = page.Locator($"[data-testid=policy-card][data-policy='{cpic}']");
        await Assertions.Expect(cpicCard).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator($"[data-testid=policy-card][data-policy='{jd}']")).ToBeVisibleAsync();
        await Assertions.Expect(cpicCard.GetByTestId("masked-id")).ToHaveTextAsync("310***********" + idNumber[^4..]);
        await Assertions.Expect(cpicCard.GetByTestId("masked-phone")).ToHaveTextAsync("139****5678");
        await Assertions.Expect(page.GetByText(idNumber)).ToHaveCountAsync(0);
        var outpatient = cpicCard.Locator("[data-testid=service-row][data-service=cpic-outpatient-green-channel]");
        await Assertions.Expect(outpatient).ToContainTextAsync("剩余 3/3 次");
        await Assertions.Expect(outpatient).ToContainTextAsync("现在可用");
        await Browser.ShotAsync(page, "portal-03-policies");

        // Apply for the outpatient green channel: the hospital is picked from the service's list.
        await outpatient.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync("**/me/apply/**");
        await Assertions.Expect(page.GetByTestId("apply-form")).ToBeVisibleAsync();
        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page.GetByText("请从列表中选择就诊医院。")).ToBeVisibleAsync(); // field messages before anything is sent
        await Assertions.Expect(page.GetByText("请至少选择一个期望日期。")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "portal-04-apply-validation");
        await page.FillAsync("#hospital-search", "瑞金");
        await page.GetByRole(AriaRole.Option, new() { Name = "上海交通大学医学院附属瑞金医院" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("hospital-chosen")).ToHaveTextAsync("上海交通大学医学院附属瑞金医院");
        var preferred = Calendar.LocalDate(DateTimeOffset.UtcNow).AddDays(5);
        await page.FillAsync("#preferred0", preferred.ToString("yyyy-MM-dd"));
        await page.Locator("#preferred0").PressAsync("Tab");
        await Browser.ShotAsync(page, "portal-05-apply-filled");
        await page.GetByTestId("submit").ClickAsync();
        await page.WaitForURLAsync(new Regex("/me/applications/[0-9a-f]{32}$"));
        var applicationId = page.Url[^32..];

        await Assertions.Expect(page.GetByTestId("eligible")).ToContainTextAsync("已通过资格校验");
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("已受理");
        var timeline = page.GetByTestId("timeline");
        await Assertions.Expect(timeline).ToContainTextAsync("已收到您的申请。");
        await Assertions.Expect(timeline).ToContainTextAsync("申请已受理，服务专员将与您联系。");
        await Browser.ShotAsync(page, "portal-06-accepted");

        // The specialist reaches the member and books tomorrow 10:00 (Asia/Shanghai).
        var specialist = await Api("specialist");
        var appointment = Calendar.LocalDate(DateTimeOffset.UtcNow).AddDays(1);
        foreach (var (outcome, data) in new (string, object)[] { ("Reached", new { }), ("Booked", new { appointmentAt = $"{appointment:yyyy-MM-dd}T10:00:00+08:00" }) })
        {
            var tasks = await specialist.GetFromJsonAsync<JsonElement>("/api/tasks");
            var task = tasks.EnumerateArray().Single(t => t.GetProperty("outcomes").EnumerateArray().Any(o => o.GetString() == outcome));
            var done = await specialist.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
            Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
        }
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("已预约");
        await Assertions.Expect(page.GetByTestId("appointment")).ToContainTextAsync($"{appointment:yyyy-MM-dd}");

        // Cancel: the rule is shown before confirming, and it is the rule the cancellation applies.
        Assert.True(ServiceCatalogue.Default.TryGet("cpic-outpatient-green-channel", out var service));
        var expected = CancellationNotice.Judge(service, Calendar.LocalDate(DateTimeOffset.UtcNow), appointment, Calendar);
        await page.GetByTestId("cancel").ClickAsync();
        await Assertions.Expect(page.GetByTestId("cancel-preview")).ToHaveTextAsync(expected.PreviewZh);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("已预约"); // nothing changed yet
        await Browser.ShotAsync(page, "portal-07-cancel-preview");
        await page.GetByTestId("confirm-cancel").ClickAsync();
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("已取消");
        await Assertions.Expect(page.GetByTestId("cancel-result")).ToHaveTextAsync(expected.ExplanationZh);
        await Assertions.Expect(timeline).ToContainTextAsync(expected.ExplanationZh);
        await Browser.ShotAsync(page, "portal-08-cancelled");

        // The quota on the policies page follows the rule.
        await page.GotoAsync(new Uri(Host.BaseAddress, "/me").ToString());
        await Assertions.Expect(outpatient).ToContainTextAsync(expected.QuotaRestored ? "剩余 3/3 次" : "剩余 2/3 次");

        // Messages: the appointment reminders scheduled by the booking are the member's own.
        await page.GotoAsync(new Uri(Host.BaseAddress, "/me/messages").ToString());
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("消息");
        await Browser.ShotAsync(page, "portal-09-messages");

        // Another member sees none of it: the demo member's portal does not show this application.
        await using var other = await PhoneAsync();
        var otherPage = await SignInAsync(other, "member", BackOfficeFactory.Password, "/me/applications/" + applicationId);
        await Assertions.Expect(otherPage.GetByTestId("not-found")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_refused_application_says_why_in_Chinese_and_what_would_change_it()
    {
        var (idNumber, _, jd) = await ImportPersonAsync();
        await using var phone = await PhoneAsync();
        // Activation through the API this time (the page is the other test's); then the portal.
        var anonymous = new HttpClient { BaseAddress = Host.BaseAddress };
        (await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber, policyNumber = jd })).EnsureSuccessStatusCode();
        var done = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber, code = await CodeFromInboxAsync(idNumber), password = NewPassword });
        Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());

        var page = await SignInAsync(phone, idNumber, NewPassword);
        var problems = Watch(page);
        var row = page.Locator($"[data-testid=policy-card][data-policy='{jd}'] [data-testid=service-row][data-service=jd-green-channel]");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await page.WaitForURLAsync("**/me/apply/**");
        try { await page.Locator("#hospital-search").WaitForAsync(); } // the form appears once the page is live
        catch (TimeoutException) // keep what the page and the host showed

        {
            await Browser.ShotAsync(page, "portal-debug-apply");
            File.WriteAllText(Path.Combine(Browser.ScreenshotDirectory, "portal-debug-host.log"), Host.Output);
            throw;
        }
        await page.FillAsync("#hospital-search", "北京大学肿瘤医院");
        await page.GetByRole(AriaRole.Option, new() { Name = "北京大学肿瘤医院" }).First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("hospital-chosen")).ToBeVisibleAsync();
        await page.GetByText("我认可京东安联的处方审核结果").ClickAsync();
        await page.FillAsync("#preferred0", Calendar.LocalDate(DateTimeOffset.UtcNow).AddDays(3).ToString("yyyy-MM-dd"));
        await page.Locator("#preferred0").PressAsync("Tab");
        await page.GetByTestId("submit").ClickAsync();
        await page.WaitForURLAsync(new Regex("/me/applications/[0-9a-f]{32}$"));

        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("未通过");
        await Assertions.Expect(page.GetByTestId("refusal-reason")).ToHaveTextAsync(Refusals.GreenChannelNeedsRefusedPrescription.MessageZh);
        await Assertions.Expect(page.GetByTestId("remedy")).ToContainTextAsync("如处方审核未通过，可再申请门诊绿色通道。");
        await Assertions.Expect(page.GetByTestId("cancel")).ToHaveCountAsync(0); // a refusal is final
        await Browser.ShotAsync(page, "portal-10-refused");

        // The list says it too; the JD estimate looks the drug up on the JD list.
        await page.GotoAsync(new Uri(Host.BaseAddress, "/me/applications").ToString());
        await Assertions.Expect(page.GetByTestId("application-row")).ToContainTextAsync(Refusals.GreenChannelNeedsRefusedPrescription.MessageZh);
        await page.GotoAsync(new Uri(Host.BaseAddress, "/me/estimate").ToString());
        await page.FillAsync("#drug-search", "奥拉帕利");
        await page.GetByRole(AriaRole.Option, new() { Name = "奥拉帕利（利普卓）" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("drug-chosen")).ToHaveTextAsync("奥拉帕利（利普卓）");
        await page.FillAsync("#cost", "10000");
        await page.Locator("#cost").PressAsync("Tab");
        await page.GetByTestId("estimate").ClickAsync();
        await Assertions.Expect(page.GetByTestId("payable")).ToHaveTextAsync("¥10,000.00"); // off the social-insurance list: 100%
        await Browser.ShotAsync(page, "portal-11-estimate");
        Assert.Empty(problems);
    }

    /// <summary>The case manager's open task of the application (from their inbox), once the workflow has opened it.</summary>
    private static async Task<JsonElement> CaseManagerTaskAsync(HttpClient caseManager, string applicationId, string activityType)
    {
        for (var i = 0; i < 150; i++)
        {
            var inbox = await (await caseManager.GetAsync("/api/tasks/inbox?view=Workable&pageSize=200")).Body();
            var task = inbox.GetProperty("items").EnumerateArray().FirstOrDefault(t => t.GetProperty("applicationId").GetString() == applicationId
                && t.GetProperty("activityType").GetString() == activityType);
            if (task.ValueKind == JsonValueKind.Object) return task;
            await Task.Delay(200);
        }
        throw new TimeoutException($"No {activityType} task for application {applicationId}.");
    }

    [Fact]
    public async Task A_COC_member_asks_on_the_phone_and_reads_the_case_managers_answer()
    {
        var (idNumber, cpic, _) = await ImportPersonAsync();
        var anonymous = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        (await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber, policyNumber = cpic })).EnsureSuccessStatusCode();
        var code = await CodeFromInboxAsync(idNumber);
        var activated = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber, code, password = NewPassword });
        Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync());
        var member = await Api(idNumber, NewPassword);
        var caseManager = await Api("casemanager");
        var applied = await member.SendAsync(Json.Post("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = cpic, details = new { } }, Guid.NewGuid().ToString()));
        var applicationId = (await applied.Body()).GetProperty("id").GetString()!;
        var intake = await CaseManagerTaskAsync(caseManager, applicationId, "Workflows.HumanTask");
        var enrolled = await caseManager.SendAsync(Json.Post($"/api/tasks/{intake.GetProperty("id").GetString()}/complete", new { outcome = "Enrolled", data = new { } }, Guid.NewGuid().ToString()));
        Assert.True(enrolled.IsSuccessStatusCode, await enrolled.Content.ReadAsStringAsync());

        // The member asks on the phone; the question waits for an answer.
        await using var phone = await PhoneAsync();
        var page = await SignInAsync(phone, idNumber, NewPassword, "/me/applications/" + applicationId);
        var problems = Watch(page);
        var questions = page.GetByTestId("coc-questions");
        await Assertions.Expect(questions).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var ask = questions.GetByRole(AriaRole.Button, new() { Name = "提交问题" });
        await Assertions.Expect(ask).ToBeEnabledAsync(new() { Timeout = 30_000 }); // the page is live: what is typed now is kept
        await Assertions.Expect(questions.GetByTestId("consultation")).ToHaveCountAsync(0);
        await page.FillAsync("#question", "化疗后手脚发麻，需要调整用药吗？");
        await ask.ClickAsync();
        await Assertions.Expect(page.GetByTestId("consultation")).ToContainTextAsync("等待回复");

        // The case manager answers through the answer task.
        var answerTask = await CaseManagerTaskAsync(caseManager, applicationId, "Health.Consultation");
        const string answer = "手脚发麻多为化疗药物的神经毒性，请记录发麻程度，下次复诊时告诉主治医生；如影响走路或拿东西，请尽快就诊。";
        var answered = await caseManager.SendAsync(Json.Post($"/api/tasks/{answerTask.GetProperty("id").GetString()}/complete",
            new { outcome = "Answered", data = new { answerSummary = answer } }, Guid.NewGuid().ToString()));
        Assert.True(answered.IsSuccessStatusCode, await answered.Content.ReadAsStringAsync());

        // Back on the phone: the answer, with when it came (Beijing time), under the question.
        await page.ReloadAsync();
        await Assertions.Expect(ask).ToBeEnabledAsync(new() { Timeout = 30_000 }); // live again: no re-render pending
        var consultation = page.GetByTestId("consultation");
        await Assertions.Expect(consultation).ToContainTextAsync("已回复", new() { Timeout = 30_000 });
        await Assertions.Expect(consultation.GetByTestId("consultation-answer")).ToContainTextAsync(answer);
        await Assertions.Expect(consultation.GetByTestId("consultation-answer")).ToContainTextAsync("个案管理师回复");
        await Assertions.Expect(consultation.GetByTestId("consultation-answer")).ToContainTextAsync(new Regex(@"\d{4}-\d{2}-\d{2} 周. \d{2}:\d{2}"));
        var answerBox = consultation.GetByTestId("consultation-answer");
        await answerBox.ScrollIntoViewIfNeededAsync();
        await Assertions.Expect(answerBox).ToBeInViewportAsync();
        var box = await answerBox.BoundingBoxAsync();
        Assert.True(box is { } b && b.X >= 0 && b.X + b.Width <= 390, $"the answer fits the phone's width ({box?.X}, {box?.Width})");
        await Browser.ShotAsync(page, "portal-14-coc-answer");
        Assert.Empty(problems);
    }

    [Fact]
    public async Task The_portal_works_at_desktop_width_and_in_English()
    {
        await using var desktop = await Chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 } });
        desktop.SetDefaultTimeout(60_000);
        var page = await SignInAsync(desktop, "member", BackOfficeFactory.Password);
        var problems = Watch(page);
        await Assertions.Expect(page.Locator("[data-testid=policy-card][data-policy='DEMO-CPIC-0001']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var nav = page.Locator(".portal-nav");
        await Assertions.Expect(nav).ToBeVisibleAsync();
        var box = await nav.BoundingBoxAsync();
        Assert.True(box!.Y < 120, $"on a desktop the portal's navigation sits at the top (y = {box.Y})");
        await Browser.ShotAsync(page, "portal-12-desktop");

        await page.GetByTestId("language-switch").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("My policies", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=service-row][data-service=cpic-outpatient-green-channel]")).ToContainTextAsync("Outpatient");
        await Browser.ShotAsync(page, "portal-13-desktop-english");
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_COC_member_sees_their_named_case_manager_and_has_two_questions_open_on_the_phone()
    {
        var (idNumber, cpic, _) = await ImportPersonAsync();
        var anonymous = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        (await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber, policyNumber = cpic })).EnsureSuccessStatusCode();
        var code = await CodeFromInboxAsync(idNumber);
        Assert.True((await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber, code, password = NewPassword })).IsSuccessStatusCode);
        var member = await Api(idNumber, NewPassword);
        var caseManager = await Api("casemanager");
        var applied = await member.SendAsync(Json.Post("/api/me/applications", new { serviceCode = "cpic-coc-oncology-follow-up", policyNumber = cpic, details = new { } }, Guid.NewGuid().ToString()));
        var applicationId = (await applied.Body()).GetProperty("id").GetString()!;
        var intake = await CaseManagerTaskAsync(caseManager, applicationId, "Workflows.HumanTask");
        Assert.True((await caseManager.SendAsync(Json.Post($"/api/tasks/{intake.GetProperty("id").GetString()}/complete", new { outcome = "Enrolled", data = new { } }, Guid.NewGuid().ToString()))).IsSuccessStatusCode);

        // Before a case manager is named the member is told one is being arranged.
        await using var phone = await PhoneAsync();
        var page = await SignInAsync(phone, idNumber, NewPassword, "/me/applications/" + applicationId);
        var problems = Watch(page);
        await Assertions.Expect(page.GetByTestId("case-manager-pending")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        var took = await caseManager.PutAsJsonAsync($"/api/coc/{applicationId}/case-manager", new { caseManager = "casemanager" });
        Assert.True(took.IsSuccessStatusCode, await took.Content.ReadAsStringAsync());
        var today = Calendar.LocalDate(DateTimeOffset.UtcNow).ToString("yyyy-MM-dd");
        Assert.True((await caseManager.PostAsJsonAsync($"/api/coc/{applicationId}/nutrition", new { assessedOn = today, score = 3, rating = "A", advice = "保持均衡饮食，每周称体重一次。" })).IsSuccessStatusCode);
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("case-manager-name")).ToHaveTextAsync("Demo CaseManager", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("nutrition")).ToContainTextAsync("3 分，A 级");

        // Two questions in a row: both wait for their answers (the second is no longer refused as busy).
        var questions = page.GetByTestId("coc-questions");
        var ask = questions.GetByRole(AriaRole.Button, new() { Name = "提交问题" });
        await Assertions.Expect(ask).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await page.FillAsync("#question", "化疗后手脚发麻，需要调整用药吗？");
        await ask.ClickAsync();
        await Assertions.Expect(page.GetByTestId("consultation")).ToHaveCountAsync(1);
        await page.FillAsync("#question", "下次复查要空腹吗？");
        await ask.ClickAsync();
        await Assertions.Expect(page.GetByTestId("consultation")).ToHaveCountAsync(2);
        foreach (var c in await page.GetByTestId("consultation").AllAsync()) await Assertions.Expect(c).ToContainTextAsync("等待回复");
        var card = page.GetByTestId("coc-case-manager");
        var box = await card.BoundingBoxAsync();
        Assert.True(box is { } b && b.X >= 0 && b.X + b.Width <= 390, $"the case manager card fits the phone's width ({box?.X}, {box?.Width})");
        await Assertions.Expect(card).ToContainTextAsync("营养状况评估");
        // A full-page shot from the top, so the sticky header does not cover the middle of the page.
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await Browser.ShotAsync(page, "portal-15-coc-case-manager-two-questions");
        Assert.Empty(problems);
    }

    /// <summary>Completes the open task of the given type with the outcome and data (as the specialist would in the workspace).</summary>
    private static async Task CompleteTaskAsync(HttpClient staff, string applicationId, string activityType, string outcome, object data)
    {
        var task = await CaseManagerTaskAsync(staff, applicationId, activityType);
        var done = await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
        Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_pathology_member_reads_the_fee_confirms_it_on_the_phone_and_follows_the_slides_on_the_timeline()
    {
        var (idNumber, cpic, _) = await ImportPersonAsync();
        var anonymous = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        (await anonymous.PostAsJsonAsync("/api/account/activation/request", new { idNumber, policyNumber = cpic })).EnsureSuccessStatusCode();
        var activated = await anonymous.PostAsJsonAsync("/api/account/activation/complete", new { idNumber, code = await CodeFromInboxAsync(idNumber), password = NewPassword });
        Assert.True(activated.IsSuccessStatusCode, await activated.Content.ReadAsStringAsync());
        var member = await Api(idNumber, NewPassword);
        var specialist = await Api("specialist");
        var applied = await member.SendAsync(Json.Post("/api/me/applications",
            new { serviceCode = "cpic-pathology-expert-consultation", policyNumber = cpic, details = new { city = "北京" } }, Guid.NewGuid().ToString()));
        var applicationId = (await applied.Body()).GetProperty("id").GetString()!;
        await CompleteTaskAsync(specialist, applicationId, "Health.SpecialistCall", "Reached", new { });
        await CompleteTaskAsync(specialist, applicationId, "Health.FeeQuote", "Quoted", new { feeYuan = 1500, hospital = "北京大学肿瘤医院" });

        // On the phone: the fee the member pays, stated before anything is done, with the two answers.
        await using var phone = await PhoneAsync();
        var page = await SignInAsync(phone, idNumber, NewPassword, "/me/applications/" + applicationId);
        var problems = Watch(page);
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("待您确认", new() { Timeout = 30_000 });
        var prompt = page.GetByTestId("confirm-prompt");
        await Assertions.Expect(prompt).ToContainTextAsync("病理会诊费用需您自理");
        await Assertions.Expect(prompt).ToContainTextAsync("¥1500");
        var yes = page.GetByTestId("confirm-yes");
        await Assertions.Expect(yes).ToBeEnabledAsync(new() { Timeout = 30_000 }); // live
        var box = await page.GetByTestId("confirm-section").BoundingBoxAsync();
        Assert.True(box is { } b && b.X >= 0 && b.X + b.Width <= 390, $"the confirmation fits the phone's width ({box?.X}, {box?.Width})");
        await Browser.ShotAsync(page, "portal-15-pathology-fee");
        await yes.ClickAsync();
        await Assertions.Expect(page.GetByTestId("status")).ToHaveTextAsync("服务中");
        await Assertions.Expect(page.GetByTestId("confirm-section")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("timeline")).ToContainTextAsync("您已确认自理费用");

        // The slides are borrowed and received: the timeline says when the preliminary result is due; no appointment anywhere.
        await CompleteTaskAsync(specialist, applicationId, "Health.ServiceStep", "Borrowed", new { });
        await CompleteTaskAsync(specialist, applicationId, "Health.ServiceStep", "Received", new { });
        await page.ReloadAsync();
        var timeline = page.GetByTestId("timeline");
        await Assertions.Expect(timeline).ToContainTextAsync("已协助您借出病理切片", new() { Timeout = 30_000 });
        await Assertions.Expect(timeline).ToContainTextAsync(new Regex(@"初步病理结果一般将于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前出具"));
        await Assertions.Expect(timeline).ToContainTextAsync("服务中");
        await Assertions.Expect(page.GetByTestId("appointment")).ToHaveCountAsync(0);
        await Browser.ShotAsync(page, "portal-16-pathology-timeline");
        Assert.Empty(problems);
    }
}
