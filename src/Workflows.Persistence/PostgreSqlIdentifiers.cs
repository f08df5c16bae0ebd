using System.Collections.Concurrent;
using System.Text;

namespace Workflows.Persistence;

/// <summary>
/// Raw SQL is written once for both providers with the tables' and columns' own PascalCase names, unquoted
/// (<c>SELECT Id FROM WorkflowInstances</c>). SQLite matches names without regard to case; PostgreSQL folds unquoted
/// names to lower case, while EF Core created the tables there with quoted PascalCase names ("WorkflowInstances").
/// So on PostgreSQL every mixed-case name in raw SQL is quoted before it runs: a word with both upper- and lower-case
/// letters, outside string literals, quoted names and parameters (@name). SQL keywords are written in capitals and
/// aliases in lower case (docs/architecture.md, "Raw SQL on both providers"), so neither is touched. Each distinct text
/// is translated once.
/// </summary>
public static class PostgreSqlIdentifiers
{
    private static readonly ConcurrentDictionary<string, string> Translated = new(StringComparer.Ordinal);

    public static string Quote(string sql) => Translated.Count < 10_000 ? Translated.GetOrAdd(sql, Translate) : Translate(sql);

    public static string Translate(string sql)
    {
        var b = new StringBuilder(sql.Length + 32);
        var i = 0;
        while (i < sql.Length)
        {
            var ch = sql[i];
            if (ch is '\'' or '"')
            {
                var end = sql.IndexOf(ch, i + 1);
                end = end < 0 ? sql.Length - 1 : end;
                b.Append(sql, i, end - i + 1);
                i = end + 1;
            }
            else if (ch == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                b.Append(sql, i, end - i);
                i = end;
            }
            else if (char.IsLetter(ch) || ch == '_')
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_')) i++;
                var word = sql.AsSpan(start, i - start);
                var parameter = start > 0 && sql[start - 1] is '@' or ':' or '$';
                if (!parameter && word.ContainsAnyInRange('A', 'Z') && word.ContainsAnyInRange('a', 'z'))
                    b.Append('"').Append(word).Append('"');
                else b.Append(word);
            }
            else if (char.IsDigit(ch))
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '.')) i++;
                b.Append(sql, start, i - start);
            }
            else
            {
                b.Append(ch);
                i++;
            }
        }
        return b.ToString();
    }
}
