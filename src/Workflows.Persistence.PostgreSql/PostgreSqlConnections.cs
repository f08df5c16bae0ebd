using System.Collections.Concurrent;
using Npgsql;

namespace Workflows.Persistence;

/// <summary>
/// PostgreSQL: connections from one <see cref="NpgsqlDataSource"/>, any number writing at once (no process-wide write
/// lock: concurrent steps are kept apart by the statements themselves: the instance's revision check, the unique
/// command key, conditional updates). Idle connections are kept open with their commands (up to
/// <see cref="MaxIdle"/>), as on SQLite; Npgsql prepares the statements used often on the server (Max Auto Prepare).
/// </summary>
public sealed class PostgreSqlConnections : StoreConnections
{
    private const int MaxIdle = 16;
    private readonly NpgsqlDataSource _source;
    private readonly bool _ownsSource;
    private readonly ConcurrentBag<PreparedConnection> _idle = new();
    private int _idleCount;

    public PostgreSqlConnections(NpgsqlDataSource source) => _source = source;

    public PostgreSqlConnections(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        if (b.MaxAutoPrepare == 0) b.MaxAutoPrepare = 64;
        _source = NpgsqlDataSource.Create(b.ConnectionString);
        _ownsSource = true;
    }

    public override SqlDialect Dialect => PostgreSqlDialect.Instance;

    public override Task<T> WriteAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct) => UseAsync(work, ct);

    public override Task<T> ReadAsync<T>(Func<PreparedConnection, Task<T>> work) => UseAsync(work, CancellationToken.None);

    private async Task<T> UseAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct)
    {
        if (_idle.TryTake(out var c)) Interlocked.Decrement(ref _idleCount);
        else c = new PreparedConnection(await _source.OpenConnectionAsync(ct), PostgreSqlDialect.Instance);
        var healthy = false;
        try
        {
            var result = await work(c);
            healthy = true;
            return result;
        }
        catch (Exception e) when (e is Workflows.Engine.Runtime.ConcurrencyConflictException or Workflows.Engine.Runtime.DuplicateCommandException
                                      or Workflows.Engine.Runtime.EffectRefusedException
                                      || PostgreSqlDialect.Instance.IsDuplicateKey(e))
        {
            healthy = true; // a refused step was rolled back whole; the connection is fine
            throw;
        }
        finally
        {
            var kept = false;
            if (healthy && c.Connection.State == System.Data.ConnectionState.Open)
            {
                if (Interlocked.Increment(ref _idleCount) <= MaxIdle) { _idle.Add(c); kept = true; }
                else Interlocked.Decrement(ref _idleCount);
            }
            if (!kept) c.Dispose();
        }
    }

    public override void Dispose()
    {
        while (_idle.TryTake(out var c)) c.Dispose();
        if (_ownsSource) _source.Dispose();
    }
}
