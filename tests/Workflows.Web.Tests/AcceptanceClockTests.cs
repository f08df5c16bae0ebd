using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Workflows.Web.Tests;

/// <summary>
/// The acceptance clock (Clock:Now / Offset / Frozen): a real host process standing on a chosen Asia/Shanghai instant, so
/// calendar cases can be tried through the API; refused in Production.
/// </summary>
public sealed class AcceptanceClockTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-clock-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Production_refuses_an_acceptance_clock()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            BackOfficeProcess.StartAsync(_data, settings: ["--Clock:Now", "2026-09-30T19:00:00+08:00"]));
        Assert.Contains("refused in the Production environment", e.Message);
    }

    [Fact]
    public async Task A_request_on_the_evening_before_National_Day_is_due_after_the_holiday()
    {
        // Wednesday 2026-09-30 19:00 in Shanghai; 1–7 October are days off, Thursday 8 October is the next working day.
        using var host = await BackOfficeProcess.StartAsync(_data,
            settings: ["--environment", "Acceptance", "--Clock:Now", "2026-09-30T19:00:00+08:00", "--Clock:Frozen", "true"]);
        using var member = await SignedIn(host, "member");
        var clock = await member.GetFromJsonAsync<JsonElement>("/api/clock");
        Assert.Equal("2026-09-30 19:00", clock.GetProperty("shanghai").GetString());
        Assert.Equal("周三", clock.GetProperty("weekday").GetString());
        Assert.True(clock.GetProperty("workingDay").GetBoolean());
        Assert.Equal("frozen", clock.GetProperty("mode").GetString());

        var applied = await member.PostAsJsonAsync("/api/me/applications",
            new { serviceCode = "cpic-outpatient-green-channel", policyNumber = "DEMO-CPIC-0001", details = new { hospital = "复旦大学附属肿瘤医院" } });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());
        var application = await applied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(DateTimeOffset.Parse("2026-09-30T11:00:00Z"), application.GetProperty("createdAt").GetDateTimeOffset());

        // The specialist's first call is due one working day after the request: on the first working day after the holiday.
        using var specialist = await SignedIn(host, "specialist");
        var due = await FirstTaskDue(specialist);
        Assert.Equal(new DateOnly(2026, 10, 8), DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(due, Workflows.Domain.Calendar.BusinessCalendar.Shanghai).DateTime));

        // Members cannot move the clock; an Admin moves it forward only.
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/api/clock/advance", new { by = "01:00:00" })).StatusCode);
        using var admin = await SignedIn(host, "admin");
        var back = await admin.PostAsJsonAsync("/api/clock/advance", new { by = "-01:00:00" });
        Assert.Equal(HttpStatusCode.BadRequest, back.StatusCode);
        Assert.Contains("only moves forward", await back.Content.ReadAsStringAsync());
        var moved = await admin.PostAsJsonAsync("/api/clock/advance", new { by = "8.00:00:00" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var after = await moved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("2026-10-08 19:00", after.GetProperty("shanghai").GetString());
        Assert.Equal("周四", after.GetProperty("weekday").GetString());
    }

    [Fact]
    public async Task A_request_on_a_Friday_evening_before_a_make_up_Saturday_is_due_on_the_Saturday_in_the_API_and_the_inbox()
    {
        // Friday 2026-05-08 19:30 in Shanghai; Saturday 9 May is a make-up working day (调休) after Labour Day.
        using var host = await BackOfficeProcess.StartAsync(_data,
            settings: ["--environment", "Acceptance", "--Clock:Now", "2026-05-08T19:30:00+08:00", "--Clock:Frozen", "true"]);
        using var member = await SignedIn(host, "member");
        var applied = await member.PostAsJsonAsync("/api/me/applications",
            new { serviceCode = "cpic-outpatient-green-channel", policyNumber = "DEMO-CPIC-0001", details = new { hospital = "复旦大学附属肿瘤医院" } });
        Assert.True(applied.StatusCode == HttpStatusCode.Created, await applied.Content.ReadAsStringAsync());

        // The first call (1 working day, hospital hours 08:00-20:00) is due at closing time of the make-up Saturday, not on Monday.
        using var specialist = await SignedIn(host, "specialist");
        var due = await FirstTaskDue(specialist);
        Assert.Equal(DateTimeOffset.Parse("2026-05-09T20:00:00+08:00"), due);

        // The inbox, on the same clock, shows that due time.
        var (playwright, chromium) = await Browser.LaunchAsync();
        try
        {
            var context = await chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "zh-CN", TimezoneId = "Asia/Shanghai" });
            var page = await context.NewPageAsync();
            await Browser.SignInAsync(page, host.BaseAddress, "specialist", "/tasks");
            await page.WaitForURLAsync(u => !u.Contains("/account/login"));
            await page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 30_000 });
            // 30 minutes left on Friday, then the make-up Saturday's 08:00-20:00.
            var dueCell = page.GetByTestId("task-due").First;
            await Microsoft.Playwright.Assertions.Expect(dueCell).ToHaveAttributeAsync("title", "到期 2026-05-09 周六 20:00");
            await Microsoft.Playwright.Assertions.Expect(dueCell).ToContainTextAsync("剩余 12小时30分");
            await Browser.ShotAsync(page, "acceptance-clock-make-up-saturday");
        }
        finally
        {
            await chromium.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task The_real_clock_cannot_be_moved()
    {
        using var host = await BackOfficeProcess.StartAsync(_data);
        using var admin = await SignedIn(host, "admin");
        Assert.Equal("system", (await admin.GetFromJsonAsync<JsonElement>("/api/clock")).GetProperty("mode").GetString());
        var r = await admin.PostAsJsonAsync("/api/clock/advance", new { by = "01:00:00" });
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
    }

    private static async Task<DateTimeOffset> FirstTaskDue(HttpClient specialist)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var tasks = await specialist.GetFromJsonAsync<JsonElement>("/api/tasks");
            var list = tasks.ValueKind == JsonValueKind.Array ? tasks : tasks.GetProperty("items");
            foreach (var t in list.EnumerateArray())
                if (t.TryGetProperty("dueAt", out var d) && d.ValueKind == JsonValueKind.String) return d.GetDateTimeOffset();
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no task with a due date: " + tasks);
            await Task.Delay(200);
        }
    }

    private static async Task<HttpClient> SignedIn(BackOfficeProcess host, string user)
    {
        var client = new HttpClient { BaseAddress = host.BaseAddress };
        var token = await client.PostAsJsonAsync("/api/auth/token", new { userName = user, password = BackOfficeFactory.Password });
        token.EnsureSuccessStatusCode();
        client.DefaultRequestHeaders.Authorization = new("Bearer", (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        return client;
    }
}
