using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using Workflows.Persistence;

namespace Workflows.Web.Tests;

/// <summary>
/// The Web tests' own reads and writes of the back office's database, written once for both providers of the test matrix:
/// a connection for the configured provider (<see cref="DatabaseOptions.OpenConnectionAsync"/>), SQL through
/// <see cref="DbCommandExtensions.SetSql"/> (PascalCase names quoted on PostgreSQL), parameters <c>@name</c>.
/// </summary>
public static class TestSql
{
    /// <summary>An open connection on the host's provider (a test's synchronous helper may block on it).</summary>
    public static DbConnection Connect(this DatabaseOptions db) => db.OpenConnectionAsync().GetAwaiter().GetResult();

    public static DbCommand Command(this DbConnection c, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.SetSql(sql);
        foreach (var (n, v) in args) cmd.AddWithValue(n, v);
        return cmd;
    }

    public static object? Scalar(this DatabaseOptions db, string sql, params (string Name, object? Value)[] args)
    {
        using var c = db.Connect();
        using var cmd = c.Command(sql, args);
        var v = cmd.ExecuteScalar();
        return v is DBNull ? null : v;
    }

    public static long Long(this DatabaseOptions db, string sql, params (string Name, object? Value)[] args) =>
        Convert.ToInt64(db.Scalar(sql, args));

    public static int Execute(this DatabaseOptions db, string sql, params (string Name, object? Value)[] args)
    {
        using var c = db.Connect();
        using var cmd = c.Command(sql, args);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>Every row of a query, each as its column values (DBNull as null).</summary>
    public static List<object?[]> Rows(this DatabaseOptions db, string sql, params (string Name, object? Value)[] args)
    {
        using var c = db.Connect();
        using var cmd = c.Command(sql, args);
        using var r = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (r.Read())
        {
            var row = new object?[r.FieldCount];
            for (var i = 0; i < r.FieldCount; i++) row[i] = r.IsDBNull(i) ? null : r.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// Runs <paramref name="sql"/> on <paramref name="tables"/>, which the database keeps append-only, the way someone with
    /// rights on the database would get past that: on SQLite the triggers are dropped and created again as they were
    /// (their SQL read from sqlite_master); on PostgreSQL the tables' triggers are disabled for the statement
    /// (<c>ALTER TABLE … DISABLE TRIGGER USER</c>) and enabled again. Either way the triggers are back afterwards.
    /// </summary>
    public static int Tamper(this DatabaseOptions db, string[] tables, string sql, params (string Name, object? Value)[] args)
    {
        using var c = db.Connect();
        if (c is SqliteConnection)
        {
            var triggers = new List<(string Name, string Sql)>();
            foreach (var table in tables)
            {
                using var q = c.Command("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = @t", ("@t", table));
                using var r = q.ExecuteReader();
                while (r.Read()) triggers.Add((r.GetString(0), r.GetString(1)));
            }
            foreach (var (name, _) in triggers) Run(c, $"DROP TRIGGER {name}");
            try { return Run(c, sql, args); }
            finally { foreach (var (_, create) in triggers) Run(c, create); }
        }
        foreach (var table in tables) Run(c, $"ALTER TABLE \"{table}\" DISABLE TRIGGER USER");
        try { return Run(c, sql, args); }
        finally { foreach (var table in tables) Run(c, $"ALTER TABLE \"{table}\" ENABLE TRIGGER USER"); }
    }

    private static int Run(DbConnection c, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = c.Command(sql, args);
        return cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Everything the database holds at rest, as text an attacker with the storage would read. SQLite: the bytes of the
    /// database file and its WAL (after a checkpoint). PostgreSQL: every value of every row of every table outside the
    /// system schemas, as a dump would write it (bytea decoded as UTF-8).
    /// </summary>
    public static string TextAtRest(this DatabaseOptions db)
    {
        var text = new StringBuilder();
        if (!db.IsPostgreSql)
        {
            SqliteConnection.ClearAllPools();
            using (var c = db.OpenSqlite())
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "PRAGMA wal_checkpoint(FULL)";
                cmd.ExecuteNonQuery();
            }
            foreach (var file in new[] { db.Path, db.Path + "-wal" }.Where(File.Exists))
            {
                using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                text.Append(Encoding.UTF8.GetString(new BinaryReader(s).ReadBytes((int)s.Length)));
            }
            return text.ToString();
        }
        foreach (var (_, _, value) in Values(db)) text.Append(value).Append('\n');
        return text.ToString();
    }

    /// <summary>For a failure message: the tables and columns whose text holds <paramref name="value"/>.</summary>
    public static string TablesHolding(this DatabaseOptions db, string value) =>
        string.Join(", ", Values(db).Where(v => v.Value.Contains(value, StringComparison.Ordinal)).Select(v =>
        {
            var at = v.Value.IndexOf(value, StringComparison.Ordinal);
            return $"{v.Table}.{v.Column} ({v.Value[Math.Max(0, at - 300)..Math.Min(v.Value.Length, at + 100)]})";
        }).Distinct());

    /// <summary>Every non-null value of every user table, as text.</summary>
    private static IEnumerable<(string Table, string Column, string Value)> Values(DatabaseOptions db)
    {
        using var c = db.Connect();
        var tables = new List<string>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = c is SqliteConnection
                ? "SELECT '\"' || name || '\"' FROM sqlite_master WHERE type = 'table'"
                : "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')";
            using var r = cmd.ExecuteReader();
            while (r.Read()) tables.Add(r.GetString(0));
        }
        var found = new List<(string, string, string)>();
        foreach (var t in tables)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {t}";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                for (var i = 0; i < r.FieldCount; i++)
                    if (!r.IsDBNull(i))
                        found.Add((t, r.GetName(i), r.GetValue(i) switch
                        {
                            byte[] b => Encoding.UTF8.GetString(b),
                            string s => s,
                            var o => Convert.ToString(o, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                        }));
        }
        return found;
    }
}
