using Microsoft.Extensions.Logging;
using Npgsql;

namespace Workflows.Persistence.PostgreSql;

/// <summary>
/// A PostgreSQL session-level advisory lock held while one node prepares the database (migrations, seeding, workflow
/// import): nodes that start together take turns, and each later one finds the work done. The lock lives as long as its
/// connection, so a node that dies while holding it releases it with its connection; nothing is left to clear by hand.
/// </summary>
public sealed class StartupLock : IAsyncDisposable
{
    /// <summary>The lock's key: the first 8 bytes of SHA-256("Workflows.BackOffice.Startup"), the same on every node.</summary>
    public static readonly long Key = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData("Workflows.BackOffice.Startup"u8), 0);

    private readonly NpgsqlConnection _connection;

    private StartupLock(NpgsqlConnection connection) => _connection = connection;

    public static async Task<StartupLock> AcquireAsync(string connectionString, ILogger logger, CancellationToken ct)
    {
        // Its own physical connection (not pooled): closing it must end the session, and with it the lock.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        try
        {
            await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
            {
                tryLock.Parameters.AddWithValue("key", Key);
                if ((bool)(await tryLock.ExecuteScalarAsync(ct))!) return new StartupLock(connection);
            }
            logger.LogInformation("Another node holds the start-up lock and is preparing the database; waiting for it");
            await using (var wait = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 0 })
            {
                wait.Parameters.AddWithValue("key", Key);
                await wait.ExecuteNonQueryAsync(ct);
            }
            return new StartupLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection);
            unlock.Parameters.AddWithValue("key", Key);
            await unlock.ExecuteNonQueryAsync();
        }
        finally
        {
            await _connection.DisposeAsync(); // ends the session: the lock goes with it in any case
        }
    }
}
