using Microsoft.EntityFrameworkCore.Migrations;

namespace Workflows.Persistence.PostgreSql;

/// <summary>
/// Tables the database itself keeps append-only, as the SQLite triggers do (RAISE(ABORT) there): a trigger function
/// raises on UPDATE or DELETE of a row, and on TRUNCATE of the table, with the same message as on SQLite. The error is
/// SQLSTATE 23001 (restrict_violation): an integrity rule refused the change.
/// </summary>
public static class AppendOnlyTables
{
    /// <summary>The function the triggers call; its first argument is the message.</summary>
    public const string Function = "refuse_change";

    public static void CreateFunction(MigrationBuilder m) => m.Sql($"""
        CREATE OR REPLACE FUNCTION {Function}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
        END
        $body$;
        """);

    /// <summary>Refuses UPDATE, DELETE and TRUNCATE of <paramref name="table"/>.</summary>
    public static void Refuse(MigrationBuilder m, string table, string message, bool update = true)
    {
        var text = message.Replace("'", "''");
        table = table.ToLowerInvariant(); // PostgreSqlNames: the PostgreSQL tables have lower-case names
        if (update)
            m.Sql($"""CREATE TRIGGER "{table}_NoUpdate" BEFORE UPDATE ON "{table}" FOR EACH ROW EXECUTE FUNCTION {Function}('{text}');""");
        m.Sql($"""CREATE TRIGGER "{table}_NoDelete" BEFORE DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION {Function}('{text}');""");
        m.Sql($"""CREATE TRIGGER "{table}_NoTruncate" BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {Function}('{text}');""");
    }

    /// <summary>Drops the triggers of <paramref name="table"/> (in Down, before its table goes).</summary>
    public static void Allow(MigrationBuilder m, string table)
    {
        table = table.ToLowerInvariant();
        foreach (var name in new[] { "NoUpdate", "NoDelete", "NoTruncate" })
            m.Sql($"""DROP TRIGGER IF EXISTS "{table}_{name}" ON "{table}";""");
    }
}
