using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Workflows.Persistence;

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

    public override bool IsMissingTable(Exception e) => e is SqliteException { SqliteErrorCode: 1 }; // "no such table" (SQLITE_ERROR)

    public override bool Owns(DbConnection c) => c is SqliteConnection;

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
