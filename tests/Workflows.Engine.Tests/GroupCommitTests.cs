using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

/// <summary>
/// Steps that reach the single writer (SQLite) together are committed in one transaction, each in a savepoint of its own:
/// the writer is held while a mix of commands queues up (new starts, a start retried with the same idempotency key, three
/// completions of one task, completions of other tasks), then released, and every command ends as if it had committed
/// alone: one instance per distinct start, the retried start answered with the first one's instance, exactly one of the
/// racing completions applied and the others refused with nothing written, every journal chain intact. On PostgreSQL
/// (many writers, no grouping) the same outcomes hold.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly EngineHarness _h = new();
    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Steps_committed_in_one_group_keep_their_own_outcomes()
    {
        await _h.PublishAsync(new Flow("one-task").Task("a", "Call member").Task("b", "Book").Connect("a", "Done", "b").Build());
        var earlier = new List<StepResult>();
        for (var i = 0; i < 4; i++) earlier.Add(await _h.StartAsync("one-task"));
        var contested = earlier[0].Bookmarks.Single().Id;

        var arrived = 0;
        var release = new TaskCompletionSource();
        // Hold the writer (SQLite: every commit queues behind it) until all commands have handed their step to the store.
        var holding = _h.Connections.WriteAsync(async _ => { await release.Task; return 0; }, CancellationToken.None);
        var runtime = new WorkflowRuntime(new CountingStore(_h.Store, () => Interlocked.Increment(ref arrived)), _h.Registry, _h.Evaluator, _h.Clock,
            EngineHarness.NoServices, new WorkflowRuntimeOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkflowRuntime>.Instance);

        async Task<(string Kind, StepResult? Result, Exception? Error)> Run(string kind, Func<Task<StepResult>> command)
        {
            try { return (kind, await command(), null); }
            catch (Exception e) { return (kind, null, e); }
        }
        var commands = new List<Task<(string Kind, StepResult? Result, Exception? Error)>>();
        for (var i = 0; i < 12; i++)
            commands.Add(Task.Run(() => Run("start", () => runtime.StartAsync("one-task", null, EngineHarness.Tester))));
        for (var i = 0; i < 2; i++)
            commands.Add(Task.Run(() => Run("keyed", () => runtime.StartAsync("one-task", null, EngineHarness.Tester, idempotencyKey: "same-start"))));
        for (var i = 0; i < 3; i++)
            commands.Add(Task.Run(() => Run("contested", () => runtime.ResumeAsync(contested, new ResumeInput(), EngineHarness.Tester, Guid.NewGuid().ToString("N")))));
        foreach (var other in earlier.Skip(1))
            commands.Add(Task.Run(() => Run("other", () => runtime.ResumeAsync(other.Bookmarks.Single().Id, new ResumeInput(), EngineHarness.Tester, Guid.NewGuid().ToString("N")))));

        // Every command has reached the store (on SQLite its step now waits in the queue behind the held writer).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref arrived) < commands.Count && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(200);
        release.SetResult();
        await holding;
        var outcomes = await Task.WhenAll(commands);

        if (_h.Connections.SingleWriter)
            Assert.True(_h.Store.LargestCommitGroup >= 10, $"the queued steps were committed together (largest group {_h.Store.LargestCommitGroup})");

        var starts = outcomes.Where(o => o.Kind == "start").ToList();
        Assert.All(starts, o => Assert.Null(o.Error));
        Assert.Equal(12, starts.Select(o => o.Result!.InstanceId).Distinct().Count());

        // The same key twice: one instance; the second start is either the first's replay or told it is in flight (retry replays).
        var keyed = outcomes.Where(o => o.Kind == "keyed").ToList();
        Assert.Single(keyed, o => o.Result is { Replayed: false });
        var keyedInstance = keyed.Single(o => o.Result is { Replayed: false }).Result!.InstanceId;
        var retried = await _h.Runtime.StartAsync("one-task", null, EngineHarness.Tester, idempotencyKey: "same-start");
        Assert.True(retried.Replayed);
        Assert.Equal(keyedInstance, retried.InstanceId);

        var contestedOutcomes = outcomes.Where(o => o.Kind == "contested").ToList();
        Assert.Single(contestedOutcomes, o => o.Error is null);
        Assert.All(contestedOutcomes.Where(o => o.Error is not null),
            o => Assert.True(o.Error is ConcurrencyConflictException or BookmarkClosedException, o.Error!.ToString()));
        Assert.Single(await _h.Store.GetJournalAsync(earlier[0].InstanceId), e => e.EventName == JournalEvents.BookmarkResumed);

        Assert.All(outcomes.Where(o => o.Kind == "other"), o => Assert.Null(o.Error));
        foreach (var id in outcomes.Where(o => o.Result is not null).Select(o => o.Result!.InstanceId).Concat(earlier.Select(e => e.InstanceId)).Distinct())
            Assert.True((await _h.Store.VerifyJournalAsync(id)).IsValid, $"journal of {id}");
        foreach (var e in earlier)
            Assert.Equal(["b"], (await _h.InstanceAsync(e.InstanceId)).Bookmarks.Select(b => b.ActivityId));
        // Nothing of a refused step was written: 4 earlier + 12 starts + 1 keyed start.
        using var ctx = _h.NewContext();
        Assert.Equal(17, ctx.Instances.Count());
    }

    /// <summary>The real store; counts the commits that reached it.</summary>
    private sealed class CountingStore(IWorkflowStore inner, Action arrived) : IWorkflowStore
    {
        public Task<string?> GetPublishedVersionIdAsync(string d, CancellationToken ct = default) => inner.GetPublishedVersionIdAsync(d, ct);
        public Task<Workflows.Engine.Model.WorkflowDefinition?> GetDefinitionVersionAsync(string v, CancellationToken ct = default) => inner.GetDefinitionVersionAsync(v, ct);
        public Task<WorkflowInstance?> LoadInstanceAsync(string i, CancellationToken ct = default) => inner.LoadInstanceAsync(i, ct);
        public Task<WorkflowInstance?> LoadInstanceByBookmarkAsync(string b, CancellationToken ct = default) => inner.LoadInstanceByBookmarkAsync(b, ct);
        public Task<bool> WasBookmarkClosedAsync(string b, CancellationToken ct = default) => inner.WasBookmarkClosedAsync(b, ct);
        public Task<StoredCommand?> FindCommandAsync(string k, CancellationToken ct = default) => inner.FindCommandAsync(k, ct);
        public Task CommitAsync(StepCommit commit, CancellationToken ct = default)
        {
            var committing = inner.CommitAsync(commit, ct); // on SQLite the step is queued before this returns
            arrived();
            return committing;
        }
        public Task<IReadOnlyList<Bookmark>> GetDueTimersAsync(DateTimeOffset now, int take, CancellationToken ct = default) => inner.GetDueTimersAsync(now, take, ct);
        public Task<IReadOnlyList<Bookmark>> FindEventBookmarksAsync(string e, string? k, CancellationToken ct = default) => inner.FindEventBookmarksAsync(e, k, ct);
        public Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string i, CancellationToken ct = default) => inner.GetJournalAsync(i, ct);
    }
}
