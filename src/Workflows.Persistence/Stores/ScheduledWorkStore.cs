using System.Text.Json.Nodes;
using System.Data.Common;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Stores;

/// <summary>The states of a piece of scheduled work; see <see cref="Entities.ScheduledWorkRecord"/>.</summary>
public static class WorkStates
{
    public const string Pending = "Pending";
    public const string Scheduled = "Scheduled";
    public const string Queued = "Queued";
    public const string Done = "Done";
    public const string Failed = "Failed";

    /// <summary>The states of unfinished work, in the index of unfinished work (<see cref="OpenFilter"/>).</summary>
    public static readonly IReadOnlyList<string> Open = [Pending, Scheduled, Queued];

    /// <summary>
    /// The filter of the partial index of unfinished work (IX_ScheduledWork_Open), repeated word for word in every query
    /// that looks unfinished work up by state: SQLite uses a partial index only when the query's WHERE contains the index's
    /// own terms (it does not infer <c>State IN (…)</c> from <c>State = 'Pending'</c>); without it, every claim and every
    /// "when is the next work due" scanned the whole table, finished rows included, inside the single writer.
    /// </summary>
    public static readonly string OpenFilter = $"\"State\" IN ({string.Join(",", Open.Select(state => $"'{state}'"))})";
}

/// <summary>A piece of work as the schedulers see it.</summary>
public sealed record ScheduledWork(string Id, string Key, string Kind, DateTimeOffset DueAt, JsonObject Payload, string State, int Attempts,
    string? LastError = null, string? Result = null, DateTimeOffset? DoneAt = null, DateTimeOffset? CreatedAt = null);

/// <summary>
/// The outbox of scheduled work, on the same writer connection as workflow steps: work that a step causes is added inside
/// that step's transaction (<see cref="Add"/>), so it exists exactly when the step does; the key makes adding idempotent.
/// Due work is claimed in batches by the nodes' dispatchers (<see cref="ClaimDueAsync"/>).
/// </summary>
public sealed class ScheduledWorkStore(StoreConnections connections, TimeProvider clock)
{
    /// <summary>
    /// Adds work inside the caller's transaction. Returns false when work with this key exists already (the same timer,
    /// reminder or run asked for twice): the first one stands.
    /// </summary>
    public static bool Add(WriteTransaction t, string key, string kind, DateTimeOffset dueAt, JsonObject? payload, DateTimeOffset now) =>
        t.Execute("""
            INSERT INTO ScheduledWork (Id, Key, Kind, DueAt, PayloadJson, State, Attempts, CreatedAt, UpdatedAt)
            VALUES (@id, @key, @kind, @due, @payload, 'Pending', 0, @now, @now) ON CONFLICT (Key) DO NOTHING
            """, ("@id", Ids.New()), ("@key", key), ("@kind", kind), ("@due", dueAt.UtcTicks), ("@payload", (payload ?? new JsonObject()).ToJsonString()),
            ("@now", now.UtcTicks)) == 1;

    /// <summary>Adds work in its own transaction (for work no workflow step causes, e.g. the monthly run).</summary>
    public Task<bool> AddAsync(string key, string kind, DateTimeOffset dueAt, JsonObject? payload, CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.InTransaction(t => Add(t, key, kind, dueAt, payload, t.Now), clock.GetUtcNow())), ct);

    /// <summary>Adds many pieces of work in one transaction (e.g. a medication calendar's reminders).</summary>
    public Task<int> AddManyAsync(IReadOnlyList<(string Key, string Kind, DateTimeOffset DueAt, JsonObject? Payload)> work, CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.InTransaction(t => work.Count(w => Add(t, w.Key, w.Kind, w.DueAt, w.Payload, t.Now)), clock.GetUtcNow())), ct);

    public Task<ScheduledWork?> GetAsync(string id, CancellationToken ct = default) =>
        connections.ReadAsync(async c => (await ReadAll(c.Command(Select + " WHERE Id = @id", null, ("@id", id)), ct)).FirstOrDefault());

    public Task<ScheduledWork?> GetByKeyAsync(string key, CancellationToken ct = default) =>
        connections.ReadAsync(async c => (await ReadAll(c.Command(Select + " WHERE Key = @key", null, ("@key", key)), ct)).FirstOrDefault());

    /// <summary>The most recent work, newest first, optionally of one kind or state: what staff and tests look at.</summary>
    public Task<IReadOnlyList<ScheduledWork>> RecentAsync(string? kind, string? state, int take, CancellationToken ct = default) =>
        connections.ReadAsync<IReadOnlyList<ScheduledWork>>(async c => await ReadAll(c.Command(
            Select + " WHERE (CAST(@kind AS TEXT) IS NULL OR Kind = @kind) AND (CAST(@state AS TEXT) IS NULL OR State = @state) ORDER BY DueAt DESC LIMIT @take", null,
            ("@kind", kind), ("@state", state), ("@take", take)), ct));

    public Task<Dictionary<string, int>> CountByStateAsync(CancellationToken ct = default) =>
        connections.ReadAsync(async c =>
        {
            var counts = new Dictionary<string, int>();
            await using var r = await c.Command("SELECT State, COUNT(*) FROM ScheduledWork GROUP BY State", null).ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) counts[r.GetString(0)] = r.GetInt32(1);
            return counts;
        });

    /// <summary>Moves work from one state to the next; only rows still in <paramref name="from"/> move (returns how many did).</summary>
    public Task<int> MoveAsync(IReadOnlyCollection<string> ids, string from, string to, CancellationToken ct = default) =>
        ids.Count == 0 ? Task.FromResult(0) : connections.WriteAsync(c => Task.FromResult(c.InTransaction(() =>
            ids.Sum(id => c.Command("UPDATE ScheduledWork SET State = @to, UpdatedAt = @now WHERE Id = @id AND State = @from", null,
                ("@to", to), ("@now", clock.GetUtcNow().UtcTicks), ("@id", id), ("@from", from)).ExecuteNonQuery()))), ct);

    /// <summary>
    /// A trigger fired: the work is now Hangfire's. True if this call moved it (false: already queued or done, a
    /// duplicate delivery the caller may still enqueue harmlessly, or skip).
    /// </summary>
    public Task<bool> MarkQueuedAsync(string key, CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.Command(
            "UPDATE ScheduledWork SET State = 'Queued', LockedUntil = NULL, UpdatedAt = @now WHERE Key = @key AND State IN ('Pending','Scheduled')", null,
            ("@now", clock.GetUtcNow().UtcTicks), ("@key", key)).ExecuteNonQuery() == 1), ct);

    /// <summary>
    /// Claims up to <paramref name="take"/> pieces of due work for <paramref name="node"/> until <paramref name="leaseUntil"/>,
    /// in one transaction of two conditional updates: work whose claim expired (its node died or stalled past the lease)
    /// first, then Pending work due by <paramref name="now"/>, oldest first. Each statement re-checks the state of every row
    /// it updates, so two nodes claiming at once never get the same row: on SQLite the writer lock serialises them; on
    /// PostgreSQL (READ COMMITTED) the subquery takes its rows <c>FOR UPDATE SKIP LOCKED</c>, so concurrent nodes claim
    /// disjoint batches without waiting for each other, and the outer re-check guards a row that changed meanwhile.
    /// Returns the claimed work, oldest due first.
    /// </summary>
    public Task<IReadOnlyList<ScheduledWork>> ClaimDueAsync(string node, DateTimeOffset now, DateTimeOffset leaseUntil, int take, CancellationToken ct = default) =>
        connections.WriteAsync<IReadOnlyList<ScheduledWork>>(c => Task.FromResult<IReadOnlyList<ScheduledWork>>(c.InTransaction(t =>
        {
            var pg = t.Dialect.Provider == DatabaseProvider.PostgreSql;
            var claimed = ReadAll(t.Reader(pg ? ReclaimSqlSkipLocked : ReclaimSql, ("@node", node), ("@until", leaseUntil.UtcTicks), ("@now", now.UtcTicks), ("@take", take)));
            if (claimed.Count < take)
                claimed.AddRange(ReadAll(t.Reader(pg ? ClaimSqlSkipLocked : ClaimSql,
                    ("@node", node), ("@until", leaseUntil.UtcTicks), ("@now", now.UtcTicks), ("@take", take - claimed.Count))));
            claimed.Sort((a, b) => a.DueAt.CompareTo(b.DueAt));
            return claimed;
        }, now)), ct);

    private const string Returning = """
         RETURNING "Id", "Key", "Kind", "DueAt", "PayloadJson", "State", "Attempts", "LastError", "Result", "DoneAt", "CreatedAt"
        """;

    /// <summary>
    /// The due rows of a batch, earliest first. On PostgreSQL they are picked once, in a materialized CTE, locked and
    /// skipping rows another node is claiming: written as <c>"Id" IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)</c> the
    /// planner may rescan the subquery for every outer row (a nested-loop semi-join), each rescan skips the rows the
    /// statement has already updated and returns the next n, and one claim of 10 took 110 rows.
    /// </summary>
    private static (string With, string Ids) Batch(bool pg, string state, string dueColumn)
    {
        var select = $"""SELECT "Id" FROM "ScheduledWork" WHERE {WorkStates.OpenFilter} AND "State" = '{state}' AND "{dueColumn}" <= @now ORDER BY "DueAt" LIMIT @take""";
        return pg ? ($"WITH picked AS MATERIALIZED ({select} FOR UPDATE SKIP LOCKED)\n", """SELECT "Id" FROM picked""") : ("", select);
    }

    private static string Claim(bool pg)
    {
        var (with, ids) = Batch(pg, "Pending", "DueAt");
        return with + $"""
            UPDATE "ScheduledWork" SET "State" = 'Queued', "ClaimedBy" = @node, "LockedUntil" = @until, "UpdatedAt" = @now
            WHERE "Id" IN ({ids})
              AND "State" = 'Pending' AND "DueAt" <= @now
            """ + Returning;
    }

    private static string Reclaim(bool pg)
    {
        var (with, ids) = Batch(pg, "Queued", "LockedUntil");
        return with + $"""
            UPDATE "ScheduledWork" SET "ClaimedBy" = @node, "LockedUntil" = @until, "UpdatedAt" = @now
            WHERE "Id" IN ({ids})
              AND "State" = 'Queued' AND "LockedUntil" <= @now
            """ + Returning;
    }

    private static readonly string ClaimSql = Claim(false), ClaimSqlSkipLocked = Claim(true);
    private static readonly string ReclaimSql = Reclaim(false), ReclaimSqlSkipLocked = Reclaim(true);
    private static readonly string NextDueSql = $"""SELECT MIN("DueAt") FROM "ScheduledWork" WHERE {WorkStates.OpenFilter} AND "State" = 'Pending'""";
    private static readonly string ReleaseAllSql = $"""
        UPDATE "ScheduledWork" SET "State" = 'Pending', "LockedUntil" = NULL, "UpdatedAt" = @now WHERE {WorkStates.OpenFilter} AND "State" IN ('Queued','Scheduled')
        """;
    private static readonly string ReleaseScheduledSql = $"""
        UPDATE "ScheduledWork" SET "State" = 'Pending', "UpdatedAt" = @now WHERE {WorkStates.OpenFilter} AND "State" = 'Scheduled'
        """;

    /// <summary>
    /// The statements that look unfinished work up by state, each of which must use the partial index of unfinished work
    /// on every provider (a test reads their query plans on SQLite; see <see cref="WorkStates.OpenFilter"/>).
    /// </summary>
    internal static IReadOnlyList<string> OpenWorkLookups(bool postgreSql) =>
        [postgreSql ? ClaimSqlSkipLocked : ClaimSql, postgreSql ? ReclaimSqlSkipLocked : ReclaimSql, NextDueSql, ReleaseAllSql, ReleaseScheduledSql];

    /// <summary>When the earliest Pending work falls due (null: none), so the claimer sleeps until then rather than polling.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken ct = default) =>
        connections.ReadAsync(async c => await c.Command(NextDueSql, null)
            .ExecuteScalarAsync(ct) is long ticks ? At(ticks) : (DateTimeOffset?)null);

    /// <summary>
    /// Claimed work handed to Hangfire: its lease is cleared (Hangfire's retries own it now, however long they take), but
    /// only while <paramref name="node"/> still holds the claim.
    /// </summary>
    public Task<int> HandedToHangfireAsync(IReadOnlyCollection<string> ids, string node, CancellationToken ct = default) =>
        ids.Count == 0 ? Task.FromResult(0) : connections.WriteAsync(c => Task.FromResult(c.InTransaction(t =>
            ids.Sum(id => t.Execute("""
                UPDATE "ScheduledWork" SET "LockedUntil" = NULL, "UpdatedAt" = @now WHERE "Id" = @id AND "State" = 'Queued' AND "ClaimedBy" = @node
                """, ("@now", t.Now.UtcTicks), ("@id", id), ("@node", node))), clock.GetUtcNow())), ct);

    /// <summary>
    /// One node, Hangfire in memory: at startup every Queued row belongs to a process that is gone (its claims and its
    /// in-memory jobs died with it), so all of them are claimable again at once (Pending), instead of after their lease.
    /// Rows Scheduled by the Quartz path of earlier versions become Pending too. Returns how many moved.
    /// </summary>
    public Task<int> ReleaseAllAtStartupAsync(CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.InTransaction(t => t.Execute(ReleaseAllSql, ("@now", t.Now.UtcTicks)), clock.GetUtcNow())), ct);

    /// <summary>Clustered: rows Scheduled by the Quartz path of earlier versions become Pending (claimed like any other work).</summary>
    public Task<int> ReleaseScheduledAsync(CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.InTransaction(t => t.Execute(ReleaseScheduledSql, ("@now", t.Now.UtcTicks)), clock.GetUtcNow())), ct);

    /// <summary>
    /// Inside a workflow step's transaction: the step resumed the timer this work stands for, so the work is Done in the
    /// same commit (no write of its own, and never "resumed but not marked" after a crash).
    /// </summary>
    public static bool CompleteInStep(WriteTransaction t, string key, string result) =>
        t.Execute("""
            UPDATE "ScheduledWork" SET "State" = 'Done', "Result" = @result, "Attempts" = "Attempts" + 1, "DoneAt" = @now, "UpdatedAt" = @now, "LockedUntil" = NULL
            WHERE "Key" = @key AND "State" <> 'Done'
            """, ("@result", result), ("@now", t.Now.UtcTicks), ("@key", key)) == 1;

    /// <summary>Records that the work ran to its end. Only the first completion counts.</summary>
    public Task<bool> CompleteAsync(string id, string? result, CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.Command(
            "UPDATE ScheduledWork SET State = 'Done', Result = @result, Attempts = Attempts + 1, DoneAt = @now, UpdatedAt = @now, LockedUntil = NULL WHERE Id = @id AND State <> 'Done'", null,
            ("@result", result), ("@now", clock.GetUtcNow().UtcTicks), ("@id", id)).ExecuteNonQuery() == 1), ct);

    /// <summary>Records a failed attempt; <paramref name="final"/> marks the work Failed (no more retries) for staff to look at.</summary>
    public Task FailAttemptAsync(string id, string error, bool final, CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.Command(
            "UPDATE ScheduledWork SET Attempts = Attempts + 1, LastError = @error, State = CASE WHEN @final THEN 'Failed' ELSE State END, LockedUntil = CASE WHEN @final THEN NULL ELSE LockedUntil END, UpdatedAt = @now WHERE Id = @id AND State <> 'Done'", null,
            ("@error", error.Length > 2000 ? error[..2000] : error), ("@final", final), ("@now", clock.GetUtcNow().UtcTicks), ("@id", id)).ExecuteNonQuery()), ct);

    /// <summary>Failed work a person asked to run again goes back to Queued.</summary>
    public Task<bool> RequeueFailedAsync(string id, CancellationToken ct = default) =>
        connections.WriteAsync(c => Task.FromResult(c.Command(
            "UPDATE ScheduledWork SET State = 'Queued', LockedUntil = NULL, UpdatedAt = @now WHERE Id = @id AND State = 'Failed'", null,
            ("@now", clock.GetUtcNow().UtcTicks), ("@id", id)).ExecuteNonQuery() == 1), ct);

    private const string Select = "SELECT Id, Key, Kind, DueAt, PayloadJson, State, Attempts, LastError, Result, DoneAt, CreatedAt FROM ScheduledWork";

    private static List<ScheduledWork> ReadAll(DbDataReader reader)
    {
        using var r = reader;
        var list = new List<ScheduledWork>();
        while (r.Read()) list.Add(Row(r));
        return list;
    }

    private static ScheduledWork Row(DbDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), At(r.GetInt64(3)), JsonNode.Parse(r.GetString(4))!.AsObject(),
            r.GetString(5), r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : At(r.GetInt64(9)), At(r.GetInt64(10)));

    private static async Task<IReadOnlyList<ScheduledWork>> ReadAll(DbCommand command, CancellationToken ct)
    {
        var list = new List<ScheduledWork>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            list.Add(new ScheduledWork(r.GetString(0), r.GetString(1), r.GetString(2), At(r.GetInt64(3)), JsonNode.Parse(r.GetString(4))!.AsObject(),
                r.GetString(5), r.GetInt32(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : At(r.GetInt64(9)), At(r.GetInt64(10))));
        return list;
    }

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);
}
