using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Workflows.Persistence;

/// <summary>Which database the back office runs on. SQLite is the embedded default.</summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// Where the database is (the Database settings): the provider and its file or server. Provider-neutral: whatever is
/// done with the database (EF Core options, a connection, the store's connections, start-up) is done by the provider's
/// <see cref="DatabaseBackend"/> (<see cref="Backend"/>), which lives in the provider's project
/// (Workflows.Persistence.Sqlite, Workflows.Persistence.PostgreSql).
/// </summary>
public sealed record DatabaseOptions
{
    /// <summary>Sqlite (default: the file at <see cref="Path"/>) or PostgreSql (the server at <see cref="PostgreSqlConnectionString"/>).</summary>
    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;

    /// <summary>Path of the SQLite file; created with its schema on first start.</summary>
    public string Path { get; init; } = "data/backoffice.db";

    /// <summary>
    /// SQLite's synchronous level in WAL mode. NORMAL (the default) never loses or half-applies a committed step when the
    /// process crashes; only an OS crash or power cut can lose the last transactions. FULL syncs every commit.
    /// </summary>
    public string Synchronous { get; init; } = "NORMAL";

    /// <summary>The PostgreSQL connection string (Database:ConnectionString) when <see cref="Provider"/> is PostgreSql.</summary>
    public string? PostgreSqlConnectionString { get; init; }

    public bool IsPostgreSql => Provider == DatabaseProvider.PostgreSql;

    /// <summary>The PostgreSQL connection string, or a clear error when the provider is not PostgreSql or none is set.</summary>
    public string RequirePostgreSql() =>
        IsPostgreSql && PostgreSqlConnectionString is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("Database:Provider is PostgreSql but Database:ConnectionString is empty.");

    /// <summary>The configured provider's implementation (<see cref="DatabaseBackend.For"/>: the one place that chooses it).</summary>
    public DatabaseBackend Backend => DatabaseBackend.For(Provider);

    public void Configure(DbContextOptionsBuilder builder) => Configure(builder, null);

    /// <summary>EF Core on the configured provider; <paramref name="historyTable"/> names a context's own migrations history.</summary>
    public void Configure(DbContextOptionsBuilder builder, string? historyTable) => Backend.Configure(builder, this, historyTable);

    /// <summary>An open connection on the configured provider (SQLite: with this file's pragmas; PostgreSQL: from Npgsql's pool).</summary>
    public DbConnection Open() => Backend.Open(this);

    /// <inheritdoc cref="Open"/>
    public Task<DbConnection> OpenConnectionAsync(CancellationToken ct = default) => Backend.OpenAsync(this, ct);

    /// <summary>Connections for code that opens its own (Quartz's job store on SQLite), set up as <see cref="Open"/> sets them up.</summary>
    public DbDataSource DataSource() => Backend.DataSource(this);
}
