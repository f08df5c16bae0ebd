using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Workflows.Persistence;

/// <summary>Where the database is and how every connection to it is set up (WAL, synchronous level, busy timeout).</summary>
public sealed partial record DatabaseOptions
{
    /// <summary>Path of the SQLite file; created with its schema on first start.</summary>
    public string Path { get; init; } = "data/backoffice.db";
    /// <summary>
    /// SQLite's synchronous level in WAL mode. NORMAL (the default) never loses or half-applies a committed step when the
    /// process crashes; only an OS crash or power cut can lose the last transactions. FULL syncs every commit.
    /// </summary>
    public string Synchronous { get; init; } = "NORMAL";

    public string ConnectionString => new SqliteConnectionStringBuilder
    {
        DataSource = Path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public void Configure(DbContextOptionsBuilder builder) => Configure(builder, null);

    /// <summary>EF Core on the configured provider; <paramref name="historyTable"/> names a context's own migrations history.</summary>
    public void Configure(DbContextOptionsBuilder builder, string? historyTable)
    {
        if (Provider == DatabaseProvider.PostgreSql)
        {
            ConfigurePostgreSql(builder, historyTable);
            return;
        }
        builder.UseSqlite(ConnectionString, historyTable is null ? null : sqlite => sqlite.MigrationsHistoryTable(historyTable))
            .AddInterceptors(new PragmaInterceptor(this));
    }

    /// <summary>Per-connection settings: they are not stored in the file, so every opened connection gets them.</summary>
    public string ConnectionPragmas =>
        $"PRAGMA synchronous={Synchronous}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;";

    public SqliteConnection Open()
    {
        var c = new SqliteConnection(ConnectionString);
        c.Open();
        ApplyPragmasOnce(c);
        return c;
    }

    // Connections are pooled: the pragmas are applied once per physical connection, not on every Open.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Configured = new();

    private void ApplyPragmasOnce(DbConnection c)
    {
        var handle = (c as SqliteConnection)?.Handle;
        if (handle is not null && Configured.TryGetValue(handle, out _)) return;
        using var cmd = c.CreateCommand();
        cmd.CommandText = ConnectionPragmas;
        cmd.ExecuteNonQuery();
        if (handle is not null) Configured.AddOrUpdate(handle, this);
    }

    /// <summary>Switches the file to write-ahead logging (persistent in the file) and creates its folder.</summary>
    public void EnsureWal()
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        var mode = cmd.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"SQLite refused WAL mode for {Path} (got '{mode}').");
    }

    /// <summary>
    /// Connections for code that opens its own (Quartz's job store), with the same pragmas on open. Without them such a
    /// connection has no busy_timeout, so when the file's write lock is taken Microsoft.Data.Sqlite retries only every
    /// 150 ms, and it commits with synchronous=FULL.
    /// </summary>
    public DbDataSource DataSource() => new ConfiguredDataSource(this);

    private sealed class ConfiguredDataSource(DatabaseOptions options) : DbDataSource
    {
        public override string ConnectionString => options.ConnectionString;
        protected override DbConnection CreateDbConnection() => new ConfiguredConnection(options);
    }

    private sealed class ConfiguredConnection(DatabaseOptions options) : SqliteConnection(options.ConnectionString)
    {
        public override void Open()
        {
            base.Open();
            options.ApplyPragmasOnce(this);
        }
    }

    private sealed class PragmaInterceptor(DatabaseOptions options) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) =>
            options.ApplyPragmasOnce(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            options.ApplyPragmasOnce(connection);
            return Task.CompletedTask;
        }
    }
}
