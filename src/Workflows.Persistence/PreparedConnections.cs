using System.Data.Common;

namespace Workflows.Persistence;

/// <summary>
/// An open connection that keeps its statements prepared: each distinct SQL text gets one command, created once and then
/// only re-bound. On SQLite statement preparation is most of the cost of a small transaction, so the hot path never
/// prepares twice; on PostgreSQL the same cache saves building commands (Npgsql prepares them server-side by itself).
/// Provider-neutral: SQL given here follows the rules in docs/architecture.md ("Raw SQL on both providers").
/// </summary>
public sealed class PreparedConnection(DbConnection connection, SqlDialect dialect) : IDisposable
{
    private const int MaxCachedCommands = 256;
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbConnection Connection { get; } = connection;
    public SqlDialect Dialect { get; } = dialect;

    public DbCommand Command(string sql, DbTransaction? tx, params (string Name, object? Value)[] args)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            if (_commands.Count >= MaxCachedCommands)
            {
                foreach (var old in _commands.Values) old.Dispose();
                _commands.Clear();
            }
            cmd = Connection.CreateCommand();
            cmd.CommandText = Dialect.Sql(sql);
            _commands[sql] = cmd;
        }
        cmd.Transaction = tx;
        // A given SQL text is always called with the same parameters in the same order, so after the first call they are set by position.
        var parameters = cmd.Parameters;
        if (parameters.Count != args.Length)
        {
            parameters.Clear();
            foreach (var (name, value) in args)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = value ?? DBNull.Value;
                parameters.Add(p);
            }
        }
        else
        {
            for (var i = 0; i < args.Length; i++) parameters[i].Value = args[i].Value ?? DBNull.Value;
        }
        return cmd;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction on this connection (SQLite: BEGIN IMMEDIATE on the single
    /// writer; PostgreSQL: READ COMMITTED): committed whole, or rolled back.
    /// </summary>
    public T InTransaction<T>(Func<WriteTransaction, T> work, DateTimeOffset now)
    {
        var tx = Dialect.Begin(this);
        try
        {
            var result = work(new WriteTransaction(this, tx, now));
            Dialect.Commit(this, tx);
            return result;
        }
        catch
        {
            Dialect.Rollback(this, tx);
            throw;
        }
    }

    /// <summary>As <see cref="InTransaction{T}(Func{WriteTransaction,T},DateTimeOffset)"/>, for work that writes through <see cref="Command"/>.</summary>
    public T InTransaction<T>(Func<T> work) => InTransaction(_ => work(), default);

    public void Dispose()
    {
        foreach (var c in _commands.Values) c.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}

/// <summary>
/// The store's connections, whatever the provider: <see cref="WriteAsync{T}"/> lends a connection for writing,
/// <see cref="ReadAsync{T}"/> one for reading. Both keep statements prepared (<see cref="PreparedConnection"/>).
/// </summary>
public abstract class StoreConnections : IDisposable
{
    public abstract SqlDialect Dialect { get; }

    /// <summary>
    /// True when writes are serialized through one connection (SQLite: one writer at a time): the store then commits
    /// concurrent steps in groups (<see cref="Stores.WorkflowStore"/>). PostgreSQL has many writers at once.
    /// </summary>
    public virtual bool SingleWriter => Dialect.Provider == DatabaseProvider.Sqlite;

    /// <summary>Runs <paramref name="work"/> on a connection that may write (SQLite: the one writer, exclusively).</summary>
    public abstract Task<T> WriteAsync<T>(Func<PreparedConnection, Task<T>> work, CancellationToken ct);

    /// <summary>Runs <paramref name="work"/> on a reader connection.</summary>
    public abstract Task<T> ReadAsync<T>(Func<PreparedConnection, Task<T>> work);

    public abstract void Dispose();
}
