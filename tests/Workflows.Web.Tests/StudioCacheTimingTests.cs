using System.Diagnostics;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Web.Tests;

/// <summary>
/// The editor's first and later visits in headless Chromium, on a business analyst's real way through the shell (issue 12: a
/// second visit to the editor is interactive in under 2 s). Each of five rounds opens a fresh browser context (empty cache,
/// signed in as analyst) and times, with the clock of the test:
/// <list type="bullet">
/// <item>first visit: from typing the address <c>/workflows</c> (a full page load) until the editor of <c>studio-demo</c>,
/// opened by a click on its row in Studio's workflow list, is interactive;</item>
/// <item>the analyst then leaves for another page of the shell (首页, through the menu) and waits there until it shows;</item>
/// <item>second visit, same workflow: from the click on 流程定义 in the menu, through the list appearing and the click on the
/// <c>studio-demo</c> row, until its editor is interactive (also given: from the row's click alone);</item>
/// <item>third visit, another workflow: the same way back (首页, then 流程定义), opening <c>studio-service-a</c>;</item>
/// <item>for comparison, a full reload of the editor's address in the same context (Studio's files come from the browser's
/// cache, but its WebAssembly runtime starts again: what every visit cost before the shell kept one Studio per tab).</item>
/// </list>
/// Interactive = the canvas shows the workflow's human or service task, Studio's toolbox ("Human tasks") and its Publish button
/// are visible. The test clicks as soon as a target is visible, so no think time is included. A measurement, not a pass/fail
/// timing: only a sanity bound is asserted. Medians and the load average go to tests/artifacts/studio-second-visit.json and the
/// test output.
/// </summary>
// A benchmark, not a test: excluded from the suite (tests/run.sh filters Category!=Benchmark); run it with
// `dotnet test tests/Workflows.Web.Tests -c Release --filter StudioCacheTimingTests` on a quiet machine.
[Trait("Category", "Benchmark")]
[Collection(StudioBrowserCollection.Name)]
public sealed class StudioCacheTimingTests(StudioBrowser studio, ITestOutputHelper output)
{
    private const int Runs = 5;

    [Fact]
    public async Task Editor_first_second_and_third_visit_through_the_shell_median_of_five()
    {
        var signedIn = await studio.SignedInPageAsync("analyst", "/");
        var state = await signedIn.Context.StorageStateAsync();
        await signedIn.Context.CloseAsync();
        var load = new List<string>();
        var first = new long[Runs];
        var second = new long[Runs];
        var secondFromRow = new long[Runs];
        var third = new long[Runs];
        var thirdFromRow = new long[Runs];
        var reload = new long[Runs];
        for (var i = 0; i < Runs; i++)
        {
            load.Add(LoadAverage());
            await using var context = await studio.Browser.NewContextAsync(new() { StorageState = state, ViewportSize = new() { Width = 1600, Height = 1000 } });
            var page = await context.NewPageAsync();
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(studio.Host.BaseAddress, "/workflows").ToString());
            await OpenFromListAsync(page, StudioBrowser.Demo, "approve", 90_000);
            first[i] = clock.ElapsedMilliseconds;

            (second[i], secondFromRow[i]) = await LeaveAndComeBackAsync(page, StudioBrowser.Demo, "approve");
            (third[i], thirdFromRow[i]) = await LeaveAndComeBackAsync(page, "studio-service-a", "call");

            clock.Restart();
            await page.ReloadAsync();
            await EditorInteractiveAsync(page, "call", 90_000);
            reload[i] = clock.ElapsedMilliseconds;
            if (i == 0) await Browser.ShotAsync(page, "studio-timing-editor-after-reload");
        }
        var result = new
        {
            measuredAt = DateTimeOffset.UtcNow,
            runs = Runs,
            what = "ms from the user's action to an interactive editor (canvas shows the task, toolbox and Publish visible); " +
                   "fresh browser context per round, analyst, headless Chromium, host as a separate process",
            firstVisitMedianMs = Median(first),
            firstVisitRunsMs = first,
            secondVisitSameWorkflowMedianMs = Median(second),
            secondVisitSameWorkflowRunsMs = second,
            secondVisitFromRowClickMedianMs = Median(secondFromRow),
            secondVisitFromRowClickRunsMs = secondFromRow,
            thirdVisitAnotherWorkflowMedianMs = Median(third),
            thirdVisitAnotherWorkflowRunsMs = third,
            thirdVisitFromRowClickMedianMs = Median(thirdFromRow),
            thirdVisitFromRowClickRunsMs = thirdFromRow,
            fullReloadWithCachedFilesMedianMs = Median(reload),
            fullReloadWithCachedFilesRunsMs = reload,
            loadAverageAtEachRound = load,
            processors = Environment.ProcessorCount,
        };
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        var artifacts = Path.Combine(BackOfficeProcess.RepositoryRoot, "tests", "artifacts");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "studio-second-visit.json"), json);
        Assert.True(result.secondVisitSameWorkflowMedianMs < 60_000, json);
    }

    /// <summary>
    /// From the editor to 首页 (waits until it shows and Studio is hidden, outside the clock), then timed: a click on 流程定义 in the
    /// menu, the row of <paramref name="definitionId"/> in Studio's list, its editor interactive. Returns (whole way, from the row).
    /// </summary>
    private async Task<(long Total, long FromRow)> LeaveAndComeBackAsync(IPage page, string definitionId, string activityId)
    {
        await page.GetByRole(AriaRole.Link, new() { Name = "首页", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "欢迎" })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=studio-frame]")).ToBeHiddenAsync();
        // No editor is left on the page to be found early.
        await Expect(StudioBrowser.Studio(page).Locator("elsa-workflow-definition-editor")).ToHaveCountAsync(0);
        var clock = Stopwatch.StartNew();
        await page.GetByRole(AriaRole.Link, new() { Name = "流程定义", Exact = true }).ClickAsync();
        var fromRow = await OpenFromListAsync(page, definitionId, activityId, 30_000);
        return (clock.ElapsedMilliseconds, fromRow);
    }

    /// <summary>Clicks the workflow's row in Studio's list as soon as it shows; returns ms from that click to an interactive editor.</summary>
    private static async Task<long> OpenFromListAsync(IPage page, string definitionId, string activityId, float timeout)
    {
        var frame = StudioBrowser.Studio(page);
        var row = frame.GetByText(definitionId, new() { Exact = true });
        await row.WaitForAsync(new() { Timeout = timeout });
        var clock = Stopwatch.StartNew();
        await row.ClickAsync();
        await page.WaitForURLAsync($"**/workflows/{definitionId}");
        await EditorInteractiveAsync(page, activityId, timeout);
        return clock.ElapsedMilliseconds;
    }

    private static async Task EditorInteractiveAsync(IPage page, string activityId, float timeout)
    {
        var frame = StudioBrowser.Studio(page);
        foreach (var locator in new[] { frame.Locator($"g[data-cell-id={activityId}]"), frame.GetByText("Human tasks", new() { Exact = true }), StudioBrowser.PublishButton(frame) })
            await Expect(locator.First).ToBeVisibleAsync(new() { Timeout = timeout });
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static long Median(long[] values) => values.Order().ElementAt(values.Length / 2);
}
