using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Web.Tests;

/// <summary>
/// One Elsa Studio per tab (issue 12, the editor's second visit): the shell keeps Studio's frame, and with it Studio's
/// WebAssembly runtime, across its own navigations; moving between Studio pages switches the view inside the running Studio.
/// A mark set in the frame's window survives every step below only if the frame's page was never loaded again.
/// </summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class StudioDockBrowserTests(StudioBrowser studio)
{
    [Fact]
    public async Task Analyst_moves_between_list_editor_and_other_pages_with_one_studio_runtime()
    {
        var page = await studio.SignedInPageAsync("analyst", "/workflows");
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        var frame = StudioBrowser.Studio(page);
        await frame.GetByText(StudioBrowser.Demo, new() { Exact = true }).WaitForAsync(new() { Timeout = 90_000 });
        await page.EvaluateAsync("() => { window.shellMark = 'kept'; }");
        await StudioWindow(page).EvaluateAsync("() => { window.studioMark = 'kept'; }");

        // From the list to the editor: the shell's address changes, its page and Studio's stay.
        await frame.GetByText(StudioBrowser.Demo, new() { Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"**/workflows/{StudioBrowser.Demo}");
        await EditorReadyAsync(frame, "approve");
        await AssertOneRuntimeAsync(page);
        await Browser.ShotAsync(page, "studio-dock-01-editor-from-the-list");

        // Another page of the shell: Studio is hidden and its editor gone (nothing of it runs or polls meanwhile).
        await page.GetByRole(AriaRole.Link, new() { Name = "首页" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Expect(page.Locator("[data-testid=studio-frame]")).ToBeHiddenAsync();
        await Expect(frame.Locator("elsa-workflow-definition-editor")).ToHaveCountAsync(0);
        await Expect(frame.Locator("body")).ToHaveAttributeAsync("data-studio-view", "none");
        await Browser.ShotAsync(page, "studio-dock-02-home-studio-hidden");

        // Back through the menu, another workflow: the list, then its editor, in the same Studio.
        await page.GetByRole(AriaRole.Link, new() { Name = "流程定义" }).ClickAsync();
        await page.WaitForURLAsync("**/workflows");
        await frame.GetByText("studio-service-a", new() { Exact = true }).ClickAsync(new() { Timeout = 30_000 });
        await page.WaitForURLAsync("**/workflows/studio-service-a");
        await Expect(frame.Locator("elsa-workflow-definition-editor")).ToHaveAttributeAsync("definition-id", "studio-service-a");
        await Expect(StudioBrowser.PublishButton(frame).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await AssertOneRuntimeAsync(page);
        await Browser.ShotAsync(page, "studio-dock-03-second-workflow-same-runtime");

        // The browser's Back and Forward move the shell (Studio adds no history entries of its own), and Studio follows.
        await page.GoBackAsync();
        await page.WaitForURLAsync("**/workflows");
        await Expect(frame.Locator("elsa-workflow-definition-list")).ToHaveCountAsync(1);
        await page.GoForwardAsync();
        await page.WaitForURLAsync("**/workflows/studio-service-a");
        await Expect(frame.Locator("elsa-workflow-definition-editor")).ToHaveAttributeAsync("definition-id", "studio-service-a");
        await AssertOneRuntimeAsync(page);

        // The shell's own back button, then the first workflow again.
        await page.GetByRole(AriaRole.Link, new() { Name = "返回流程定义" }).ClickAsync();
        await page.WaitForURLAsync("**/workflows");
        await frame.GetByText(StudioBrowser.Demo, new() { Exact = true }).ClickAsync(new() { Timeout = 30_000 });
        await page.WaitForURLAsync($"**/workflows/{StudioBrowser.Demo}");
        await EditorReadyAsync(frame, "approve");
        await Expect(frame.Locator("elsa-workflow-definition-editor")).ToHaveCountAsync(1);
        await AssertOneRuntimeAsync(page);
        // No unhandled error in Studio along the way.
        lock (errors) Assert.True(!errors.Any(e => e.Contains("Unhandled", StringComparison.OrdinalIgnoreCase)), string.Join("\n", errors));
        await Expect(frame.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await Browser.ShotAsync(page, "studio-dock-04-first-workflow-again");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Auditor_opens_an_instance_from_the_list_and_the_workflow_from_the_viewer_in_one_runtime()
    {
        var instanceId = await studio.FinishedDemoInstanceAsync();
        var page = await studio.SignedInPageAsync("auditor", "/instances");
        var frame = StudioBrowser.Studio(page);
        await frame.GetByText(instanceId).WaitForAsync(new() { Timeout = 90_000 });
        await page.EvaluateAsync("() => { window.shellMark = 'kept'; }");
        await StudioWindow(page).EvaluateAsync("() => { window.studioMark = 'kept'; }");

        await frame.GetByText(instanceId).ClickAsync();
        await page.WaitForURLAsync($"**/instances/{instanceId}");
        await Expect(frame.Locator(".mud-timeline-item", new() { HasText = "Start - Started" }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await AssertOneRuntimeAsync(page);
        await Browser.ShotAsync(page, "studio-dock-05-auditor-viewer-from-the-list");

        // The audit page (not Studio), then the instance list again through the menu.
        await page.GetByRole(AriaRole.Link, new() { Name = "审计", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/audit");
        await Expect(page.Locator("[data-testid=studio-frame]")).ToBeHiddenAsync();
        await Expect(frame.Locator("elsa-workflow-instance-viewer")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "流程实例" }).ClickAsync();
        await page.WaitForURLAsync("**/instances");
        await Expect(frame.Locator("elsa-workflow-instance-list")).ToHaveCountAsync(1);
        await frame.GetByText(instanceId).ClickAsync(new() { Timeout = 30_000 });
        await page.WaitForURLAsync($"**/instances/{instanceId}");
        await Expect(frame.Locator("g[data-cell-id=approve] .mud-badge.mud-theme-success").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await AssertOneRuntimeAsync(page);
        await page.Context.CloseAsync();
    }

    /// <summary>The window of the page in Studio's frame.</summary>
    private static IFrame StudioWindow(IPage page) => page.Frames.Single(f => new Uri(f.Url).AbsolutePath.StartsWith("/studio/", StringComparison.Ordinal));

    /// <summary>Neither the shell's page nor Studio's was loaded again since the marks were set.</summary>
    private static async Task AssertOneRuntimeAsync(IPage page)
    {
        Assert.Equal("kept", await page.EvaluateAsync<string?>("() => window.shellMark ?? null"));
        Assert.Equal("kept", await StudioWindow(page).EvaluateAsync<string?>("() => window.studioMark ?? null"));
        await Expect(page.Locator("[data-testid=studio-frame]")).ToHaveCountAsync(1);
    }

    private static async Task EditorReadyAsync(IFrameLocator frame, string activityId)
    {
        foreach (var locator in new[] { frame.Locator($"g[data-cell-id={activityId}]"), frame.GetByText("Human tasks", new() { Exact = true }), StudioBrowser.PublishButton(frame) })
            await Expect(locator.First).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }
}
