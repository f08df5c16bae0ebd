using System.Security.Claims;
using System.Threading.Channels;
using Workflows.Persistence;

namespace Workflows.Web.Infrastructure;

/// <summary>One row of the access trail: who, in which roles, what, when, with what result, and what was read (never the value).</summary>
public sealed record AccessEntry(DateTimeOffset At, string UserId, string? UserName, string Roles, string Method, string Path, int Status,
    string? InstanceId, string? Detail)
{
    public static AccessEntry For(ClaimsPrincipal user, DateTimeOffset at, string method, string path, int status, string? instanceId, string? detail) =>
        new(at, user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous", user.Identity?.Name,
            string.Join(",", user.FindAll(ClaimTypes.Role).Select(r => r.Value)), method, path, status, instanceId,
            detail is { Length: > 500 } d ? d[..500] : detail);
}

/// <summary>
/// Writes the access trail through the store's single writer connection, in batches: every request's row goes into a
/// bounded queue, one loop takes whatever has gathered (up to <see cref="MaxBatch"/> rows) and inserts it in one
/// transaction. The caller waits until its row is committed, so a request is recorded before it completes, exactly as
/// when each row had its own transaction — but a thousand requests a second cost a few dozen commits instead of a
/// thousand, and they no longer contend with the engine for SQLite's write lock (a second connection that finds the
/// file locked sleeps in SQLite's busy handler, 1 to 100 ms at a time).
/// Nothing is dropped: a full queue makes callers wait (back-pressure), a failed batch is retried row by row, and on a
/// graceful stop the queue is drained before the host ends; a row recorded after that is written on its own.
/// </summary>
public sealed class AccessTrailWriter(StoreConnections connections, ILogger<AccessTrailWriter> logger) : IHostedService, IAsyncDisposable
{
    public const int MaxBatch = 512;
    private const int Capacity = 10_000;

    private const string Insert = """
        INSERT INTO "AccessLog" ("At", "UserId", "UserName", "Roles", "Method", "Path", "StatusCode", "InstanceId", "Detail")
        VALUES (@at, @uid, @uname, @roles, @method, @path, @status, @inst, @detail)
        """;

    private sealed record Pending(AccessEntry Entry, TaskCompletionSource Done);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
    });
    private Task? _loop;
    private readonly object _gate = new();

    /// <summary>Records <paramref name="entry"/>; completes once its row is committed (throws if it could not be written).</summary>
    public async Task RecordAsync(AccessEntry entry)
    {
        EnsureStarted();
        var pending = new Pending(entry, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            try
            {
                // Full: wait for room (never drop). Not cancellable by the request: the row must be written even when the client left.
                await _queue.Writer.WriteAsync(pending).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                // The host is stopping and the queue was drained: this row is written on its own.
                await connections.WriteAsync(c => Task.FromResult(WriteBatch(c, [pending])), CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }
        await pending.Done.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Records one row at once on its own connection, for synchronous code on a Blazor circuit (a screen's read, at a
    /// person's pace): it must not block the circuit on the batch loop. The same row and statement as the batches.
    /// </summary>
    public static void WriteOne(DatabaseOptions db, AccessEntry e)
    {
        // SQLite: a connection of its own on the file; PostgreSQL: one from Npgsql's pool.
        using var c = db.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = Insert;
        foreach (var (name, value) in Parameters(e)) cmd.AddWithValue(name, value);
        cmd.ExecuteNonQuery();
    }

    private static (string, object?)[] Parameters(AccessEntry e) =>
    [
        ("@at", e.At.UtcTicks), ("@uid", e.UserId), ("@uname", e.UserName), ("@roles", e.Roles), ("@method", e.Method),
        ("@path", e.Path), ("@status", e.Status), ("@inst", e.InstanceId), ("@detail", e.Detail),
    ];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureStarted();
        return Task.CompletedTask;
    }

    /// <summary>A graceful stop: no more rows are queued, and those queued are written before this returns.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is { } loop) await loop.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    // The loop starts with the first row even where no host runs the service (a command, a test's service provider).
    private void EnsureStarted()
    {
        if (_loop is not null) return;
        lock (_gate) _loop ??= Task.Run(DrainAsync);
    }

    private async Task DrainAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Pending>(MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var p)) batch.Add(p);
            try
            {
                await connections.WriteAsync(c => Task.FromResult(WriteBatch(c, batch)), CancellationToken.None);
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch (Exception e)
            {
                // One bad row must not lose the others: write them one by one, and fail only the rows that cannot be written.
                logger.LogWarning(e, "Could not write a batch of {Count} access-trail rows; writing them one by one", batch.Count);
                foreach (var p in batch)
                {
                    try
                    {
                        await connections.WriteAsync(c => Task.FromResult(WriteBatch(c, [p])), CancellationToken.None);
                        p.Done.TrySetResult();
                    }
                    catch (Exception one)
                    {
                        p.Done.TrySetException(one);
                    }
                }
            }
        }
    }

    private static int WriteBatch(PreparedConnection c, IReadOnlyList<Pending> batch) =>
        c.InTransaction(() =>
        {
            foreach (var (e, _) in batch)
                c.Command(Insert, null, Parameters(e)).ExecuteNonQuery();
            return batch.Count;
        });
}
