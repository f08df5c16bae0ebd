using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>Debian's Chromium, headless, driven by Playwright; screenshots go to tests/artifacts/screenshots.</summary>
public static class Browser
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static string ScreenshotDirectory
    {
        get
        {
            var dir = Path.Combine(BackOfficeProcess.RepositoryRoot, "tests", "artifacts", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: run tests/run.sh, which installs Debian's chromium.");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public static async Task SignInAsync(IPage page, Uri baseAddress, string user, string path)
    {
        await page.GotoAsync(new Uri(baseAddress, path).ToString());
        await page.WaitForURLAsync("**/account/login**");
        await page.FillAsync("#userName", user);
        await page.FillAsync("#password", BackOfficeFactory.Password);
        await page.ClickAsync("button[type=submit]");
    }
}

/// <summary>A test class with the real host as a separate process, in its own data folder, and a headless Chromium.</summary>
public abstract class BrowserAgainstHost : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-ui-" + Guid.NewGuid().ToString("N")[..8]);
    private IPlaywright _playwright = null!;
    protected BackOfficeProcess Host { get; private set; } = null!;
    protected IBrowser Chromium { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await BackOfficeProcess.StartAsync(_data);
        (_playwright, var browser) = await Browser.LaunchAsync();
        Chromium = browser;
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        _playwright.Dispose();
        Host.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
