using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Workflows.Persistence.Sqlite;

/// <summary>
/// SQLite, the embedded default: one file in WAL mode (<see cref="SqliteDatabase"/>: pragmas on every connection), the
/// store's one writer and pool of readers with prepared statements (<see cref="SqliteConnections"/>), BEGIN IMMEDIATE
/// transactions and constraint codes (<see cref="SqliteDialect"/>), this project's migrations of both contexts
/// (Migrations/Workflows, Migrations/Domain, with the append-only triggers), and a lock file beside the database while
/// a process prepares it.
/// </summary>
public sealed class SqliteBackend : DatabaseBackend
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override SqlDialect Dialect => SqliteDialect.Instance;

    public override void Configure(DbContextOptionsBuilder builder, DatabaseOptions db, string? historyTable) =>
        db.ConfigureSqlite(builder, historyTable, MigrationsAssembly);

    public override DbConnection Open(DatabaseOptions db) => db.OpenSqlite();

    public override Task<DbConnection> OpenAsync(DatabaseOptions db, CancellationToken ct) => Task.FromResult<DbConnection>(db.OpenSqlite());

    public override StoreConnections CreateConnections(DatabaseOptions db) => new SqliteConnections(db);

    public override DbDataSource DataSource(DatabaseOptions db) => db.SqliteDataSource();

    /// <summary>The lock file <c>{Path}.startup-lock</c> (released by the OS with the process), then WAL and a stale EF migration lock cleared.</summary>
    public override async Task<IAsyncDisposable> PrepareAsync(DatabaseOptions db, ILogger logger, CancellationToken ct)
    {
        var lockFile = await SqliteDatabase.LockFileAsync(db.Path + ".startup-lock", logger, ct);
        try
        {
            db.EnsureWal();
            db.ClearStaleMigrationLock(logger);
            return lockFile;
        }
        catch
        {
            await lockFile.DisposeAsync();
            throw;
        }
    }
}
