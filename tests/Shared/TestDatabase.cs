using Npgsql;
using Workflows.Persistence;
using Xunit;

namespace Workflows.Tests;

/// <summary>
/// The test matrix (issue 13): every suite runs on SQLite by default and on PostgreSQL when
/// TEST_DATABASE_PROVIDER=PostgreSql and WORKFLOWS_TEST_POSTGRES (an admin connection string; tests/run.sh exports one)
/// are set. On PostgreSQL each engine harness, domain test database and back-office host gets a database of its own,
/// created here and dropped when it is done, where on SQLite it gets a fresh file.
/// </summary>
public static class TestDatabase
{
    public const string ProviderVariable = "TEST_DATABASE_PROVIDER";
    public const string AdminVariable = "WORKFLOWS_TEST_POSTGRES";

    public static DatabaseProvider Provider { get; } =
        Environment.GetEnvironmentVariable(ProviderVariable) is { Length: > 0 } v
            ? Enum.Parse<DatabaseProvider>(v, ignoreCase: true)
            : DatabaseProvider.Sqlite;

    public static bool IsPostgreSql => Provider == DatabaseProvider.PostgreSql;

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(AdminVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException($"{ProviderVariable}=PostgreSql needs {AdminVariable} (an admin connection string; tests/run.sh sets it).");

    /// <summary>Creates an empty database on the test server; returns its connection string.</summary>
    public static string CreatePostgreSqlDatabase()
    {
        var name = "wft_" + Guid.NewGuid().ToString("N")[..16];
        using (var c = new NpgsqlConnection(AdminConnectionString))
        {
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreatePostgreSqlDatabase"/> (closing whatever still holds it).</summary>
    public static void DropPostgreSqlDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using (var pooled = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(pooled);
        try
        {
            using var c = new NpgsqlConnection(AdminConnectionString);
            c.Open();
            using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
            cmd.ExecuteNonQuery();
        }
        catch (NpgsqlException) { } // the throwaway cluster goes at the end of tests/run.sh anyway
    }

    /// <summary>Database options for a fresh database: a new file in <paramref name="directory"/> on SQLite, a new database on PostgreSQL.</summary>
    public static DatabaseOptions Fresh(string directory, string fileName) =>
        IsPostgreSql
            ? new DatabaseOptions { Path = Path.Combine(directory, fileName), Provider = DatabaseProvider.PostgreSql, PostgreSqlConnectionString = CreatePostgreSqlDatabase() }
            : new DatabaseOptions { Path = Path.Combine(directory, fileName) };

    /// <summary>Drops the database of <paramref name="options"/> when it is a PostgreSQL one.</summary>
    public static void Drop(DatabaseOptions options)
    {
        if (options.IsPostgreSql && options.PostgreSqlConnectionString is { } cs) DropPostgreSqlDatabase(cs);
    }
}

/// <summary>
/// A test about SQLite itself (its file, WAL, pragmas, the file's bytes, crash recovery of the file): runs on SQLite and
/// is reported as skipped, with its reason, in the PostgreSQL leg of the matrix.
/// </summary>
public sealed class SqliteFactAttribute : FactAttribute
{
    public SqliteFactAttribute(string reason)
    {
        if (TestDatabase.IsPostgreSql) Skip = "SQLite only: " + reason;
    }
}

/// <inheritdoc cref="SqliteFactAttribute"/>
public sealed class SqliteTheoryAttribute : TheoryAttribute
{
    public SqliteTheoryAttribute(string reason)
    {
        if (TestDatabase.IsPostgreSql) Skip = "SQLite only: " + reason;
    }
}
