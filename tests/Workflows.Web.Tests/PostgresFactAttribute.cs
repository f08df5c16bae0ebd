using Npgsql;

namespace Workflows.Web.Tests;

/// <summary>
/// A test that needs a real PostgreSQL server: skipped (and reported as skipped) when WORKFLOWS_TEST_POSTGRES is not set.
/// tests/run.sh always sets it, starting a throwaway cluster, so in CI these tests run.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(TestPostgres.AdminConnectionString))
            Skip = $"needs PostgreSQL: set {TestPostgres.Variable} to an admin connection string (tests/run.sh does)";
    }
}

/// <summary>A database of its own on the test server for one test, dropped when the test is done.</summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public const string Variable = "WORKFLOWS_TEST_POSTGRES";
    public static string? AdminConnectionString => Environment.GetEnvironmentVariable(Variable);

    public string Database { get; }
    /// <summary>The connection string the back-office nodes get (pooled, as in production).</summary>
    public string ConnectionString { get; }

    private TestPostgres(string database, string connectionString)
    {
        Database = database;
        ConnectionString = connectionString;
    }

    public static async Task<TestPostgres> CreateAsync()
    {
        var admin = AdminConnectionString ?? throw new InvalidOperationException($"{Variable} is not set.");
        var name = "wf_" + Guid.NewGuid().ToString("N")[..12];
        await using (var c = new NpgsqlConnection(admin))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new TestPostgres(name, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    public async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await r.ReadAsync()) rows.Add(read(r));
        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var c = new NpgsqlConnection(AdminConnectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", c);
        await cmd.ExecuteNonQueryAsync();
    }
}
