using System.Net;
using System.Xml.Linq;

namespace Workflows.Web.Tests;

/// <summary>Chinese first with an English switch: resources complete in both languages, the cookie switch, no culture leak.</summary>
public sealed class LocalizationTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private static IEnumerable<string> ResourcePairs() =>
        Directory.EnumerateFiles(Path.Combine(BackOfficeProcess.RepositoryRoot, "src", "Workflows.Web"), "*.resx", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => !f.EndsWith(".en.resx"));

    private static Dictionary<string, string> Keys(string file) =>
        XDocument.Load(file).Root!.Elements("data").ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")?.Value ?? "");

    [Fact]
    public void Every_text_has_a_Chinese_and_an_English_version()
    {
        var pairs = ResourcePairs().ToList();
        Assert.NotEmpty(pairs);
        foreach (var zhFile in pairs)
        {
            var enFile = zhFile[..^".resx".Length] + ".en.resx";
            Assert.True(File.Exists(enFile), $"{enFile} is missing");
            var zh = Keys(zhFile);
            var en = Keys(enFile);
            Assert.Empty(zh.Keys.Except(en.Keys));
            Assert.Empty(en.Keys.Except(zh.Keys));
            foreach (var (key, text) in zh)
            {
                Assert.False(string.IsNullOrWhiteSpace(text), $"{Path.GetFileName(zhFile)}: {key} is empty");
                Assert.False(string.IsNullOrWhiteSpace(en[key]), $"{Path.GetFileName(enFile)}: {key} is empty");
                // Placeholders must match, or a format call throws in one language only.
                Assert.Equal(Placeholders(text), Placeholders(en[key]));
            }
        }
    }

    private static string Placeholders(string s) =>
        string.Join(",", System.Text.RegularExpressions.Regex.Matches(s, @"\{(\d+)[^}]*\}").Select(m => m.Groups[1].Value).Distinct().Order());

    [Fact]
    public async Task Pages_are_Chinese_by_default_and_English_after_the_switch_whatever_the_browser_asks_for()
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en-US,en;q=0.9");
        var page = WebUtility.HtmlDecode(await client.GetStringAsync("/account/login"));
        Assert.Contains("用户名", page);
        Assert.Contains("<html lang=\"zh-CN\"", page);

        var switched = await client.GetAsync("/account/culture/en?returnUrl=%2Faccount%2Flogin");
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/account/login", switched.Headers.Location!.OriginalString);
        page = WebUtility.HtmlDecode(await client.GetStringAsync("/account/login"));
        Assert.Contains("User name", page);
        Assert.DoesNotContain("用户名", page);

        // Only local return addresses: anything else goes home.
        var offsite = await client.GetAsync("/account/culture/zh-CN?returnUrl=https%3A%2F%2Fevil.example%2F");
        Assert.Equal("/", offsite.Headers.Location!.OriginalString);
        var slashes = await client.GetAsync("/account/culture/zh-CN?returnUrl=%2F%2Fevil.example%2F");
        Assert.Equal("/", slashes.Headers.Location!.OriginalString);
        page = WebUtility.HtmlDecode(await client.GetStringAsync("/account/login"));
        Assert.Contains("用户名", page);
    }

    [Fact]
    public void Dates_are_shown_in_Shanghai_time_with_the_Chinese_weekday()
    {
        var previous = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = new("zh-CN");
            var instant = new DateTimeOffset(2026, 11, 30, 1, 5, 0, TimeSpan.Zero); // 09:05 in Shanghai, a Monday
            Assert.Equal("2026-11-30 09:05", Workflows.Web.Components.Display.Time(instant));
            Assert.Equal("2026-11-30 周一 09:05", Workflows.Web.Components.Display.TimeWithWeekday(instant));
            Assert.Equal("剩余 3小时05分", Workflows.Web.Components.Display.Remaining(TimeSpan.FromMinutes(185)));
            Assert.Equal("已超时 40分钟", Workflows.Web.Components.Display.Remaining(TimeSpan.FromMinutes(-40)));
            Assert.Equal("¥1,234.00", Workflows.Web.Components.Display.Money(1234m));
            System.Globalization.CultureInfo.CurrentUICulture = new("en");
            Assert.Equal("2026-11-30 Mon 09:05", Workflows.Web.Components.Display.TimeWithWeekday(instant));
            Assert.Equal("3 h 05 min left", Workflows.Web.Components.Display.Remaining(TimeSpan.FromMinutes(185)));
        }
        finally { System.Globalization.CultureInfo.CurrentUICulture = previous; }
    }
}
