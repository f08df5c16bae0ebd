using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Workflows.Persistence;

/// <summary>
/// What a database provider brings, implemented once per provider in its own project: EF Core options with that
/// project's migrations (<see cref="MigrationsAssembly"/>), connections, the store's connections (<see cref="StoreConnections"/>),
/// its <see cref="SqlDialect"/> (transactions, duplicate keys), and what start-up needs (SQLite: a lock file, WAL;
/// PostgreSQL: an advisory lock). The provider-neutral code (stores, contexts, evidence, domain) reaches a provider only
/// through this class.
/// </summary>
public abstract class DatabaseBackend
{
    public abstract DatabaseProvider Provider { get; }

    public abstract SqlDialect Dialect { get; }

    /// <summary>The assembly that holds this provider's migrations of both contexts (WorkflowsDbContext, DomainDbContext).</summary>
    public string MigrationsAssembly => GetType().Assembly.GetName().Name!;

    /// <summary>EF Core on this provider, with its migrations; <paramref name="historyTable"/> names a context's own migrations history.</summary>
    public abstract void Configure(DbContextOptionsBuilder builder, DatabaseOptions db, string? historyTable);

    /// <summary>An open connection.</summary>
    public abstract DbConnection Open(DatabaseOptions db);

    /// <inheritdoc cref="Open"/>
    public abstract Task<DbConnection> OpenAsync(DatabaseOptions db, CancellationToken ct);

    /// <summary>The connections of the step store and every raw-SQL writer (one per process).</summary>
    public abstract StoreConnections CreateConnections(DatabaseOptions db);

    /// <summary>A data source for code that opens its own connections (Quartz's job store).</summary>
    public abstract DbDataSource DataSource(DatabaseOptions db);

    /// <summary>
    /// Held while this process prepares the database (migrations, seeding, workflow import), so nodes that start at once
    /// take turns; also readies the database for migrating (SQLite: its folder, WAL, a stale EF migration lock).
    /// Dispose to let the next node in.
    /// </summary>
    public abstract Task<IAsyncDisposable> PrepareAsync(DatabaseOptions db, ILogger logger, CancellationToken ct);

    private static readonly Lazy<DatabaseBackend> Sqlite = new(() => Load(DatabaseProvider.Sqlite, "Workflows.Persistence.Sqlite", "Workflows.Persistence.Sqlite.SqliteBackend"));
    private static readonly Lazy<DatabaseBackend> PostgreSql = new(() => Load(DatabaseProvider.PostgreSql, "Workflows.Persistence.PostgreSql", "Workflows.Persistence.PostgreSql.PostgreSqlBackend"));

    /// <summary>
    /// The one place that chooses a provider's implementation from Database:Provider. Each provider project holds its
    /// backend; this core cannot reference them (they reference it, and the Domain project, for their migrations), so the
    /// backend is found by its assembly's name: every host, benchmark and test harness that references the provider
    /// projects gets the same choice, with no registration to remember.
    /// </summary>
    public static DatabaseBackend For(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Sqlite => Sqlite.Value,
        DatabaseProvider.PostgreSql => PostgreSql.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Database:Provider must be Sqlite or PostgreSql."),
    };

    /// <summary>Every provider, in the order used to tell a connection's or an error's provider (SQLite, the default, first).</summary>
    internal static readonly DatabaseProvider[] Providers = [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    private static DatabaseBackend Load(DatabaseProvider provider, string assembly, string type)
    {
        Assembly loaded;
        try { loaded = Assembly.Load(assembly); }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException($"Database:Provider is {provider} but its project {assembly} is not part of this application (add a reference to it).", e);
        }
        var backend = (DatabaseBackend)Activator.CreateInstance(loaded.GetType(type, throwOnError: true)!)!;
        return backend.Provider == provider ? backend : throw new InvalidOperationException($"{type} is not the {provider} backend.");
    }
}
