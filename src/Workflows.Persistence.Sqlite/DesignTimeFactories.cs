using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Workflows.Domain;

namespace Workflows.Persistence.Sqlite;

/// <summary>
/// Lets <c>dotnet ef migrations add … --project src/Workflows.Persistence.Sqlite</c> build both contexts on SQLite
/// without the web host. docs/operations.md, "Migrations".
/// </summary>
internal static class DesignTime
{
    public static readonly DatabaseOptions Options = new() { Provider = DatabaseProvider.Sqlite, Path = "design-time.db" };
}

public sealed class WorkflowsDesignTimeFactory : IDesignTimeDbContextFactory<WorkflowsDbContext>
{
    public WorkflowsDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<WorkflowsDbContext>();
        DesignTime.Options.Configure(builder);
        return new WorkflowsDbContext(builder.Options);
    }
}

public sealed class DomainDesignTimeFactory : IDesignTimeDbContextFactory<DomainDbContext>
{
    public DomainDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<DomainDbContext>();
        DomainDbContext.Configure(builder, DesignTime.Options);
        return new DomainDbContext(builder.Options);
    }
}
