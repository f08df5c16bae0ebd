using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Web.Tests;

/// <summary>
/// How long Studio takes in headless Chromium, from navigating to the shell page to (a) an interactive editor (the canvas
/// shows the workflow's activities, the toolbox and the Publish button are there) and (b) a rendered instance viewer
/// (journal steps and path badges shown). Each load is cold: a fresh browser context (empty cache), signed in.
/// The medians of five go to tests/artifacts/studio-timing.json and the test output.
/// </summary>
// A benchmark, not a test: excluded from the suite (tests/run.sh filters Category!=Benchmark); run it with
// `dotnet test tests/Workflows.Web.Tests -c Release --filter Category=Benchmark` on a quiet machine.
[Trait("Category", "Benchmark")]
[Collection(StudioBrowserCollection.Name)]
public sealed class StudioTimingTests(StudioBrowser studio, ITestOutputHelper output)
{
    private const int Runs = 5;

    [Fact]
    public async Task Page_load_to_an_interactive_editor_and_to_a_rendered_instance_viewer_median_of_five()
    {
        var instanceId = await studio.FinishedDemoInstanceAsync();
        // Baseline, same browser and host: a cold load of a plain shell page (Blazor Server, no Studio) until its data shows.
        var shell = await MeasureAsync("auditor", "/sla", page => [page.GetByTestId("sla-breaches")]);
        var editor = await MeasureAsync("analyst", $"/workflows/{StudioBrowser.Demo}", page => InStudio(page, frame =>
        [
            frame.Locator("g[data-cell-id=approve]"),
            frame.GetByText("Human tasks", new() { Exact = true }),
            StudioBrowser.PublishButton(frame),
        ]));
        var viewer = await MeasureAsync("auditor", $"/instances/{instanceId}", page => InStudio(page, frame =>
        [
            frame.Locator(".mud-timeline-item", new() { HasText = "Start - Started" }),
            frame.Locator("g[data-cell-id=approve] .mud-badge.mud-theme-success"),
        ]));

        var result = new
        {
            measuredAt = DateTimeOffset.UtcNow,
            runs = Runs,
            editorMedianMs = Median(editor),
            editorRunsMs = editor,
            viewerMedianMs = Median(viewer),
            viewerRunsMs = viewer,
            shellBaselineMedianMs = Median(shell),
            shellBaselineRunsMs = shell,
            editorOverBaseline = Math.Round((double)Median(editor) / Median(shell), 1),
            viewerOverBaseline = Math.Round((double)Median(viewer) / Median(shell), 1),
            processors = Environment.ProcessorCount,
        };
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        var artifacts = Path.Combine(BackOfficeProcess.RepositoryRoot, "tests", "artifacts");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "studio-timing.json"), json);
        // A sanity bound only (the figures are the point): a usable designer is there well within a minute.
        Assert.True(result.editorMedianMs < 60_000 && result.viewerMedianMs < 60_000, json);
    }

    private async Task<long[]> MeasureAsync(string user, string path, Func<IPage, ILocator[]> ready)
    {
        var signedIn = await studio.SignedInPageAsync(user, "/");
        var state = await signedIn.Context.StorageStateAsync();
        await signedIn.Context.CloseAsync();
        var times = new long[Runs];
        for (var i = 0; i < Runs; i++)
        {
            await using var context = await studio.Browser.NewContextAsync(new() { StorageState = state, ViewportSize = new() { Width = 1600, Height = 1000 } });
            var page = await context.NewPageAsync();
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(studio.Host.BaseAddress, path).ToString());
            foreach (var locator in ready(page))
                await Expect(locator.First).ToBeVisibleAsync(new() { Timeout = 90_000 });
            times[i] = clock.ElapsedMilliseconds;
        }
        return times;
    }

    private static ILocator[] InStudio(IPage page, Func<IFrameLocator, ILocator[]> ready) => ready(StudioBrowser.Studio(page));

    private static long Median(long[] values) => values.Order().ElementAt(values.Length / 2);
}
