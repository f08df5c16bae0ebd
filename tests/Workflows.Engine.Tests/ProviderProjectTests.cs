using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Workflows.Domain;
using Workflows.Persistence;
using Workflows.Persistence.PostgreSql;
using Workflows.Persistence.Sqlite;

namespace Workflows.Engine.Tests;

/// <summary>
/// Provider specifics live in one project per provider (issue 13): the core names neither driver, one switch picks the
/// backend from Database:Provider, and each backend's contexts migrate from its own project with the migration ids that
/// existing databases already recorded.
/// </summary>
public sealed class ProviderProjectTests
{
    [Fact]
    public void The_core_references_neither_database_driver()
    {
        var references = typeof(DatabaseOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, n => n.StartsWith("Microsoft.Data.Sqlite", StringComparison.Ordinal)
                                               || n.StartsWith("Npgsql", StringComparison.Ordinal)
                                               || n.StartsWith("Microsoft.EntityFrameworkCore.Sqlite", StringComparison.Ordinal));
        Assert.Contains("Microsoft.EntityFrameworkCore.Relational", references);
    }

    [Fact]
    public void Database_Provider_chooses_the_backend_of_its_project()
    {
        var sqlite = new DatabaseOptions().Backend;
        Assert.IsType<SqliteBackend>(sqlite);
        Assert.Same(SqliteDialect.Instance, sqlite.Dialect);
        Assert.Equal("Workflows.Persistence.Sqlite", sqlite.MigrationsAssembly);

        var pg = new DatabaseOptions { Provider = DatabaseProvider.PostgreSql, PostgreSqlConnectionString = "Host=localhost;Database=x" }.Backend;
        Assert.IsType<PostgreSqlBackend>(pg);
        Assert.Same(PostgreSqlDialect.Instance, pg.Dialect);
        Assert.Equal("Workflows.Persistence.PostgreSql", pg.MigrationsAssembly);
    }

    [Fact]
    public void A_connection_tells_its_dialect()
    {
        using var dir = new TempFolder();
        var db = new DatabaseOptions { Path = Path.Combine(dir.Path, "d.db") };
        using var sqlite = db.Open();
        Assert.Same(SqliteDialect.Instance, SqlDialect.For(sqlite));
        using var pg = new Npgsql.NpgsqlConnection("Host=localhost;Database=x");
        Assert.Same(PostgreSqlDialect.Instance, SqlDialect.For(pg));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, "20261122172730_Initial", "20261122172742_DomainInitial")]
    [InlineData(DatabaseProvider.PostgreSql, "20261128135845_PostgreSqlInitial", "20261128135855_PostgreSqlDomainInitial")]
    public void Each_provider_migrates_both_contexts_from_its_project_with_the_ids_databases_recorded(DatabaseProvider provider, string firstWorkflows, string firstDomain)
    {
        using var dir = new TempFolder();
        var db = new DatabaseOptions { Provider = provider, Path = Path.Combine(dir.Path, "m.db"), PostgreSqlConnectionString = "Host=localhost;Database=x" };
        var w = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(w);
        using var workflows = new WorkflowsDbContext(w.Options);
        var d = new DbContextOptionsBuilder<DomainDbContext>();
        DomainDbContext.Configure(d, db);
        using var domain = new DomainDbContext(d.Options);
        // No connection is opened: the migrations are read from the provider's assembly.
        Assert.Equal(firstWorkflows, workflows.Database.GetMigrations().First());
        Assert.Equal(firstDomain, domain.Database.GetMigrations().First());
        Assert.All(new DbContext[] { workflows, domain }, c =>
            Assert.Equal(db.Backend.MigrationsAssembly, c.GetService<IMigrationsAssembly>().Assembly.GetName().Name));
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wf-providers-" + Guid.NewGuid().ToString("N")[..8]);
        public TempFolder() => Directory.CreateDirectory(Path);
        public void Dispose()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
