using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;

namespace Workflows.Web.Tests;

/// <summary>
/// The back office as a real process with the designer's demo workflow (tests/Workflows.Web.Tests/StudioWorkflows), and a
/// headless Chromium, shared by the Studio browser tests and the timing measurement (one collection: they run one after
/// the other, so the timings are not disturbed by the other tests' browser).
/// </summary>
public sealed class StudioBrowser : IAsyncLifetime
{
    public const string Demo = "studio-demo";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-studio-" + Guid.NewGuid().ToString("N")[..8]);
    public BackOfficeProcess Host { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    public async Task InitializeAsync()
    {
        Host = await BackOfficeProcess.StartAsync(_data, Path.Combine(BackOfficeProcess.RepositoryRoot, "tests", "Workflows.Web.Tests", "StudioWorkflows"));
        (_playwright, Browser) = await Tests.Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        Host.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    /// <summary>A page signed in through the sign-in form as <paramref name="user"/>, showing <paramref name="path"/>.</summary>
    public async Task<IPage> SignedInPageAsync(string user, string path)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 1000 } });
        var page = await context.NewPageAsync();
        await Tests.Browser.SignInAsync(page, Host.BaseAddress, user, path);
        // Studio pages load a WebAssembly runtime: on 2 cores beside the rest of the suite the load event can take well over 30 s.
        await page.WaitForURLAsync($"**{path}", new() { Timeout = 90_000 });
        return page;
    }

    /// <summary>The Elsa Studio page framed in the shell.</summary>
    public static IFrameLocator Studio(IPage page) => page.FrameLocator("[data-testid=studio-frame]");

    /// <summary>Studio's Publish button (the cloud icon; it has no label).</summary>
    public static ILocator PublishButton(IFrameLocator frame) =>
        frame.Locator("button.mud-icon-button:has(path[d^=\"M19.35 10.04\"]) >> visible=true");

    public async Task<HttpClient> ApiAs(string user)
    {
        var client = new HttpClient { BaseAddress = Host.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(client, user));
        return client;
    }

    /// <summary>Starts an instance of the demo (as a case manager); returns its id and version.</summary>
    public async Task<(string Id, int Version)> StartDemoAsync()
    {
        using var caseManager = await ApiAs("casemanager");
        var r = await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = Demo }));
        r.EnsureSuccessStatusCode();
        var body = await r.Body();
        return (body.GetProperty("instanceId").GetString()!, body.GetProperty("version").GetInt32());
    }

    /// <summary>Completes the instance's open task as <paramref name="user"/>; returns the instance's state afterwards.</summary>
    public async Task<JsonElement> CompleteTaskAsync(string instanceId, string user)
    {
        using var api = await ApiAs(user);
        var instance = await (await api.GetAsync($"/elsa/api/workflow-instances/{instanceId}")).Body();
        var bookmark = instance.GetProperty("workflowState").GetProperty("bookmarks")[0].GetProperty("id").GetString();
        var r = await api.SendAsync(Json.Post($"/api/tasks/{bookmark}/complete", new { outcome = "Done" }, Guid.NewGuid().ToString()));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return await r.Body();
    }

    /// <summary>Runs an instance of the demo to its end, completing each task in the role it asks for.</summary>
    public async Task<string> FinishedDemoInstanceAsync()
    {
        var (id, _) = await StartDemoAsync();
        var state = await CompleteTaskAsync(id, "casemanager");
        while (state.GetProperty("status").GetString() != "Finished")
        {
            using var api = await ApiAs("auditor");
            var role = (await (await api.GetAsync($"/elsa/api/workflow-instances/{id}")).Body())
                .GetProperty("workflowState").GetProperty("bookmarks")[0].GetProperty("payload").GetProperty("role").GetString()!;
            state = await CompleteTaskAsync(id, role.ToLowerInvariant());
        }
        return id;
    }
}

[CollectionDefinition(Name)]
public sealed class StudioBrowserCollection : ICollectionFixture<StudioBrowser>
{
    public const string Name = "Elsa Studio in Chromium";
}
