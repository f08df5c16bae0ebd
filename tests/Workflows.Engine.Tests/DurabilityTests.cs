using Workflows.Engine.Activities;
using Microsoft.Data.Sqlite;
using Workflows.Engine.Runtime;
using Workflows.Persistence;

namespace Workflows.Engine.Tests;

public sealed class DurabilityTests : IDisposable
{
    private readonly EngineHarness _h = new();
    public void Dispose() => _h.Dispose();

    private Task PublishForkAsync() => _h.PublishAsync(new Flow("two-tasks")
        .Add("fork", "Elsa.FlowFork", ("Branches", "Literal", """["A","B"]"""))
        .Task("a", "Call member").Task("b", "Collect documents")
        .Add("join", "Elsa.FlowJoin", ("Mode", "Literal", "WaitAll"))
        .Task("after", "Book")
        .Connect("fork", "A", "a").Connect("fork", "B", "b").Connect("a", "Done", "join").Connect("b", "Done", "join").Connect("join", "Done", "after").Build());

    [Fact]
    public async Task A_retried_command_with_the_same_idempotency_key_runs_once()
    {
        await PublishForkAsync();
        var started = await _h.StartAsync("two-tasks", key: "start-1");
        var replayedStart = await _h.StartAsync("two-tasks", key: "start-1");
        Assert.Equal(started.InstanceId, replayedStart.InstanceId);
        Assert.True(replayedStart.Replayed);

        var a = started.Bookmarks.Single(b => b.ActivityId == "a").Id;
        var first = await _h.CompleteAsync(a, key: "done-a");
        var journalLength = (await _h.InstanceAsync(started.InstanceId)).JournalSequence;
        var second = await _h.CompleteAsync(a, key: "done-a");

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Bookmarks.Select(b => b.Id), second.Bookmarks.Select(b => b.Id));
        Assert.Equal(journalLength, (await _h.InstanceAsync(started.InstanceId)).JournalSequence);
        await Assert.ThrowsAsync<IdempotencyKeyException>(() => _h.CompleteAsync(started.Bookmarks.Single(b => b.ActivityId == "b").Id, key: "done-a"));
        await Assert.ThrowsAsync<BookmarkClosedException>(() => _h.CompleteAsync(a, key: "another-key"));
    }

    [Fact]
    public async Task Concurrent_resumes_of_one_instance_exactly_one_wins_and_nothing_is_lost()
    {
        await PublishForkAsync();
        // Both commands read the instance before either commits (the barrier holds each commit until both have run
        // their step), so they truly race on the same revision.
        var racing = new RacingStore(_h.Store, participants: 2);
        var runtime = new WorkflowRuntime(racing, _h.Registry, _h.Evaluator, _h.Clock, EngineHarness.NoServices, new WorkflowRuntimeOptions(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<WorkflowRuntime>.Instance);
        for (var round = 0; round < 10; round++)
        {
            var started = await _h.StartAsync("two-tasks");
            var a = started.Bookmarks.Single(b => b.ActivityId == "a").Id;
            var b = started.Bookmarks.Single(b => b.ActivityId == "b").Id;

            var outcomes = await Task.WhenAll(new[] { a, b }.Select(id => Task.Run(async () =>
            {
                try { return (id, result: await runtime.ResumeAsync(id, new ResumeInput(), EngineHarness.Tester, Guid.NewGuid().ToString()), error: (Exception?)null); }
                catch (Exception e) { return (id, result: (StepResult?)null, error: e); }
            })));

            var winner = Assert.Single(outcomes, o => o.result is not null);
            var loser = Assert.Single(outcomes, o => o.error is not null);
            Assert.IsType<ConcurrencyConflictException>(loser.error);
            Assert.Contains("was not applied", loser.error!.Message);

            // The loser's command was not applied and can simply be retried.
            var final = await _h.CompleteAsync(loser.id);
            Assert.Equal(["after"], final.Bookmarks.Select(x => x.ActivityId));
            var journal = await _h.Store.GetJournalAsync(started.InstanceId);
            Assert.Equal(2, journal.Count(e => e.EventName == JournalEvents.BookmarkResumed));
            Assert.True((await _h.Store.VerifyJournalAsync(started.InstanceId)).IsValid);
        }
    }

    [Fact]
    public async Task Many_parallel_completions_of_the_same_task_complete_it_once()
    {
        await PublishForkAsync();
        var started = await _h.StartAsync("two-tasks");
        var a = started.Bookmarks.Single(b => b.ActivityId == "a").Id;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try { await _h.CompleteAsync(a); return null; }
            catch (Exception e) { return e; }
        })));
        Assert.Single(outcomes, e => e is null);
        Assert.All(outcomes.Where(e => e is not null), e => Assert.True(e is ConcurrencyConflictException or BookmarkClosedException, e!.ToString()));
        Assert.Single(await _h.Store.GetJournalAsync(started.InstanceId), e => e.EventName == JournalEvents.BookmarkResumed);
    }

    /// <summary>The real store, with commits held at a barrier until every participant reached it.</summary>
    private sealed class RacingStore(IWorkflowStore inner, int participants) : IWorkflowStore
    {
        private readonly Barrier _barrier = new(participants);
        public Task<string?> GetPublishedVersionIdAsync(string d, CancellationToken ct = default) => inner.GetPublishedVersionIdAsync(d, ct);
        public Task<Workflows.Engine.Model.WorkflowDefinition?> GetDefinitionVersionAsync(string v, CancellationToken ct = default) => inner.GetDefinitionVersionAsync(v, ct);
        public Task<WorkflowInstance?> LoadInstanceAsync(string i, CancellationToken ct = default) => inner.LoadInstanceAsync(i, ct);
        public Task<WorkflowInstance?> LoadInstanceByBookmarkAsync(string b, CancellationToken ct = default) => inner.LoadInstanceByBookmarkAsync(b, ct);
        public Task<bool> WasBookmarkClosedAsync(string b, CancellationToken ct = default) => inner.WasBookmarkClosedAsync(b, ct);
        public Task<StoredCommand?> FindCommandAsync(string k, CancellationToken ct = default) => inner.FindCommandAsync(k, ct);
        public async Task CommitAsync(StepCommit commit, CancellationToken ct = default)
        {
            await Task.Run(() => _barrier.SignalAndWait(TimeSpan.FromSeconds(10)), ct);
            await inner.CommitAsync(commit, ct);
        }
        public Task<IReadOnlyList<Bookmark>> GetDueTimersAsync(DateTimeOffset now, int take, CancellationToken ct = default) => inner.GetDueTimersAsync(now, take, ct);
        public Task<IReadOnlyList<Bookmark>> FindEventBookmarksAsync(string e, string? k, CancellationToken ct = default) => inner.FindEventBookmarksAsync(e, k, ct);
        public Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string i, CancellationToken ct = default) => inner.GetJournalAsync(i, ct);
    }

    [Fact]
    public async Task Bookmarks_survive_a_new_runtime_on_the_same_file()
    {
        await PublishForkAsync();
        var started = await _h.StartAsync("two-tasks");
        _h.NewRuntime(); // as after a process restart: nothing cached, everything read from the file
        SqliteConnection.ClearAllPools();
        await _h.CompleteAsync(started.Bookmarks[0].Id);
        var done = await _h.CompleteAsync(started.Bookmarks[1].Id);
        Assert.Equal(["after"], done.Bookmarks.Select(b => b.ActivityId));
    }

    /// <summary>The forms a value can take in stored or served text: raw, JSON-escaped (\uXXXX) and URL-encoded.</summary>
    private static IEnumerable<string> Forms(string value) =>
    [
        value,
        string.Concat(value.Select(c => c < 128 ? c.ToString() : $"\\u{(int)c:X4}")),
        Uri.EscapeDataString(value),
        System.Text.Json.JsonSerializer.Serialize(value).Trim('"'),
    ];

    [Fact]
    public async Task The_journal_records_actor_version_time_and_redacted_data_and_is_append_only()
    {
        await _h.PublishAsync(new Flow("pii")
            .Add("t", "Workflows.HumanTask", ("Title", "Literal", "Call"), ("ResultVariable", "Literal", "call"))
            .Task("next", "Next").Connect("t", "Done", "next").Build());
        var r = await _h.StartAsync("pii");
        await _h.Runtime.ResumeAsync(r.Bookmarks[0].Id, new ResumeInput("Done", new() { ["phone"] = "13812345678", ["diagnosis"] = "骨转移", ["note"] = "已联系上 reached" }),
            new Actor("zhang.wei", "Specialist"), "k1");

        var journal = await _h.Store.GetJournalAsync(r.InstanceId);
        var resumed = journal.Single(e => e.EventName == JournalEvents.BookmarkResumed);
        Assert.Equal(("zhang.wei", "Specialist", 1), (resumed.ActorId, resumed.ActorRole, resumed.Version));
        Assert.Equal(_h.Clock.GetUtcNow(), resumed.Timestamp);
        // Searched where it is stored (the PayloadJson column as written) and as the API serialises it, in every form
        // the value could take: raw, JSON-escaped (\uXXXX, either case) and URL-encoded. The control value, under a
        // key that is not sensitive, must be found in the same text: a search that cannot find it proves nothing.
        string stored;
        await using (var raw = await _h.Db.OpenConnectionAsync())
        await using (var q = raw.CreateCommand())
        {
            q.SetSql("SELECT PayloadJson FROM JournalEntries WHERE InstanceId = @i");
            q.AddWithValue("@i", r.InstanceId);
            var rows = new List<string>();
            await using (var reader = await q.ExecuteReaderAsync())
                while (await reader.ReadAsync()) if (!reader.IsDBNull(0)) rows.Add(reader.GetString(0));
            stored = string.Join("\n", rows);
        }
        var text = stored + "\n" + string.Join("\n", journal.Select(e => e.Payload?.ToJsonString()));
        foreach (var secret in new[] { "13812345678", "骨转移" })
            foreach (var form in Forms(secret))
                Assert.DoesNotContain(form, text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Forms("已联系上"), form => text.Contains(form, StringComparison.OrdinalIgnoreCase));

        // Append-only on either provider (SQLite: a RAISE(ABORT) trigger; PostgreSQL: a trigger function raising).
        await using var c = await _h.Db.OpenConnectionAsync();
        await using var cmd = c.CreateCommand();
        cmd.SetSql("UPDATE JournalEntries SET ActorId = 'x' WHERE InstanceId = @i");
        cmd.AddWithValue("@i", r.InstanceId);
        var e = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => cmd.ExecuteNonQueryAsync());
        Assert.Contains("append-only", e.Message);
        cmd.SetSql("DELETE FROM JournalEntries WHERE InstanceId = @i");
        Assert.Contains("append-only", (await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => cmd.ExecuteNonQueryAsync())).Message);
    }
}
