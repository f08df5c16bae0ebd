using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Workflows.Persistence;

/// <summary>
/// SQLite: one writer (SQLite admits one writer at a time, so writes queue here instead of contending for the file
/// lock) and a small pool of readers (WAL lets them read while the writer writes). Both keep statements prepared.
/// </summary>
public sealed class SqliteConnections(DatabaseOptions db) : StoreConnections
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentBag<PreparedConnection> _readers = new();
    private PreparedConnection? _writer;
    private const int MaxIdleReaders = 8;
    private int _idleReaders;

    public override SqlDialect Dialect => SqliteDialect.Instance;

    public override async Task<T> WriteAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            _writer ??= new PreparedConnection(db.OpenSqlite(), SqliteDialect.Instance);
            try
            {
                return await work(_writer);
            }
            catch (SqliteException e) when (e.SqliteErrorCode is not 19) // anything but a constraint: start afresh next time
            {
                _writer.Dispose();
                _writer = null;
                throw;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override async Task<T> ReadAsync<T>(Func<PreparedConnection, Task<T>> work)
    {
        if (_readers.TryTake(out var reader)) Interlocked.Decrement(ref _idleReaders);
        else reader = new PreparedConnection(db.OpenSqlite(), SqliteDialect.Instance);
        var healthy = false;
        try
        {
            var result = await work(reader);
            healthy = true;
            return result;
        }
        finally
        {
            // The bag's own Count takes every per-thread lock of the bag; a counter of idle readers costs one atomic add.
            if (healthy && Interlocked.Increment(ref _idleReaders) <= MaxIdleReaders) _readers.Add(reader);
            else
            {
                if (healthy) Interlocked.Decrement(ref _idleReaders);
                reader.Dispose();
            }
        }
    }

    public override void Dispose()
    {
        _writer?.Dispose();
        while (_readers.TryTake(out var r)) r.Dispose();
    }
}
