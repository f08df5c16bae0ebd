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

    /// <summary>A unique or primary key refused the row (SQLite: constraint error 19; PostgreSQL: SqlState 23505).</summary>
    public abstract bool IsDuplicateKey(Exception e);

    /// <summary>Begins a write transaction; returns its <see cref="DbTransaction"/> where the provider has one (null on SQLite, see <see cref="SqliteDialect"/>).</summary>
    public abstract DbTransaction? Begin(PreparedConnection c);
    public abstract void Commit(PreparedConnection c, DbTransaction? tx);
    /// <summary>Rolls back if a transaction is still open; never throws for one that already ended.</summary>
    public abstract void Rollback(PreparedConnection c, DbTransaction? tx);

    /// <summary>
    /// The statement as this provider runs it. SQLite: as written. PostgreSQL: every PascalCase identifier quoted (see
    /// <see cref="PostgreSqlDialect.QuoteIdentifiers"/>), so SQL written with EF's names unquoted finds the tables EF created.
    /// Applied once per prepared statement (<see cref="PreparedConnection.Command"/>).
    /// </summary>
    public virtual string Sql(string text) => text;

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

    public override bool IsDuplicateKey(Exception e) =>
        (e is DbException d && d.SqlState == "23505") || (e.InnerException is { } inner && IsDuplicateKey(inner));

    public override DbTransaction? Begin(PreparedConnection c) => c.Connection.BeginTransaction(IsolationLevel.ReadCommitted);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _translated = new(StringComparer.Ordinal);

    public override string Sql(string text)
    {
        if (_translated.TryGetValue(text, out var sql)) return sql;
        if (_translated.Count > 4096) _translated.Clear();
        return _translated[text] = QuoteIdentifiers(text);
    }

    /// <summary>
    /// Quotes every PascalCase word of a statement (a word that starts with an upper-case letter and has a lower-case one:
    /// <c>WorkflowInstances</c>, <c>i.Id</c>), outside string literals, quoted identifiers, comments and parameters
    /// (<c>@name</c>). EF Core creates the PostgreSQL tables with their PascalCase names quoted, and PostgreSQL folds an
    /// unquoted name to lower case; SQL keywords are written in upper case and types and aliases in lower case, so they
    /// stay as written. Already-quoted identifiers are left alone.
    /// </summary>
    public static string QuoteIdentifiers(string sql)
    {
        var sb = new System.Text.StringBuilder(sql.Length + 64);
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (ch is '\'' or '"')
            {
                var j = i + 1;
                while (j < sql.Length && !(sql[j] == ch && (j + 1 >= sql.Length || sql[j + 1] != ch))) j += sql[j] == ch ? 2 : 1;
                j = Math.Min(j + 1, sql.Length);
                sb.Append(sql, i, j - i);
                i = j;
            }
            else if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var j = sql.IndexOf('\n', i);
                j = j < 0 ? sql.Length : j;
                sb.Append(sql, i, j - i);
                i = j;
            }
            else if (char.IsLetter(ch) || ch == '_')
            {
                var j = i;
                while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '_')) j++;
                var word = sql.AsSpan(i, j - i);
                var parameter = i > 0 && sql[i - 1] is '@' or '$' or ':';
                var pascal = char.IsUpper(word[0]) && word.ContainsAnyInRange('a', 'z');
                if (pascal && !parameter) sb.Append('"').Append(word).Append('"');
                else sb.Append(word);
                i = j;
            }
            else if (char.IsDigit(ch))
            {
                var j = i;
                while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] == '.')) j++;
                sb.Append(sql, i, j - i);
                i = j;
            }
            else
            {
                sb.Append(ch);
                i++;
            }
        }
        return sb.ToString();
    }

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
