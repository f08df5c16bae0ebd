using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Workflows.Persistence;

/// <summary>
/// On PostgreSQL every table, column, key, foreign key and index has the lower-cased name of its SQLite twin
/// (<c>WorkflowInstances.Id</c> → <c>workflowinstances.id</c>), so raw SQL written with unquoted names, which PostgreSQL
/// folds to lower case, reads the same tables on both providers (docs/architecture.md, "Raw SQL on both providers").
/// Index filters get their quoted identifiers lower-cased too (<c>"Status" = 'Open'</c> → <c>"status" = 'Open'</c>).
/// </summary>
public static partial class PostgreSqlNames
{
    /// <summary>Call last in <c>OnModelCreating</c> when the context runs on Npgsql.</summary>
    public static void Apply(ModelBuilder b)
    {
        foreach (var entity in b.Model.GetEntityTypes())
        {
            if (entity.GetTableName() is not { } table) continue;
            entity.SetTableName(table.ToLowerInvariant());
            var id = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            foreach (var p in entity.GetDeclaredProperties())
                if (p.GetColumnName(id) is { } column) p.SetColumnName(column.ToLowerInvariant());
            foreach (var k in entity.GetDeclaredKeys())
                if (k.GetName() is { } name) k.SetName(name.ToLowerInvariant());
            foreach (var fk in entity.GetDeclaredForeignKeys())
                if (fk.GetConstraintName() is { } name) fk.SetConstraintName(name.ToLowerInvariant());
            foreach (var ix in entity.GetDeclaredIndexes())
            {
                if (ix.GetDatabaseName() is { } name) ix.SetDatabaseName(name.ToLowerInvariant());
                if (ix.GetFilter() is { } filter) ix.SetFilter(QuotedIdentifier().Replace(filter, m => m.Value.ToLowerInvariant()));
            }
        }
    }

    [GeneratedRegex("\"[^\"]+\"")]
    private static partial Regex QuotedIdentifier();
}
