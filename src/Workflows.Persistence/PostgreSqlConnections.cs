using System.Collections.Concurrent;
using Npgsql;

namespace Workflows.Persistence;

/// <summary>
/// PostgreSQL: the store's connections come from Npgsql's pool, many writers at once (correctness comes from the
/// statements, see <see cref="PostgreSqlDialect"/>). Idle connections are kept with their prepared commands so the hot
/// path does not rebuild them; a connection whose work failed for anything but a duplicate key is closed.
/// </summary>
public sealed class PostgreSqlConnections(DatabaseOptions db) : StoreConnections
{
    private readonly ConcurrentBag<PreparedConnection> _idle = new();
    private const int MaxIdle = 16;
    private int _idleCount;

    public override SqlDialect Dialect => PostgreSqlDialect.Instance;

    public override Task<T> WriteAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct) => UseAsync(work, ct);

    public override Task<T> ReadAsync<T>(Func<PreparedConnection, Task<T>> work) => UseAsync(work, CancellationToken.None);

    private async Task<T> UseAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct)
    {
        PreparedConnection c;
        if (_idle.TryTake(out var idle)) { Interlocked.Decrement(ref _idleCount); c = idle; }
        else
        {
            var connection = db.CreatePostgreSqlConnection();
            await connection.OpenAsync(ct);
            c = new PreparedConnection(connection, PostgreSqlDialect.Instance);
        }
        var healthy = false;
        try
        {
            var result = await work(c);
            healthy = true;
            return result;
        }
        catch (Exception e) when (PostgreSqlDialect.Instance.IsDuplicateKey(e))
        {
            healthy = true;
            throw;
        }
        finally
        {
            if (healthy && c.Connection.State == System.Data.ConnectionState.Open && Interlocked.Increment(ref _idleCount) <= MaxIdle) _idle.Add(c);
            else
            {
                if (healthy && c.Connection.State == System.Data.ConnectionState.Open) Interlocked.Decrement(ref _idleCount);
                c.Dispose();
            }
        }
    }

    public override void Dispose()
    {
        while (_idle.TryTake(out var c)) c.Dispose();
    }
}
