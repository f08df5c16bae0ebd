using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Workflows.Persistence;

public sealed partial record DatabaseOptions
{
    /// <summary>The assembly that holds the PostgreSQL migrations of both contexts (the SQLite ones are beside each context).</summary>
    public const string PostgreSqlMigrationsAssembly = "Workflows.Persistence.PostgreSql";

    /// <summary>Sqlite (default: the file at <see cref="Path"/>) or PostgreSql (the server at <see cref="PostgreSqlConnectionString"/>).</summary>
    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;

    /// <summary>The PostgreSQL connection string (Database:ConnectionString) when <see cref="Provider"/> is PostgreSql.</summary>
    public string? PostgreSqlConnectionString { get; init; }

    public bool IsPostgreSql => Provider == DatabaseProvider.PostgreSql;

    /// <summary>The PostgreSQL connection string, or a clear error when the provider is not PostgreSql or none is set.</summary>
    public string RequirePostgreSql() =>
        IsPostgreSql && PostgreSqlConnectionString is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("Database:Provider is PostgreSql but Database:ConnectionString is empty.");

    /// <summary>
    /// EF Core on PostgreSQL: the same tables and PascalCase columns as on SQLite (quoted identifiers), instants as UTC
    /// ticks (bigint, the contexts' UtcTicksConverter convention), so raw SQL written once runs on both providers.
    /// </summary>
    private void ConfigurePostgreSql(DbContextOptionsBuilder builder, string? historyTable) =>
        builder.UseNpgsql(RequirePostgreSql(), npgsql =>
        {
            npgsql.MigrationsAssembly(PostgreSqlMigrationsAssembly);
            if (historyTable is not null) npgsql.MigrationsHistoryTable(historyTable);
        });

    /// <summary>A new, unopened connection to the PostgreSQL database (pooled by Npgsql per connection string).</summary>
    public NpgsqlConnection CreatePostgreSqlConnection() => new(RequirePostgreSql());
}

public sealed partial record DatabaseOptions
{
    /// <summary>An open connection on the configured provider (SQLite: with this file's pragmas; PostgreSQL: from Npgsql's pool).</summary>
    public async Task<System.Data.Common.DbConnection> OpenConnectionAsync(CancellationToken ct = default)
    {
        if (!IsPostgreSql) return Open();
        var c = CreatePostgreSqlConnection();
        await c.OpenAsync(ct);
        return c;
    }
}
