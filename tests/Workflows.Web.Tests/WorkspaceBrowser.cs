using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>
/// The real host on Kestrel (a real port the browser reaches), on a real SQLite file, with a settable clock: the staff
/// workspace's journeys stand on a known Beijing working day and move the clock past a deadline to escalate a task.
/// </summary>
public sealed class WorkspaceHost : BackOfficeFactory, IAsyncLifetime
{
    /// <summary>Monday 30 November 2026, 10:00 in Shanghai: a working day, inside every service's hours.</summary>
    public static readonly DateTimeOffset Monday10 = DateTimeOffset.Parse("2026-11-30T02:00:00Z");

    public SettableClock Clock { get; } = new(Monday10);
    public Uri BaseAddress { get; }
    private IPlaywright? _playwright;
    public IBrowser Chromium { get; private set; } = null!;

    public WorkspaceHost()
    {
        var port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        UseKestrel(port);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
    }

    public async Task InitializeAsync()
    {
        StartServer();
        (_playwright, var browser) = await Browser.LaunchAsync();
        Chromium = browser;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Another staff member (or member) besides the demo users.</summary>
    public async Task CreateUserAsync(string userName, string role)
    {
        using var scope = Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Workflows.Persistence.Entities.AppUser>>();
        if (await users.FindByNameAsync(userName) is not null) return;
        var user = new Workflows.Persistence.Entities.AppUser { UserName = userName, DisplayName = userName };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
    }

    public async Task<HttpClient> Api(string user)
    {
        var c = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenFor(c, user));
        return c;
    }

    /// <summary>A page at 1366×768 in a Chinese browser, signed in as <paramref name="user"/>, that records console errors and failed requests.</summary>
    public async Task<WatchedPage> SignInAsync(string user, string path = "/")
    {
        var context = await Chromium.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "zh-CN", TimezoneId = "Asia/Shanghai" });
        var page = await context.NewPageAsync();
        var watched = new WatchedPage(page);
        await page.GotoAsync(new Uri(BaseAddress, path).ToString());
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#userName", user);
        await page.FillAsync("#password", Password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(u => !u.Contains("/account/login"));
        // Interactive once the circuit is up: the keyboard handler is attached in the first interactive render.
        await page.Locator("[data-interactive=true]").WaitForAsync(new() { Timeout = 30_000 });
        return watched;
    }
}

/// <summary>A browser page with its console errors and failed requests collected (both must stay empty).</summary>
public sealed class WatchedPage
{
    public IPage Page { get; }
    public List<string> Problems { get; } = [];

    public WatchedPage(IPage page)
    {
        Page = page;
        page.Console += (_, m) => { if (m.Type == "error") lock (Problems) Problems.Add("console: " + m.Text); };
        page.PageError += (_, e) => { lock (Problems) Problems.Add("page error: " + e); };
        page.RequestFailed += (_, r) =>
        {
            // A navigation away cancels the page's open requests (e.g. the circuit's long poll): not a failure.
            if (r.Failure is "net::ERR_ABORTED") return;
            lock (Problems) Problems.Add($"request failed: {r.Method} {r.Url} {r.Failure}");
        };
        page.Response += (_, r) => { if (r.Status >= 400) lock (Problems) Problems.Add($"HTTP {r.Status}: {r.Request.Method} {r.Url}"); };
    }

    public void AssertClean()
    {
        lock (Problems) Assert.True(Problems.Count == 0, "Console errors or failed requests:\n" + string.Join("\n", Problems));
    }
}
