using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Workflows.Persistence;

/// <summary>
/// An open connection that keeps its statements prepared: each distinct SQL text is compiled once and then only re-bound.
/// Statement preparation is most of the cost of a small SQLite transaction, so the hot path never prepares twice.
/// </summary>
public sealed class PreparedConnection(SqliteConnection connection) : IDisposable
{
    private const int MaxCachedCommands = 256;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteConnection Connection { get; } = connection;

    public SqliteCommand Command(string sql, SqliteTransaction? tx, params (string Name, object? Value)[] args)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            if (_commands.Count >= MaxCachedCommands)
            {
                foreach (var old in _commands.Values) old.Dispose();
                _commands.Clear();
            }
            cmd = Connection.CreateCommand();
            cmd.CommandText = sql;
            _commands[sql] = cmd;
        }
        cmd.Transaction = tx;
        // A given SQL text is always called with the same parameters in the same order, so after the first call they are set by position.
        if (cmd.Parameters.Count != args.Length)
        {
            cmd.Parameters.Clear();
            foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        else
        {
            for (var i = 0; i < args.Length; i++) cmd.Parameters[i].Value = args[i].Value ?? DBNull.Value;
        }
        return cmd;
    }

    /// <summary>True when no transaction is open on the connection.</summary>
    /// <summary>Runs <paramref name="work"/> in one IMMEDIATE transaction on this connection: committed whole, or rolled back.</summary>
    public T InTransaction<T>(Func<T> work)
    {
        Command("BEGIN IMMEDIATE", null).ExecuteNonQuery();
        try
        {
            var result = work();
            Command("COMMIT", null).ExecuteNonQuery();
            return result;
        }
        catch
        {
            if (!IsAutoCommit()) Command("ROLLBACK", null).ExecuteNonQuery();
            throw;
        }
    }

    public bool IsAutoCommit() => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) != 0;

    public void Dispose()
    {
        foreach (var c in _commands.Values) c.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}

/// <summary>
/// The store's connections: one writer (SQLite admits one writer at a time, so writes queue here instead of contending
/// for the file lock) and a small pool of readers (WAL lets them read while the writer writes). Both keep statements prepared.
/// </summary>
public sealed class PreparedConnections(DatabaseOptions db) : IDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentBag<PreparedConnection> _readers = new();
    private PreparedConnection? _writer;
    private const int MaxIdleReaders = 8;
    private int _idleReaders;

    /// <summary>Runs <paramref name="work"/> with exclusive use of the writer connection.</summary>
    public async Task<T> WriteAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try
        {
            _writer ??= new PreparedConnection(db.Open());
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

    /// <summary>Runs <paramref name="work"/> on a reader connection from the pool.</summary>
    public async Task<T> ReadAsync<T>(Func<PreparedConnection, Task<T>> work)
    {
        if (_readers.TryTake(out var reader)) Interlocked.Decrement(ref _idleReaders);
        else reader = new PreparedConnection(db.Open());
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

    public void Dispose()
    {
        _writer?.Dispose();
        while (_readers.TryTake(out var r)) r.Dispose();
    }
}
