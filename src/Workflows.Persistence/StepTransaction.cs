using System.Data.Common;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence;

/// <summary>
/// A write transaction that is open: its connection, its <see cref="DbTransaction"/> (null on SQLite, where the
/// transaction is a prepared <c>BEGIN IMMEDIATE</c> statement), the time it writes as, and small helpers that run
/// provider-neutral SQL (<c>@name</c> parameters) through the connection's prepared statements. Whoever is handed one
/// writes inside it and never commits: the owner does.
/// </summary>
public class WriteTransaction(PreparedConnection prepared, DbTransaction? transaction, DateTimeOffset now)
{
    public PreparedConnection Prepared { get; } = prepared;
    public DbConnection Connection => Prepared.Connection;
    public DbTransaction? Transaction { get; } = transaction;
    public SqlDialect Dialect => Prepared.Dialect;
    public DateTimeOffset Now { get; } = now;

    /// <summary>The prepared command for <paramref name="sql"/>, bound to <paramref name="args"/> and this transaction.</summary>
    public DbCommand Command(string sql, params (string Name, object? Value)[] args) => Prepared.Command(sql, Transaction, args);

    /// <summary>Runs a statement; returns the rows it affected.</summary>
    public int Execute(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteNonQuery();

    /// <summary>The first column of the first row, or null.</summary>
    public object? Scalar(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteScalar() is var v && v is DBNull ? null : v;

    /// <summary>A reader over the rows; dispose it before the next statement.</summary>
    public DbDataReader Reader(string sql, params (string Name, object? Value)[] args) => Command(sql, args).ExecuteReader();
}

/// <summary>
/// The transaction of one workflow step, as the store hands it to its plug-ins (<see cref="Stores.IStepEffectHandler"/>,
/// <see cref="Stores.IStepCommitObserver"/>): the step's rows (instance, bookmarks, journal, idempotency record) are
/// written in it already, and what the plug-ins write commits with them or not at all.
/// </summary>
public sealed class StepTransaction(PreparedConnection prepared, DbTransaction? transaction, StepCommit commit)
    : WriteTransaction(prepared, transaction, commit.Instance.UpdatedAt)
{
    public StepCommit Commit { get; } = commit;
    public WorkflowInstance Instance => Commit.Instance;
}
