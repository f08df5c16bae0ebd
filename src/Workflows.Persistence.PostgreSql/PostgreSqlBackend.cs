using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Workflows.Persistence.PostgreSql;

/// <summary>
/// PostgreSQL, for several nodes: EF Core on Npgsql with this project's migrations of both contexts (Migrations/Workflows,
/// Migrations/Domain, with the append-only triggers of <see cref="AppendOnlyTables"/>), the store's pooled connections
/// (<see cref="PostgreSqlConnections"/>), READ COMMITTED transactions and SqlState codes (<see cref="PostgreSqlDialect"/>),
/// and an advisory lock while a node prepares the database (<see cref="StartupLock"/>).
/// </summary>
public sealed class PostgreSqlBackend : DatabaseBackend
{
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    public override SqlDialect Dialect => PostgreSqlDialect.Instance;

    /// <summary>
    /// EF Core on PostgreSQL: the same tables and PascalCase columns as on SQLite (quoted identifiers), instants as UTC
    /// ticks (bigint, the contexts' UtcTicksConverter convention), so raw SQL written once runs on both providers.
    /// </summary>
    public override void Configure(DbContextOptionsBuilder builder, DatabaseOptions db, string? historyTable) =>
        builder.UseNpgsql(db.RequirePostgreSql(), npgsql =>
        {
            npgsql.MigrationsAssembly(MigrationsAssembly);
            if (historyTable is not null) npgsql.MigrationsHistoryTable(historyTable);
        });

    /// <summary>An open connection from Npgsql's pool (per connection string).</summary>
    public override DbConnection Open(DatabaseOptions db)
    {
        var c = new NpgsqlConnection(db.RequirePostgreSql());
        c.Open();
        return c;
    }

    public override async Task<DbConnection> OpenAsync(DatabaseOptions db, CancellationToken ct)
    {
        var c = new NpgsqlConnection(db.RequirePostgreSql());
        await c.OpenAsync(ct);
        return c;
    }

    public override StoreConnections CreateConnections(DatabaseOptions db) => new PostgreSqlConnections(db.RequirePostgreSql());

    public override DbDataSource DataSource(DatabaseOptions db) => NpgsqlDataSource.Create(db.RequirePostgreSql());

    public override async Task<IAsyncDisposable> PrepareAsync(DatabaseOptions db, ILogger logger, CancellationToken ct) =>
        await StartupLock.AcquireAsync(db.RequirePostgreSql(), logger, ct);
}
