using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Web.Tests;

/// <summary>
/// Elsa Studio in the back office, in a real headless Chromium against the real host: an analyst changes and publishes a
/// workflow in the designer; an auditor reads a finished instance in the viewer and cannot edit. Screenshots go to
/// tests/artifacts/screenshots/studio-*.png.
/// </summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class StudioBrowserTests(StudioBrowser studio)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 90_000 };

    /// <summary>The message in Studio's snackbar, photographed as <paramref name="shot"/> before it is closed.</summary>
    private static async Task<string> SnackbarAsync(IPage page, IFrameLocator frame, string shot)
    {
        var snackbar = frame.Locator(".mud-snackbar").Last;
        await Expect(snackbar).ToBeVisibleAsync(new() { Timeout = 20_000 });
        var text = await snackbar.InnerTextAsync();
        await Browser.ShotAsync(page, shot);
        await snackbar.Locator("button").ClickAsync(); // close it: it covers the toolbar
        return text;
    }

    private static async Task<JsonElement> LatestDemoAsync(HttpClient analyst, string version = "latest") =>
        await (await analyst.GetAsync($"/api/workflow-definitions/{StudioBrowser.Demo}?version={version}")).Body();

    [Fact]
    public async Task An_analyst_drags_connects_and_fills_in_a_step_publishes_it_and_new_instances_run_it_while_an_older_one_finishes_on_its_version()
    {
        var older = await studio.StartDemoAsync();
        Assert.Equal(1, older.Version);
        using var analyst = await studio.ApiAs("analyst");

        var page = await studio.SignedInPageAsync("analyst", "/workflows");
        var frame = StudioBrowser.Studio(page);
        await frame.GetByText(StudioBrowser.Demo, new() { Exact = true }).ClickAsync(new() { Timeout = 90_000 });
        await page.WaitForURLAsync($"**/workflows/{StudioBrowser.Demo}");
        var approve = frame.Locator("g[data-cell-id=approve]");
        await Expect(approve).ToBeVisibleAsync(Slow);
        await Expect(StudioBrowser.PublishButton(frame)).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "studio-01-analyst-opens-the-workflow");

        // Drag a Human Task from the toolbox to the canvas, below "Approve".
        await frame.GetByText("Human tasks", new() { Exact = true }).ClickAsync();
        var canvas = frame.Locator(".x6-graph-svg").First;
        var canvasBox = (await canvas.BoundingBoxAsync())!;
        var approveBox = (await approve.BoundingBoxAsync())!;
        await frame.Locator("[draggable=true]", new() { HasText = "Human Task" }).First.DragToAsync(canvas, new()
        {
            TargetPosition = new() { X = approveBox.X + 40 - canvasBox.X, Y = approveBox.Y + 150 - canvasBox.Y },
        });
        await Expect(frame.Locator(".x6-node")).ToHaveCountAsync(3);
        var added = (await frame.Locator(".x6-node").EvaluateAllAsync<string[]>("ns => ns.map(n => n.getAttribute('data-cell-id'))"))
            .Single(id => id is not "start" and not "approve");

        // Connect Approve's Done port to the new step's In port.
        var from = (await approve.Locator(".x6-port-out .elsa-designer-port-hit-area").First.BoundingBoxAsync())!;
        var to = (await frame.Locator($"g[data-cell-id=\"{added}\"] .x6-port-in .elsa-designer-port-hit-area").First.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(to.X + to.Width / 2, to.Y + to.Height / 2, new() { Steps = 15 });
        await page.Mouse.UpAsync();
        await Expect(frame.Locator(".x6-edge")).ToHaveCountAsync(2);
        await Browser.ShotAsync(page, "studio-02-analyst-dropped-and-connected-a-step");

        // Publishing without the step's required title is refused, naming the step; v1 stays the published version.
        await StudioBrowser.PublishButton(frame).ClickAsync();
        var refusal = await SnackbarAsync(page, frame, "studio-03-publish-refused-names-the-step");
        Assert.Contains($"({added}): required input 'Title' has no value", refusal);
        Assert.Equal(1, (await LatestDemoAsync(analyst, "published")).GetProperty("version").GetInt32());

        // Fill in the title; autosave stores the draft.
        var title = frame.Locator(".mud-input-control:has(legend:text-is(\"Title\")) input[type=text]").First;
        await title.FillAsync("Second check 复核");
        await title.PressAsync("Tab");
        await WaitForAsync(async () => (await LatestDemoAsync(analyst)).GetRawText().Contains("Second check"), "the autosaved title");
        await StudioBrowser.PublishButton(frame).ClickAsync();
        Assert.Contains("published", await SnackbarAsync(page, frame, "studio-04-analyst-published-version-2"), StringComparison.OrdinalIgnoreCase);

        var published = await LatestDemoAsync(analyst, "published");
        Assert.Equal(2, published.GetProperty("version").GetInt32());
        var step = published.GetProperty("root").GetProperty("activities").EnumerateArray().Single(a => a.GetProperty("id").GetString() == added);
        Assert.Equal("Second check 复核", step.GetProperty("title").GetProperty("expression").GetProperty("value").GetString());
        Assert.Equal($"Workflow1:flowchart1:{added}", step.GetProperty("nodeId").GetString());
        Assert.True(step.GetProperty("metadata").GetProperty("designer").GetProperty("position").GetProperty("x").GetDouble() > 0);
        Assert.Contains(published.GetProperty("root").GetProperty("connections").EnumerateArray(),
            c => c.GetProperty("source").GetProperty("activity").GetString() == "approve" && c.GetProperty("target").GetProperty("activity").GetString() == added);

        // After a reload the editor shows what was saved.
        await page.ReloadAsync();
        await Expect(StudioBrowser.Studio(page).Locator($"g[data-cell-id=\"{added}\"]")).ToBeVisibleAsync(Slow);
        await Expect(StudioBrowser.Studio(page).Locator(".x6-edge")).ToHaveCountAsync(2);
        await Browser.ShotAsync(page, "studio-05-editor-after-reload");

        // A new instance runs version 2 (its approval leads to the new step); the older one finishes on version 1.
        var newer = await studio.StartDemoAsync();
        Assert.Equal(2, newer.Version);
        var newerState = await studio.CompleteTaskAsync(newer.Id, "casemanager");
        Assert.Equal(("Suspended", "Second check 复核"), (newerState.GetProperty("subStatus").GetString(), newerState.GetProperty("bookmarks")[0].GetProperty("name").GetString()));
        var olderState = await studio.CompleteTaskAsync(older.Id, "casemanager");
        Assert.Equal(("Finished", 1), (olderState.GetProperty("subStatus").GetString(), olderState.GetProperty("version").GetInt32()));
        Assert.Equal("Finished", (await studio.CompleteTaskAsync(newer.Id, "specialist")).GetProperty("subStatus").GetString());
        await page.Context.CloseAsync();

        // The viewer shows each instance on its own version: the older one without the new step, the newer one with it.
        var auditor = await studio.SignedInPageAsync("auditor", $"/instances/{older.Id}");
        var viewer = StudioBrowser.Studio(auditor);
        await Expect(viewer.Locator("g[data-cell-id=approve] .mud-badge.mud-theme-success")).ToBeVisibleAsync(Slow);
        await Expect(viewer.Locator(".x6-node")).ToHaveCountAsync(2);
        await Browser.ShotAsync(auditor, "studio-08-older-instance-on-version-1");
        await auditor.GotoAsync(new Uri(studio.Host.BaseAddress, $"/instances/{newer.Id}").ToString());
        viewer = StudioBrowser.Studio(auditor);
        await Expect(viewer.Locator($"g[data-cell-id=\"{added}\"] .mud-badge.mud-theme-success")).ToHaveTextAsync("1", new() { Timeout = 90_000 });
        await Expect(viewer.Locator(".x6-node")).ToHaveCountAsync(3);
        await Browser.ShotAsync(auditor, "studio-09-newer-instance-on-version-2");
        await auditor.Context.CloseAsync();
    }

    [Fact]
    public async Task An_auditor_opens_a_finished_instance_reads_its_journal_and_path_badges_and_gets_the_designer_read_only()
    {
        var instanceId = await studio.FinishedDemoInstanceAsync();
        var page = await studio.SignedInPageAsync("auditor", "/instances");
        var frame = StudioBrowser.Studio(page);
        await frame.GetByText(instanceId).ClickAsync(new() { Timeout = 90_000 });
        await page.WaitForURLAsync($"**/instances/{instanceId}");

        var journal = frame.Locator(".mud-timeline-item");
        await Expect(journal.Filter(new() { HasText = "Start - Started" })).ToBeVisibleAsync(Slow);
        await Expect(journal.Filter(new() { HasText = "Human Task 人工任务 - Completed" }).First).ToBeVisibleAsync();
        var steps = await journal.AllInnerTextsAsync();
        Assert.True(steps.Count >= 6, string.Join(" | ", steps));
        // Path badges: each activity that ran shows how often it completed.
        foreach (var node in new[] { "start", "approve" })
            await Expect(frame.Locator($"g[data-cell-id={node}] .mud-badge.mud-theme-success")).ToHaveTextAsync("1");
        await Browser.ShotAsync(page, "studio-06-auditor-viewer-journal-and-path-badges");

        await page.GotoAsync(new Uri(studio.Host.BaseAddress, $"/workflows/{StudioBrowser.Demo}").ToString());
        frame = StudioBrowser.Studio(page);
        await Expect(frame.Locator("g[data-cell-id=approve]")).ToBeVisibleAsync(Slow);
        await Expect(frame.GetByText("read-only mode")).ToBeVisibleAsync();
        await Expect(StudioBrowser.PublishButton(frame)).ToHaveCountAsync(0);
        await Browser.ShotAsync(page, "studio-07-auditor-designer-read-only");
        await page.Context.CloseAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(250))
            if (await condition()) return;
        throw new TimeoutException($"Timed out waiting for {what}.");
    }
}
