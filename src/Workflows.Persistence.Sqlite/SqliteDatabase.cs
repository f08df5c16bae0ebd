using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Workflows.Persistence;

/// <summary>How every connection to the SQLite file is set up (WAL, synchronous level, busy timeout).</summary>
public static class SqliteDatabase
{
    /// <summary>The SQLite connection string of <see cref="DatabaseOptions.Path"/>.</summary>
    public static string SqliteConnectionString(this DatabaseOptions db) => new SqliteConnectionStringBuilder
    {
        DataSource = db.Path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>EF Core on the SQLite file, with this project's migrations and the pragmas on every connection it opens.</summary>
    internal static void ConfigureSqlite(this DatabaseOptions db, DbContextOptionsBuilder builder, string? historyTable, string migrationsAssembly) =>
        builder.UseSqlite(db.SqliteConnectionString(), sqlite =>
            {
                sqlite.MigrationsAssembly(migrationsAssembly);
                if (historyTable is not null) sqlite.MigrationsHistoryTable(historyTable);
            })
            .AddInterceptors(new PragmaInterceptor(db));

    /// <summary>Per-connection settings: they are not stored in the file, so every opened connection gets them.</summary>
    public static string ConnectionPragmas(this DatabaseOptions db) =>
        $"PRAGMA synchronous={db.Synchronous}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;";

    /// <summary>An open connection to the file, with its pragmas.</summary>
    public static SqliteConnection OpenSqlite(this DatabaseOptions db)
    {
        var c = new SqliteConnection(db.SqliteConnectionString());
        c.Open();
        ApplyPragmasOnce(db, c);
        return c;
    }

    // Connections are pooled: the pragmas are applied once per physical connection, not on every Open.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Configured = new();

    private static void ApplyPragmasOnce(DatabaseOptions db, DbConnection c)
    {
        var handle = (c as SqliteConnection)?.Handle;
        if (handle is not null && Configured.TryGetValue(handle, out _)) return;
        using var cmd = c.CreateCommand();
        cmd.CommandText = db.ConnectionPragmas();
        cmd.ExecuteNonQuery();
        if (handle is not null) Configured.AddOrUpdate(handle, db);
    }

    /// <summary>Switches the file to write-ahead logging (persistent in the file) and creates its folder.</summary>
    public static void EnsureWal(this DatabaseOptions db)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(db.Path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var c = db.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = cmd.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode for {db.Path} (got '{mode}').");
    }

    /// <summary>
    /// Connections for code that opens its own (Quartz's job store), with the same pragmas on open. Without them such a
    /// connection has no busy_timeout, so when the file's write lock is taken Microsoft.Data.Sqlite retries only every
    /// 150 ms, and it commits with synchronous=FULL.
    /// </summary>
    internal static DbDataSource SqliteDataSource(this DatabaseOptions db) => new ConfiguredDataSource(db);

    private sealed class ConfiguredDataSource(DatabaseOptions options) : DbDataSource
    {
        public override string ConnectionString => options.SqliteConnectionString();
        protected override DbConnection CreateDbConnection() => new ConfiguredConnection(options);
    }

    private sealed class ConfiguredConnection(DatabaseOptions options) : SqliteConnection(options.SqliteConnectionString())
    {
        public override void Open()
        {
            base.Open();
            ApplyPragmasOnce(options, this);
        }
    }

    private sealed class PragmaInterceptor(DatabaseOptions options) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            ApplyPragmasOnce(options, connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            ApplyPragmasOnce(options, connection);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// An exclusive lock on a file beside the database, held while this process prepares it. The operating system
    /// releases it when the process ends, however it ends, so a crashed node never leaves it behind.
    /// </summary>
    internal static async Task<FileStream> LockFileAsync(string path, ILogger logger, CancellationToken ct)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var waited = false;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                if (!waited) logger.LogInformation("Another process holds {LockFile} and is preparing the database; waiting for it", path);
                waited = true;
                await Task.Delay(200, ct);
            }
        }
    }

    /// <summary>
    /// EF Core's migration lock is a row in <c>__EFMigrationsLock</c>: a process killed while migrating leaves it behind and
    /// every later start would wait for it for ever. Every node migrates only while holding the startup file lock, which the
    /// operating system releases with the process; so a row found while we hold that lock belongs to a dead process and is
    /// removed (with a warning naming when it was taken).
    /// </summary>
    public static void ClearStaleMigrationLock(this DatabaseOptions database, ILogger logger)
    {
        if (!File.Exists(database.Path)) return;
        using var c = database.OpenSqlite();
        using var exists = c.CreateCommand();
        exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '__EFMigrationsLock'";
        if ((long)exists.ExecuteScalar()! == 0) return;
        using var read = c.CreateCommand();
        read.CommandText = "SELECT Timestamp FROM __EFMigrationsLock";
        var takenAt = read.ExecuteScalar() as string;
        if (takenAt is null) return;
        using var delete = c.CreateCommand();
        delete.CommandText = "DELETE FROM __EFMigrationsLock";
        delete.ExecuteNonQuery();
        logger.LogWarning("Removed a stale database migration lock taken at {LockTakenAt} by a process that ended while migrating", takenAt);
    }
}
