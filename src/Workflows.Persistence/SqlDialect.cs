using System.Data.Common;

namespace Workflows.Persistence;

/// <summary>
/// What differs between providers for raw SQL: how a write transaction begins and ends, and how an error is classified.
/// SQL text itself is the same on both (docs/architecture.md, "Raw SQL on both providers"). Each provider's dialect is in
/// its project (SqliteDialect in Workflows.Persistence.Sqlite, PostgreSqlDialect in Workflows.Persistence.PostgreSql).
/// </summary>
public abstract class SqlDialect
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>A unique or primary key refused the row (SQLite: constraint error 19; PostgreSQL: SqlState 23505).</summary>
    public abstract bool IsDuplicateKey(Exception e);

    /// <summary>The statement named a table that does not exist (yet): SQLite error 1 ("no such table"), PostgreSQL 42P01.</summary>
    public abstract bool IsMissingTable(Exception e);

    /// <summary>True when <paramref name="c"/> is a connection of this provider.</summary>
    public abstract bool Owns(DbConnection c);

    /// <summary>Begins a write transaction; returns its <see cref="DbTransaction"/> where the provider has one (null on SQLite, whose transaction is a prepared <c>BEGIN IMMEDIATE</c>).</summary>
    public abstract DbTransaction? Begin(PreparedConnection c);
    public abstract void Commit(PreparedConnection c, DbTransaction? tx);
    /// <summary>Rolls back if a transaction is still open; never throws for one that already ended.</summary>
    public abstract void Rollback(PreparedConnection c, DbTransaction? tx);

    /// <summary>
    /// The statement as this provider runs it. SQLite: as written. PostgreSQL: every PascalCase identifier quoted (see
    /// <c>PostgreSqlDialect.QuoteIdentifiers</c>), so SQL written with EF's names unquoted finds the tables EF created.
    /// Applied once per prepared statement (<see cref="PreparedConnection.Command"/>).
    /// </summary>
    public virtual string Sql(string text) => text;

    /// <summary>The dialect of a connection, for code that holds only a <see cref="DbConnection"/>.</summary>
    public static SqlDialect For(DbConnection c)
    {
        foreach (var provider in DatabaseBackend.Providers) // no allocation: SetSql calls this for every command it sets
            if (DatabaseBackend.For(provider).Dialect is var dialect && dialect.Owns(c)) return dialect;
        throw new NotSupportedException($"No database provider of this application owns a {c.GetType().Name}.");
    }

    /// <summary>True when <paramref name="e"/> (or an inner exception) is a duplicate key, whatever the provider.</summary>
    public static bool IsAnyDuplicateKey(Exception e) => Array.Exists(DatabaseBackend.Providers, p => DatabaseBackend.For(p).Dialect.IsDuplicateKey(e));
}

/// <summary>Provider-neutral spelling of Microsoft.Data.Sqlite's <c>Parameters.AddWithValue</c>.</summary>
public static class DbCommandExtensions
{
    /// <summary>Sets raw SQL written once for both providers, in the spelling of the command's provider (<see cref="SqlDialect.Sql"/>).</summary>
    public static void SetSql(this DbCommand cmd, string sql) =>
        cmd.CommandText = cmd.Connection is { } c ? SqlDialect.For(c).Sql(sql) : sql;

    public static DbParameter AddWithValue(this DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
        return p;
    }
}
