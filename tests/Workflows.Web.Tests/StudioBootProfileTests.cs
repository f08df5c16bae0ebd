using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Web.Tests;

/// <summary>
/// Where a full load of the editor goes when Studio's files are already in the browser's cache (the second visit as it was
/// before the shell kept one Studio per tab, and still a reload or a new tab): per round, a first load, then the same address
/// again in the same browser context, printing on one time line (ms from the shell page's start) the frame's script start,
/// Studio's custom elements being defined (= the .NET WebAssembly runtime and Studio's assemblies started), Studio's element
/// added, the canvas drawn; every file and API call with its start, end and bytes transferred (0: from the cache); our
/// server's own time for each call (the host's request log); and Studio's console. A diagnostic, not a test:
/// `dotnet test tests/Workflows.Web.Tests -c Release --filter StudioBootProfileTests --logger "console;verbosity=detailed"`.
/// </summary>
[Trait("Category", "Benchmark")]
[Collection(StudioBrowserCollection.Name)]
public sealed class StudioBootProfileTests(StudioBrowser studio, ITestOutputHelper output)
{
    private const string Probe = """
        (() => {
          if (window.top === window) return;
          const t = (name) => { (window.__probe ||= []).push([name, performance.now()]); };
          t('frame-script');
          const define = customElements.define.bind(customElements);
          customElements.define = (name, ...rest) => { t('define ' + name); return define(name, ...rest); };
          document.addEventListener('DOMContentLoaded', () => t('DOMContentLoaded'));
          const obs = new MutationObserver(() => {
            if (!window.__g && document.querySelector('g[data-cell-id=approve]')) { window.__g = 1; t('canvas approve'); }
            if (!window.__e && document.querySelector('elsa-workflow-definition-editor')) { window.__e = 1; t('element appended'); }
          });
          document.addEventListener('DOMContentLoaded', () => obs.observe(document.body, { childList: true, subtree: true }));
          let blazor; Object.defineProperty(window, 'Blazor', { configurable: true, get() { return blazor; }, set(v) {
            blazor = v; if (v && v.start && !v.__wrapped) { const s = v.start.bind(v); v.start = async (...a) => { t('Blazor.start called'); const r = await s(...a); t('Blazor.start resolved'); return r; }; v.__wrapped = 1; } } });
        })();
        """;

    [Fact]
    public async Task Where_the_second_visit_goes()
    {
        var signedIn = await studio.SignedInPageAsync("analyst", "/");
        var state = await signedIn.Context.StorageStateAsync();
        await signedIn.Context.CloseAsync();
        var url = new Uri(studio.Host.BaseAddress, $"/workflows/{StudioBrowser.Demo}").ToString();
        for (var i = 0; i < 3; i++)
        {
            await using var context = await studio.Browser.NewContextAsync(new() { StorageState = state, ViewportSize = new() { Width = 1600, Height = 1000 } });
            await context.AddInitScriptAsync(Probe);
            var page = await context.NewPageAsync();
            var console = new List<string>();
            var clock = Stopwatch.StartNew();
            page.Console += (_, m) => console.Add($"{clock.ElapsedMilliseconds,6} {m.Type}: {m.Text}");
            await LoadAsync(page, url);
            await page.GotoAsync("about:blank");
            var mark = studio.Host.Output.Length;
            console.Clear();
            clock.Restart();
            var total = await LoadAsync(page, url);
            output.WriteLine($"=== round {i}: second visit {total} ms (load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            var shellNav = await page.EvaluateAsync<JsonElement>("() => { const n = performance.getEntriesByType('navigation')[0]; return { origin: performance.timeOrigin, dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd, resp: n.responseEnd }; }");
            output.WriteLine($"shell: {shellNav}");
            var frame = page.Frames.First(f => f.Url.Contains("/studio/"));
            var data = await frame.EvaluateAsync<JsonElement>("""
                () => ({
                  origin: performance.timeOrigin,
                  probe: window.__probe,
                  res: performance.getEntriesByType('resource').map(r => [r.name.replace(location.origin, ''), Math.round(r.startTime), Math.round(r.responseEnd), r.transferSize, r.encodedBodySize])
                })
                """);
            var frameOrigin = data.GetProperty("origin").GetDouble() - shellNav.GetProperty("origin").GetDouble();
            output.WriteLine($"frame timeOrigin at +{frameOrigin:0} ms of the shell's");
            foreach (var p in data.GetProperty("probe").EnumerateArray())
                output.WriteLine($"  probe {p[1].GetDouble() + frameOrigin,7:0}  {p[0]}");
            long transferred = 0; var count = 0; double lastFramework = 0;
            foreach (var r in data.GetProperty("res").EnumerateArray())
            {
                var name = r[0].GetString()!;
                transferred += r[3].GetInt64(); count++;
                if (name.Contains("_framework")) lastFramework = Math.Max(lastFramework, r[2].GetDouble());
                if (name.Contains("/elsa/api") || name.Contains("/api/") || r[3].GetInt64() > 0)
                    output.WriteLine($"  res {r[1].GetDouble() + frameOrigin,7:0}..{r[2].GetDouble() + frameOrigin,7:0} tx={r[3],8} {name}");
            }
            output.WriteLine($"  {count} resources, {transferred} bytes transferred; last _framework file at {lastFramework + frameOrigin:0}");
            foreach (var line in studio.Host.Output[mark..].Split('\n').Where(l => l.Contains("/elsa/api") || l.Contains("/api/auth") || l.Contains("/studio/?")))
                output.WriteLine("  server " + Regex.Replace(line.Trim(), "\\s+", " "));
            foreach (var c in console) output.WriteLine("  console " + c);
        }
    }

    private static async Task<long> LoadAsync(IPage page, string url)
    {
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(url);
        var frame = StudioBrowser.Studio(page);
        foreach (var locator in new[] { frame.Locator("g[data-cell-id=approve]"), frame.GetByText("Human tasks", new() { Exact = true }), StudioBrowser.PublishButton(frame) })
            await Expect(locator.First).ToBeVisibleAsync(new() { Timeout = 90_000 });
        return clock.ElapsedMilliseconds;
    }
}
