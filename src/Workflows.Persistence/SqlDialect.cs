using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Workflows.Persistence;

/// <summary>Which database the back office runs on. SQLite is the embedded default.</summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>
/// What differs between providers for raw SQL: how a write transaction begins and ends, and how an error is classified.
/// SQL text itself is the same on both (docs/architecture.md, "Raw SQL on both providers").
/// </summary>
public abstract class SqlDialect
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>The text to run for raw SQL written once for both providers (PostgreSQL: mixed-case names quoted, <see cref="PostgreSqlIdentifiers"/>).</summary>
    public virtual string Sql(string text) => text;

    /// <summary>A unique or primary key refused the row (SQLite: constraint error 19; PostgreSQL: SqlState 23505).</summary>
    public abstract bool IsDuplicateKey(Exception e);

    /// <summary>Begins a write transaction; returns its <see cref="DbTransaction"/> where the provider has one (null on SQLite, see <see cref="SqliteDialect"/>).</summary>
    public abstract DbTransaction? Begin(PreparedConnection c);
    public abstract void Commit(PreparedConnection c, DbTransaction? tx);
    /// <summary>Rolls back if a transaction is still open; never throws for one that already ended.</summary>
    public abstract void Rollback(PreparedConnection c, DbTransaction? tx);

    /// <summary>The dialect of a connection, for code that holds only a <see cref="DbConnection"/>.</summary>
    public static SqlDialect For(DbConnection c) => c is SqliteConnection ? SqliteDialect.Instance : PostgreSqlDialect.Instance;

    /// <summary>True when <paramref name="e"/> (or an inner exception) is a duplicate key, whatever the provider.</summary>
    public static bool IsAnyDuplicateKey(Exception e) => SqliteDialect.Instance.IsDuplicateKey(e) || PostgreSqlDialect.Instance.IsDuplicateKey(e);
}

/// <summary>
/// SQLite: the write transaction is <c>BEGIN IMMEDIATE</c> on the single writer connection, issued as a prepared statement
/// (as are COMMIT and ROLLBACK), so a step prepares nothing. Such a transaction has no <see cref="DbTransaction"/> object.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    public static readonly SqliteDialect Instance = new();
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override bool IsDuplicateKey(Exception e) =>
        e is SqliteException { SqliteExtendedErrorCode: 2067 or 1555 } ||  // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
         (e.InnerException is { } inner && IsDuplicateKey(inner));

    public override DbTransaction? Begin(PreparedConnection c)
    {
        c.Command("BEGIN IMMEDIATE", null).ExecuteNonQuery();
        return null;
    }

    public override void Commit(PreparedConnection c, DbTransaction? tx) => c.Command("COMMIT", null).ExecuteNonQuery();

    public override void Rollback(PreparedConnection c, DbTransaction? tx)
    {
        if (c.Connection is SqliteConnection s && SQLitePCL.raw.sqlite3_get_autocommit(s.Handle) == 0) c.Command("ROLLBACK", null).ExecuteNonQuery();
    }
}

/// <summary>
/// PostgreSQL: a READ COMMITTED transaction on a pooled connection; many writers at once. Correctness under
/// concurrency comes from the statements (the instance's revision check, unique keys, conditional updates), not from
/// a lock. Duplicate key is SqlState 23505.
/// </summary>
public sealed class PostgreSqlDialect : SqlDialect
{
    public static readonly PostgreSqlDialect Instance = new();
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    public override string Sql(string text) => PostgreSqlIdentifiers.Quote(text);

    public override bool IsDuplicateKey(Exception e) =>
        (e is DbException d && d.SqlState == "23505") || (e.InnerException is { } inner && IsDuplicateKey(inner));

    public override DbTransaction? Begin(PreparedConnection c) => c.Connection.BeginTransaction(IsolationLevel.ReadCommitted);

    public override void Commit(PreparedConnection c, DbTransaction? tx) => tx!.Commit();

    public override void Rollback(PreparedConnection c, DbTransaction? tx)
    {
        if (tx?.Connection is null) return; // already committed or rolled back
        try { tx.Rollback(); }
        catch (InvalidOperationException) { } // completed meanwhile
    }
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
