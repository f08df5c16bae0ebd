using System.Text.Json;
using System.Text.Json.Nodes;
using System.Data.Common;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Stores;

/// <summary>
/// The runtime's store, on SQLite or PostgreSQL (<see cref="StoreConnections"/>). The hot path (load an instance, commit a
/// step) uses the ADO.NET driver directly with prepared statements and one write transaction per step (SQLite: BEGIN
/// IMMEDIATE on the single writer; PostgreSQL: READ COMMITTED, many writers at once: the revision check and the unique
/// command key keep concurrent steps apart); the schema is EF Core's (see <see cref="WorkflowsDbContext"/>).
/// </summary>
public sealed class WorkflowStore(StoreConnections connections, IEnumerable<IStepEffectHandler> effectHandlers,
    IEnumerable<IStepCommitObserver> observers, Tasks.TaskChangeFeed? taskFeed = null) : IWorkflowStore
{
    private readonly Dictionary<string, IStepEffectHandler> _handlers = effectHandlers.SelectMany(h => h.Types.Select(t => (t, h))).ToDictionary(x => x.t, x => x.h);
    private readonly IStepCommitObserver[] _observers = observers.ToArray();

    public WorkflowStore(StoreConnections connections) : this(connections, [], []) { }
    public WorkflowStore(StoreConnections connections, IEnumerable<IStepEffectHandler> effectHandlers) : this(connections, effectHandlers, []) { }

    private static readonly JsonSerializerOptions Json = WorkflowJson.Options;

    public Task<string?> GetPublishedVersionIdAsync(string definitionId, CancellationToken ct = default) =>
        connections.ReadAsync(async c => await c.Command("SELECT Id FROM WorkflowDefinitions WHERE DefinitionId = @id AND IsPublished = @yes LIMIT 1", null,
            ("@id", definitionId), ("@yes", true)).ExecuteScalarAsync(ct) as string);

    public Task<WorkflowDefinition?> GetDefinitionVersionAsync(string versionId, CancellationToken ct = default) =>
        connections.ReadAsync(async c => await c.Command("SELECT Json FROM WorkflowDefinitions WHERE Id = @id", null, ("@id", versionId))
            .ExecuteScalarAsync(ct) is string json ? WorkflowJson.Deserialize(json) : null);

    public Task<WorkflowInstance?> LoadInstanceAsync(string instanceId, CancellationToken ct = default) =>
        connections.ReadAsync(c => LoadInstanceAsync(c, instanceId, ct));

    public Task<WorkflowInstance?> LoadInstanceByBookmarkAsync(string bookmarkId, CancellationToken ct = default) =>
        connections.ReadAsync(c => LoadInstanceAsync(c, bookmarkId, ct, byBookmark: true));

    private const string InstanceColumns = """
        SELECT i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.Name, i.CorrelationId, i.Status, i.SubStatus, i.StateJson, i.IncidentJson,
               i.Revision, i.JournalSequence, i.LastJournalHash, i.CreatedAt, i.UpdatedAt, i.FinishedAt
        """;

    private static async Task<WorkflowInstance?> LoadInstanceAsync(PreparedConnection c, string id, CancellationToken ct, bool byBookmark = false)
    {
        WorkflowInstance instance;
        await using (var r = await (byBookmark
            ? c.Command(InstanceColumns + " FROM Bookmarks b JOIN WorkflowInstances i ON i.Id = b.InstanceId WHERE b.Id = @id", null, ("@id", id))
            : c.Command(InstanceColumns + " FROM WorkflowInstances i WHERE i.Id = @id", null, ("@id", id))).ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct)) return null;
            instance = new WorkflowInstance
            {
                Id = r.GetString(0),
                DefinitionId = r.GetString(1),
                DefinitionVersionId = r.GetString(2),
                Version = r.GetInt32(3),
                Name = Str(r, 4),
                CorrelationId = Str(r, 5),
                Status = Enum.Parse<WorkflowStatus>(r.GetString(6)),
                SubStatus = Enum.Parse<WorkflowSubStatus>(r.GetString(7)),
                State = JsonSerializer.Deserialize<InstanceState>(r.GetString(8), Json) ?? new InstanceState(),
                Incident = r.IsDBNull(9) ? null : JsonSerializer.Deserialize<Incident>(r.GetString(9), Json),
                Revision = r.GetInt64(10),
                JournalSequence = r.GetInt64(11),
                LastJournalHash = r.GetString(12),
                CreatedAt = Instant(r.GetInt64(13)),
                UpdatedAt = Instant(r.GetInt64(14)),
                FinishedAt = r.IsDBNull(15) ? null : Instant(r.GetInt64(15)),
            };
        }
        instance.Bookmarks = await ReadBookmarks(c.Command(BookmarkSelect + " WHERE InstanceId = @id ORDER BY CreatedAt", null, ("@id", instance.Id)), ct);
        return instance;
    }

    public Task<bool> WasBookmarkClosedAsync(string bookmarkId, CancellationToken ct = default) =>
        connections.ReadAsync(async c => await c.Command(
            "SELECT 1 FROM JournalEntries WHERE BookmarkId = @id AND EventName IN ('BookmarkResumed','BookmarkCancelled') LIMIT 1", null,
            ("@id", bookmarkId)).ExecuteScalarAsync(ct) is not null);

    public Task<StoredCommand?> FindCommandAsync(string idempotencyKey, CancellationToken ct = default) =>
        connections.ReadAsync(async c =>
        {
            await using var r = await c.Command("SELECT Key, Fingerprint, InstanceId, ResultJson FROM CommandKeys WHERE Key = @k", null, ("@k", idempotencyKey))
                .ExecuteReaderAsync(ct);
            return await r.ReadAsync(ct) ? new StoredCommand(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)) : null;
        });

    /// <summary>
    /// One step in one IMMEDIATE transaction: the guarded instance write (its row count is the optimistic-concurrency check),
    /// the idempotency key, bookmark changes and journal rows, each through a statement prepared once per connection.
    /// </summary>
    public async Task CommitAsync(StepCommit commit, CancellationToken ct = default)
    {
        var taskChanges = await CommitStepAsync(commit, ct);
        foreach (var o in _observers) o.OnCommitted(commit);
        if (taskChanges.Count > 0) taskFeed?.Publish(taskChanges);
    }

    private Task<List<Tasks.TaskChange>> CommitStepAsync(StepCommit commit, CancellationToken ct) =>
        connections.SingleWriter ? CommitGroupedAsync(commit) : connections.WriteAsync(c =>
        {
            var tx = c.Dialect.Begin(c);
            try
            {
                var taskChanges = WriteStep(c, tx, commit);
                c.Dialect.Commit(c, tx);
                return Task.FromResult(taskChanges);
            }
            catch
            {
                c.Dialect.Rollback(c, tx);
                throw;
            }
        }, ct);

    /// <summary>
    /// Everything one step writes, inside the open transaction <paramref name="tx"/>: the idempotency record, the guarded
    /// instance write (its row count is the optimistic-concurrency check), bookmarks, journal, tasks, the effects and the
    /// observers' rows. Throws to refuse the step; the caller rolls back what it wrote.
    /// </summary>
    private List<Tasks.TaskChange> WriteStep(PreparedConnection c, DbTransaction? tx, StepCommit commit)
    {
        var i = commit.Instance;
        var dialect = c.Dialect;
        var step = new StepTransaction(c, tx, commit);
        if (commit.Command is { } k)
        {
            try
            {
                c.Command("INSERT INTO CommandKeys (Key, Fingerprint, InstanceId, ResultJson, CreatedAt) VALUES (@k, @f, @i, @r, @t)", tx,
                    ("@k", k.Key), ("@f", k.Fingerprint), ("@i", k.InstanceId), ("@r", k.ResultJson), ("@t", k.CreatedAt.UtcTicks)).ExecuteNonQuery();
            }
            catch (Exception e) when (dialect.IsDuplicateKey(e))
            {
                throw new DuplicateCommandException(k.Key);
            }
        }
        var state = JsonSerializer.Serialize(i.State, Json);
        var incident = i.Incident is null ? null : JsonSerializer.Serialize(i.Incident, Json);
        if (i.IsNew)
        {
            c.Command("""
                INSERT INTO WorkflowInstances (Id, DefinitionId, DefinitionVersionId, Version, Name, CorrelationId, Status, SubStatus, StateJson, IncidentJson,
                    Revision, JournalSequence, LastJournalHash, CreatedAt, UpdatedAt, FinishedAt)
                VALUES (@id, @def, @ver, @v, @name, @corr, @st, @sub, @state, @inc, @rev, @seq, @hash, @created, @updated, @finished)
                """, tx, ("@id", i.Id), ("@def", i.DefinitionId), ("@ver", i.DefinitionVersionId), ("@v", i.Version), ("@name", i.Name),
                ("@corr", i.CorrelationId), ("@st", i.Status.ToString()), ("@sub", i.SubStatus.ToString()), ("@state", state), ("@inc", incident),
                ("@rev", i.Revision), ("@seq", i.JournalSequence), ("@hash", i.LastJournalHash), ("@created", i.CreatedAt.UtcTicks),
                ("@updated", i.UpdatedAt.UtcTicks), ("@finished", i.FinishedAt?.UtcTicks)).ExecuteNonQuery();
        }
        else
        {
            var rows = c.Command("""
                UPDATE WorkflowInstances SET Status = @st, SubStatus = @sub, StateJson = @state, IncidentJson = @inc, Revision = @rev,
                    JournalSequence = @seq, LastJournalHash = @hash, UpdatedAt = @updated, FinishedAt = @finished,
                    DefinitionVersionId = @ver, Version = @v
                WHERE Id = @id AND Revision = @expected
                """, tx, ("@id", i.Id), ("@ver", i.DefinitionVersionId), ("@v", i.Version), ("@st", i.Status.ToString()), ("@sub", i.SubStatus.ToString()), ("@state", state), ("@inc", incident),
                ("@rev", i.Revision), ("@seq", i.JournalSequence), ("@hash", i.LastJournalHash), ("@updated", i.UpdatedAt.UtcTicks),
                ("@finished", i.FinishedAt?.UtcTicks), ("@expected", commit.ExpectedRevision)).ExecuteNonQuery();
            if (rows == 0) throw new ConcurrencyConflictException(i.Id);
        }
        foreach (var id in commit.RemovedBookmarkIds)
            c.Command("DELETE FROM Bookmarks WHERE Id = @id", tx, ("@id", id)).ExecuteNonQuery();
        foreach (var b in commit.CreatedBookmarks)
            c.Command("""
                INSERT INTO Bookmarks (Id, InstanceId, ActivityId, ActivityNodeId, ActivityType, ActivityInstanceId, Kind, Name, CorrelationKey, ResumeAt, PayloadJson, CreatedAt)
                VALUES (@id, @inst, @act, @node, @type, @ai, @kind, @name, @corr, @at, @payload, @created)
                """, tx, ("@id", b.Id), ("@inst", b.InstanceId), ("@act", b.ActivityId), ("@node", b.ActivityNodeId), ("@type", b.ActivityType),
                ("@ai", b.ActivityInstanceId), ("@kind", b.Kind), ("@name", b.Name), ("@corr", b.CorrelationKey), ("@at", b.ResumeAt?.UtcTicks),
                ("@payload", b.Payload?.ToJsonString(Json)), ("@created", b.CreatedAt.UtcTicks)).ExecuteNonQuery();
        foreach (var e in commit.Journal)
            c.Command("""
                INSERT INTO JournalEntries (InstanceId, Sequence, Timestamp, EventName, ActivityId, ActivityNodeId, ActivityType, ActivityName, ActivityInstanceId,
                    BookmarkId, DefinitionVersionId, Version, ActorId, ActorRole, Message, PayloadJson, PreviousHash, Hash)
                VALUES (@inst, @seq, @ts, @ev, @act, @node, @type, @name, @ai, @bm, @ver, @v, @actor, @role, @msg, @payload, @prev, @hash)
                """, tx, ("@inst", e.InstanceId), ("@seq", e.Sequence), ("@ts", e.Timestamp.UtcTicks), ("@ev", e.EventName), ("@act", e.ActivityId),
                ("@node", e.ActivityNodeId), ("@type", e.ActivityType), ("@name", e.ActivityName), ("@ai", e.ActivityInstanceId), ("@bm", e.BookmarkId),
                ("@ver", e.DefinitionVersionId), ("@v", e.Version), ("@actor", e.ActorId), ("@role", e.ActorRole), ("@msg", e.Message),
                ("@payload", e.Payload?.ToJsonString(Json)), ("@prev", e.PreviousHash), ("@hash", e.Hash)).ExecuteNonQuery();
        // The task table follows the task bookmarks in the same transaction.
        var taskChanges = commit.CreatedBookmarks.Count == 0 && commit.RemovedBookmarkIds.Count == 0
            ? NoTaskChanges
            : Tasks.TaskWriter.Write(step, commit, i.UpdatedAt);
        foreach (var effect in commit.Effects ?? [])
        {
            if (!_handlers.TryGetValue(effect.Type, out var handler))
                throw new InvalidOperationException($"No handler for effect '{effect.Type}' (activity {effect.ActivityId}).");
            handler.Apply(step, effect);
        }
        foreach (var o in _observers) o.OnCommitting(step);
        return taskChanges;
    }

    // Group commit (single-writer providers: SQLite). Steps that arrive while the writer is busy wait in this queue; whoever
    // next holds the writer commits all of them in ONE transaction, each inside its own savepoint: a step that is refused
    // (concurrency conflict, duplicate command key, quota used up, any effect's refusal) is rolled back to its savepoint
    // alone and its caller gets that exception; the others commit together. Nobody is answered before the COMMIT that
    // holds their step has returned, so exactly-once and crash safety are those of one step per transaction (a crash
    // before COMMIT loses the whole group, none of it acknowledged). What it saves: the pages that consecutive steps share
    // (the right-most leaves of the journal, task, application and index b-trees) are written to the WAL once per group
    // instead of once per step, and the transaction's fixed costs are paid once. Under no contention a group is one step.
    private const int MaxStepsPerGroup = 64;
    private readonly System.Collections.Concurrent.ConcurrentQueue<PendingStep> _pending = new();
    private int _draining;

    private sealed class PendingStep(StepCommit commit)
    {
        public StepCommit Commit { get; } = commit;
        public TaskCompletionSource<List<Tasks.TaskChange>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private Task<List<Tasks.TaskChange>> CommitGroupedAsync(StepCommit commit)
    {
        // Not cancellable once queued: a step handed to the writer is committed or refused, never half-abandoned.
        var mine = new PendingStep(commit);
        _pending.Enqueue(mine);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0) _ = DrainAsync(mine);
        return mine.Done.Task;
    }

    /// <summary>
    /// Commits queued steps in groups until the queue is empty; at most one drain runs at a time. It starts on the caller
    /// that found none running, and moves to the thread pool once that caller's own step is answered.
    /// </summary>
    private async Task DrainAsync(PendingStep starter)
    {
        while (true)
        {
            while (!_pending.IsEmpty)
            {
                if (starter.Done.Task.IsCompleted) await Task.Yield();
                var group = new List<PendingStep>();
                while (group.Count < MaxStepsPerGroup && _pending.TryDequeue(out var p)) group.Add(p);
                try
                {
                    await connections.WriteAsync(c =>
                    {
                        // Steps queued while this drain waited for the writer join the group.
                        while (group.Count < MaxStepsPerGroup && _pending.TryDequeue(out var p)) group.Add(p);
                        CommitGroup(c, group);
                        return Task.FromResult(0);
                    }, CancellationToken.None);
                }
                catch (Exception e)
                {
                    // The group's transaction failed as a whole (nothing of it committed): every step in it fails.
                    foreach (var p in group) p.Done.TrySetException(e);
                }
            }
            Volatile.Write(ref _draining, 0);
            // A step queued after the last look and before the flag was cleared: drain it (unless another drain already does).
            if (_pending.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0) return;
        }
    }

    /// <summary>The most steps one transaction has committed or refused together so far (1 when commits never overlapped).</summary>
    public int LargestCommitGroup { get; private set; }

    private void CommitGroup(PreparedConnection c, List<PendingStep> group)
    {
        if (group.Count > LargestCommitGroup) LargestCommitGroup = group.Count;
        var dialect = c.Dialect;
        var tx = dialect.Begin(c);
        var committed = new List<(PendingStep Step, List<Tasks.TaskChange> Changes)>(group.Count);
        var refused = new List<(PendingStep Step, Exception Error)>();
        try
        {
            foreach (var p in group)
            {
                if (group.Count > 1) c.Command("SAVEPOINT step", tx).ExecuteNonQuery();
                try
                {
                    var changes = WriteStep(c, tx, p.Commit);
                    if (group.Count > 1) c.Command("RELEASE step", tx).ExecuteNonQuery();
                    committed.Add((p, changes));
                }
                catch (Exception e) when (group.Count > 1)
                {
                    // This step alone is undone (a refusal, a constraint). If the savepoint cannot be rolled back (the database
                    // ended the transaction itself, e.g. on an I/O error), the whole group fails instead (catch below).
                    c.Command("ROLLBACK TO step", tx).ExecuteNonQuery();
                    c.Command("RELEASE step", tx).ExecuteNonQuery();
                    refused.Add((p, e));
                }
            }
            dialect.Commit(c, tx);
        }
        catch
        {
            dialect.Rollback(c, tx);
            throw; // DrainAsync fails every step of the group
        }
        foreach (var (p, e) in refused) p.Done.TrySetException(e);
        foreach (var (p, changes) in committed) p.Done.TrySetResult(changes);
    }

    private static readonly List<Tasks.TaskChange> NoTaskChanges = [];

    public Task<IReadOnlyList<Bookmark>> GetDueTimersAsync(DateTimeOffset now, int take, CancellationToken ct = default) =>
        connections.ReadAsync<IReadOnlyList<Bookmark>>(async c => await ReadBookmarks(c.Command(
            BookmarkSelect + " WHERE Kind = 'Timer' AND ResumeAt <= @now ORDER BY ResumeAt LIMIT @take", null, ("@now", now.UtcTicks), ("@take", take)), ct));

    public Task<IReadOnlyList<Bookmark>> FindEventBookmarksAsync(string eventName, string? correlationKey, CancellationToken ct = default) =>
        connections.ReadAsync<IReadOnlyList<Bookmark>>(async c => await ReadBookmarks(c.Command(
            BookmarkSelect + " WHERE Kind = 'Event' AND Name = @name AND (CAST(@key AS TEXT) IS NULL OR CorrelationKey IS NULL OR CorrelationKey = @key) ORDER BY CreatedAt", null,
            ("@name", eventName), ("@key", correlationKey)), ct));

    public Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string instanceId, CancellationToken ct = default) =>
        connections.ReadAsync<IReadOnlyList<JournalEntry>>(async c =>
        {
            await using var r = await c.Command("""
                SELECT InstanceId, Sequence, Timestamp, EventName, ActivityId, ActivityNodeId, ActivityType, ActivityName, ActivityInstanceId, BookmarkId,
                       DefinitionVersionId, Version, ActorId, ActorRole, Message, PayloadJson, PreviousHash, Hash
                FROM JournalEntries WHERE InstanceId = @id ORDER BY Sequence, Id
                """, null, ("@id", instanceId)).ExecuteReaderAsync(ct);
            var list = new List<JournalEntry>();
            while (await r.ReadAsync(ct))
            {
                list.Add(new JournalEntry
                {
                    InstanceId = r.GetString(0),
                    Sequence = r.GetInt64(1),
                    Timestamp = Instant(r.GetInt64(2)),
                    EventName = r.GetString(3),
                    ActivityId = Str(r, 4),
                    ActivityNodeId = Str(r, 5),
                    ActivityType = Str(r, 6),
                    ActivityName = Str(r, 7),
                    ActivityInstanceId = Str(r, 8),
                    BookmarkId = Str(r, 9),
                    DefinitionVersionId = r.GetString(10),
                    Version = r.GetInt32(11),
                    ActorId = r.GetString(12),
                    ActorRole = r.GetString(13),
                    Message = Str(r, 14),
                    Payload = Str(r, 15) is { } p ? JsonNode.Parse(p)?.AsObject() : null,
                    PreviousHash = r.GetString(16),
                    Hash = r.GetString(17),
                });
            }
            return list;
        });

    /// <summary>Verifies an instance's journal chain against what the instance row says its last entry is.</summary>
    public async Task<ChainVerification> VerifyJournalAsync(string instanceId, CancellationToken ct = default)
    {
        var entries = await GetJournalAsync(instanceId, ct);
        var last = await connections.ReadAsync(async c =>
        {
            await using var r = await c.Command("SELECT JournalSequence, LastJournalHash FROM WorkflowInstances WHERE Id = @id", null, ("@id", instanceId)).ExecuteReaderAsync(ct);
            return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetString(1)) : ((long, string)?)null;
        });
        if (last is not { } l) throw new InstanceNotFoundException(instanceId);
        return JournalChain.Verify(instanceId, entries, l.Item1, l.Item2);
    }

    private const string BookmarkSelect =
        "SELECT Id, InstanceId, ActivityId, ActivityNodeId, ActivityType, ActivityInstanceId, Kind, Name, CorrelationKey, ResumeAt, PayloadJson, CreatedAt FROM Bookmarks";

    private static async Task<List<Bookmark>> ReadBookmarks(DbCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<Bookmark>();
        while (await r.ReadAsync(ct))
            list.Add(new Bookmark
            {
                Id = r.GetString(0),
                InstanceId = r.GetString(1),
                ActivityId = r.GetString(2),
                ActivityNodeId = r.GetString(3),
                ActivityType = r.GetString(4),
                ActivityInstanceId = r.GetString(5),
                Kind = r.GetString(6),
                Name = r.GetString(7),
                CorrelationKey = Str(r, 8),
                ResumeAt = r.IsDBNull(9) ? null : Instant(r.GetInt64(9)),
                Payload = Str(r, 10) is { } p ? JsonNode.Parse(p)?.AsObject() : null,
                CreatedAt = Instant(r.GetInt64(11)),
            });
        return list;
    }

    private static string? Str(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);
}
