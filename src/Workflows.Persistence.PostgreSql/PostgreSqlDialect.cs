using System.Data;
using System.Data.Common;
using Npgsql;

namespace Workflows.Persistence;

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

    public override bool IsMissingTable(Exception e) => e is DbException { SqlState: "42P01" }; // undefined_table

    public override bool Owns(DbConnection c) => c is NpgsqlConnection;

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
