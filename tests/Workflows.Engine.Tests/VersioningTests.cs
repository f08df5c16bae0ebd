using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Engine.Tests;

public sealed class VersioningTests : IDisposable
{
    private readonly EngineHarness _h = new();
    public void Dispose() => _h.Dispose();

    private static WorkflowDefinition Version(string title) =>
        new Flow("svc", "Escort service").Task("t", title).Build();

    [Fact]
    public async Task Drafts_publish_retract_revert_and_running_instances_stay_on_their_version()
    {
        using var ctx = _h.NewContext();
        var store = _h.Definitions(ctx);

        var v1 = await store.SaveDraftAsync(Version("Call v1"), Actor.System);
        Assert.Equal((1, false, true), (v1.Version, v1.IsPublished, v1.IsLatest));
        var again = await store.SaveDraftAsync(WorkflowJson.Deserialize(v1.Json), Actor.System);
        Assert.Equal(v1.Id, again.Id); // an unpublished draft is edited in place
        await store.PublishAsync("svc", Actor.System);

        var old = await _h.StartAsync("svc");
        Assert.Equal(1, old.Version);

        var edited = WorkflowJson.Deserialize((await store.GetLatestAsync("svc"))!.Json);
        edited.Root.Activities![0].SetInput("Title", new InputValue { Expression = Expression.Literal("Call v2") });
        var v2 = await store.SaveDraftAsync(edited, new Actor("ba", "Analyst"));
        Assert.Equal(2, v2.Version);
        Assert.Equal(1, (await store.GetPublishedAsync("svc"))!.Version); // v1 still serves new instances until v2 is published
        Assert.Equal(1, (await _h.StartAsync("svc")).Version);

        var (published, already) = await store.PublishAsync("svc", new Actor("ba", "Analyst"));
        Assert.False(already);
        Assert.Equal(2, published.Version);
        var versions = await store.VersionsAsync("svc");
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.Single(versions, v => v.IsPublished);
        Assert.Single(versions, v => v.IsLatest);

        var fresh = await _h.StartAsync("svc");
        Assert.Equal(2, fresh.Version);
        Assert.Equal("Call v2", fresh.Bookmarks[0].Name);

        // The instance started on v1 finishes on v1.
        var finished = await _h.CompleteAsync(old.Bookmarks[0].Id);
        Assert.Equal(WorkflowStatus.Finished, finished.Status);
        Assert.Equal(1, finished.Version);
        Assert.All(await _h.Store.GetJournalAsync(old.InstanceId), e => Assert.Equal(1, e.Version));

        var reverted = await store.RevertAsync("svc", 1, new Actor("ba", "Analyst"));
        Assert.Equal((3, false), (reverted.Version, reverted.IsPublished));
        Assert.Equal("Call v1", WorkflowJson.Deserialize(reverted.Json).Root.Activities![0].GetInput("Title")!.Expression!.Value!.ToString());
        Assert.Equal(2, (await store.GetPublishedAsync("svc"))!.Version);

        await store.RetractAsync("svc", Actor.System);
        Assert.Null(await store.GetPublishedAsync("svc"));
        await Assert.ThrowsAsync<WorkflowNotFoundException>(() => _h.StartAsync("svc"));
    }

    [Fact]
    public async Task Publishing_an_invalid_draft_is_refused_and_keeps_the_published_version()
    {
        using var ctx = _h.NewContext();
        var store = _h.Definitions(ctx);
        await store.PublishAsync((await store.SaveDraftAsync(Version("ok"), Actor.System)).DefinitionId, Actor.System);
        var broken = Version("broken");
        broken.Root.Connections!.Add(new Connection { Source = new() { Activity = broken.Root.Activities![0].Id, Port = "Done" }, Target = new() { Activity = "gone" } });
        await store.SaveDraftAsync(broken, Actor.System); // a draft may be incomplete

        var e = await Assert.ThrowsAsync<WorkflowValidationException>(() => store.PublishAsync("svc", Actor.System));
        Assert.Contains("'gone', which does not exist", e.Message);
        Assert.Equal(1, (await store.GetPublishedAsync("svc"))!.Version);
    }

    [Fact]
    public async Task A_draft_with_an_activity_type_the_engine_does_not_know_is_not_saved()
    {
        using var ctx = _h.NewContext();
        var store = _h.Definitions(ctx);
        await store.SaveDraftAsync(Version("ok"), Actor.System);
        var unknown = Version("unknown");
        unknown.Root.Activities!.Add(new ActivityNode { Id = "z", Type = "Acme.Unknown" });

        var e = await Assert.ThrowsAsync<WorkflowValidationException>(() => store.SaveDraftAsync(unknown, Actor.System));
        Assert.Equal("Activity 'z' (z) has unknown type 'Acme.Unknown'.", e.Message);
        Assert.DoesNotContain("Acme.Unknown", (await store.GetLatestAsync("svc"))!.Json);
    }

    [Fact]
    public async Task Names_are_unique_across_definitions()
    {
        using var ctx = _h.NewContext();
        var store = _h.Definitions(ctx);
        await store.SaveDraftAsync(Version("a"), Actor.System);
        var other = new Flow("other", "Escort service").Task("t", "x").Build();
        await Assert.ThrowsAsync<DefinitionConflictException>(() => store.SaveDraftAsync(other, Actor.System));
    }

    [Fact]
    public async Task File_import_is_a_no_op_when_unchanged_and_a_new_published_version_when_changed()
    {
        using var ctx = _h.NewContext();
        var store = _h.Definitions(ctx);

        Assert.Equal(ImportOutcome.Created, await store.ImportFromFileAsync(Version("from file")));
        Assert.Equal(ImportOutcome.Unchanged, await store.ImportFromFileAsync(Version("from file")));

        // An analyst publishes v2 in the designer; restarting with the same file must not clobber it.
        var edited = WorkflowJson.Deserialize((await store.GetLatestAsync("svc"))!.Json);
        edited.Description = "analyst's change";
        await store.PublishAsync((await store.SaveDraftAsync(edited, new Actor("ba", "Analyst"))).DefinitionId, Actor.System);
        Assert.Equal(ImportOutcome.Unchanged, await store.ImportFromFileAsync(Version("from file")));
        Assert.Equal(2, (await store.GetPublishedAsync("svc"))!.Version);

        Assert.Equal(ImportOutcome.NewVersion, await store.ImportFromFileAsync(Version("file changed")));
        var published = (await store.GetPublishedAsync("svc"))!;
        Assert.Equal((3, DefinitionStore.SourceFile), (published.Version, published.Source));
    }

    [Fact]
    public async Task Saving_assigns_missing_node_ids()
    {
        using var ctx = _h.NewContext();
        var d = Version("x");
        d.Root.NodeId = null;
        d.Root.Activities![0].NodeId = null;
        var saved = WorkflowJson.Deserialize((await _h.Definitions(ctx).SaveDraftAsync(d, Actor.System)).Json);
        Assert.Equal("Workflow1:flowchart1", saved.Root.NodeId);
        Assert.Equal("Workflow1:flowchart1:t", saved.Root.Activities![0].NodeId);
    }
}
