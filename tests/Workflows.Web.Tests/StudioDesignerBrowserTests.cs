using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Workflows.Web.Tests;

/// <summary>
/// The designer cannot publish breakage (issue 12), in a real headless Chromium against the real host: dropdown inputs show
/// and save their options; a script edit survives a reload; a publish with a broken script is refused, naming the input, in
/// Studio's snackbar. Each test has its own workflow (StudioWorkflows/studio-service-a|b.json: a service task with a role
/// and service hours). Screenshots: tests/artifacts/screenshots/studio-designer-*.png.
/// </summary>
[Collection(StudioBrowserCollection.Name)]
public sealed class StudioDesignerBrowserTests(StudioBrowser studio)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Slow = new() { Timeout = 90_000 };

    [Fact]
    public async Task An_analyst_changes_a_tasks_role_and_service_hours_through_the_dropdowns_and_publishes_them()
    {
        const string id = "studio-service-a";
        using var analyst = await studio.ApiAs("analyst");
        var (page, frame) = await OpenTaskAsync(id);

        // The dropdowns list their options (not an empty list) and show the stored value.
        var role = Dropdown(frame, "Role");
        await Expect(role).ToHaveTextAsync("Specialist");
        await role.ClickAsync();
        await Expect(Option(frame, "CaseManager")).ToBeVisibleAsync();
        await Expect(Option(frame, "Admin")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "studio-designer-01-role-dropdown-lists-its-options");
        await Option(frame, "CaseManager").ClickAsync();
        await Expect(role).ToHaveTextAsync("CaseManager");

        var hours = Dropdown(frame, "Hours");
        await Expect(hours).ToHaveTextAsync("OfficeDay");
        await hours.ClickAsync();
        await Option(frame, "HospitalDay").ClickAsync();
        await Expect(hours).ToHaveTextAsync("HospitalDay");
        await WaitForAsync(async () => Literals(await DefinitionAsync(analyst, id)) == ("CaseManager", "HospitalDay"), "the autosaved role and hours");

        await StudioBrowser.PublishButton(frame).ClickAsync();
        Assert.Contains("published", await SnackbarAsync(page, frame, "studio-designer-02-published-the-new-role-and-hours"), StringComparison.OrdinalIgnoreCase);
        var published = await DefinitionAsync(analyst, id, "published");
        Assert.Equal(2, published.GetProperty("version").GetInt32());
        Assert.Equal(("CaseManager", "HospitalDay"), Literals(published));

        // After a reload the dropdowns show the saved values.
        await page.ReloadAsync();
        frame = StudioBrowser.Studio(page);
        await SelectTaskAsync(frame);
        await Expect(Dropdown(frame, "Role")).ToHaveTextAsync("CaseManager", new() { Timeout = 30_000 });
        await Expect(Dropdown(frame, "Hours")).ToHaveTextAsync("HospitalDay");
        await Browser.ShotAsync(page, "studio-designer-03-dropdowns-after-reload");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_script_edit_survives_a_reload_and_a_publish_with_a_broken_script_is_refused_naming_the_input()
    {
        const string id = "studio-service-b";
        using var analyst = await studio.ApiAs("analyst");
        var (page, frame) = await OpenTaskAsync(id);

        // Switch the service hours to JavaScript and write the known bad script: a bare name instead of the text.
        var hours = InputRow(frame, "Hours");
        await hours.Locator(".mud-menu button").First.ClickAsync();
        await frame.Locator(".studio-expression-input-menu-item >> visible=true", new() { HasText = "JavaScript" }).ClickAsync();
        await TypeScriptAsync(page, hours, "HospitalDay");
        await WaitForAsync(async () => Hours(await DefinitionAsync(analyst, id)) == ("JavaScript", "HospitalDay"), "the autosaved script");
        await Browser.ShotAsync(page, "studio-designer-04-script-written");

        // After a reload the editor shows the script, as JavaScript.
        await page.ReloadAsync();
        frame = StudioBrowser.Studio(page);
        await SelectTaskAsync(frame);
        hours = InputRow(frame, "Hours");
        await Expect(hours.Locator(".monaco-editor .view-lines")).ToHaveTextAsync("HospitalDay", new() { Timeout = 30_000 });
        await Expect(hours.Locator(".mud-menu button").First).ToContainTextAsync("JavaScript");
        await Browser.ShotAsync(page, "studio-designer-05-script-after-reload");

        // Publishing is refused, naming the activity and the input; version 1 stays the published one.
        await StudioBrowser.PublishButton(frame).ClickAsync();
        var refusal = await SnackbarAsync(page, frame, "studio-designer-06-publish-refused-names-the-input");
        Assert.Contains("Activity 'Call 致电' (call), input 'Hours'", refusal);
        Assert.Contains("HospitalDay is not defined", refusal);
        Assert.Equal(1, (await DefinitionAsync(analyst, id, "published")).GetProperty("version").GetInt32());

        // The script that gives the option as text publishes.
        await TypeScriptAsync(page, hours, "'HospitalDay'");
        await WaitForAsync(async () => Hours(await DefinitionAsync(analyst, id)) == ("JavaScript", "'HospitalDay'"), "the corrected script");
        await StudioBrowser.PublishButton(frame).ClickAsync();
        Assert.Contains("published", await SnackbarAsync(page, frame, "studio-designer-07-corrected-script-published"), StringComparison.OrdinalIgnoreCase);
        var published = await DefinitionAsync(analyst, id, "published");
        Assert.Equal((2, ("JavaScript", "'HospitalDay'")), (published.GetProperty("version").GetInt32(), Hours(published)));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_refused_run_shows_why()
    {
        // Analysts design; starting cases is for case managers and administrators, so the back office refuses the analyst's ▶.
        var page = await studio.SignedInPageAsync("analyst", "/workflows/studio-service-a");
        var frame = StudioBrowser.Studio(page);
        await Expect(StudioBrowser.PublishButton(frame)).ToBeVisibleAsync(Slow);
        await frame.Locator("button.mud-icon-button:has(path[d=\"M8 5v14l11-7z\"]) >> visible=true").First.ClickAsync();
        var notice = frame.Locator("#studio-notice[role=alert]");
        await Expect(notice).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Expect(notice).ToContainTextAsync("无法启动 · The workflow cannot be started");
        await Expect(notice).ToContainTextAsync("Your role may not do this");
        await Browser.ShotAsync(page, "studio-designer-08-refused-run-says-why");
        await notice.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(notice).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    private async Task<(IPage, IFrameLocator)> OpenTaskAsync(string id)
    {
        var page = await studio.SignedInPageAsync("analyst", $"/workflows/{id}");
        var frame = StudioBrowser.Studio(page);
        await Expect(StudioBrowser.PublishButton(frame)).ToBeVisibleAsync(Slow);
        await SelectTaskAsync(frame);
        return (page, frame);
    }

    private static async Task SelectTaskAsync(IFrameLocator frame)
    {
        var call = frame.Locator("g[data-cell-id=call]");
        await Expect(call).ToBeVisibleAsync(Slow);
        await call.ClickAsync();
        await Expect(InputRow(frame, "Hours")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    /// <summary>One input of the selected activity: its editor and its syntax menu.</summary>
    private static ILocator InputRow(IFrameLocator frame, string label) =>
        frame.Locator("div.flex-row[role=group]").Filter(new() { Has = frame.Locator($"label.mud-input-label:text-is(\"{label}\")") }).Last;

    private static ILocator Dropdown(IFrameLocator frame, string label) =>
        frame.Locator($".mud-select-extended:has(legend:text-is(\"{label}\")) .mud-input-slot[tabindex=\"0\"]");

    private static ILocator Option(IFrameLocator frame, string value) =>
        frame.Locator($"[role=option][aria-label=\"{value}\"] >> visible=true");

    /// <summary>Replaces the script in the input's code editor by typing, as a person does.</summary>
    private static async Task TypeScriptAsync(IPage page, ILocator row, string script)
    {
        var editor = row.Locator(".monaco-editor .view-lines");
        await Expect(editor).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.PressAsync("Delete");
        await page.Keyboard.TypeAsync(script, new() { Delay = 20 });
        await Expect(editor).ToHaveTextAsync(script);
    }

    private static async Task<JsonElement> DefinitionAsync(HttpClient analyst, string id, string version = "latest") =>
        await (await analyst.GetAsync($"/api/workflow-definitions/{id}?version={version}")).Body();

    private static JsonElement Task(JsonElement definition) =>
        definition.GetProperty("root").GetProperty("activities").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "call");

    private static (string?, string?) Literals(JsonElement definition) =>
        (Task(definition).GetProperty("role").GetProperty("expression").GetProperty("value").GetString(),
         Task(definition).GetProperty("hours").GetProperty("expression").GetProperty("value").GetString());

    private static (string?, string?) Hours(JsonElement definition)
    {
        var e = Task(definition).GetProperty("hours").GetProperty("expression");
        return (e.GetProperty("type").GetString(), e.GetProperty("value").GetString());
    }

    private static async Task<string> SnackbarAsync(IPage page, IFrameLocator frame, string shot)
    {
        var snackbar = frame.Locator(".mud-snackbar").Last;
        await Expect(snackbar).ToBeVisibleAsync(new() { Timeout = 20_000 });
        var text = await snackbar.InnerTextAsync();
        await Browser.ShotAsync(page, shot);
        await snackbar.Locator("button").ClickAsync();
        return text;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await System.Threading.Tasks.Task.Delay(250))
            if (await condition()) return;
        throw new TimeoutException($"Timed out waiting for {what}.");
    }
}
