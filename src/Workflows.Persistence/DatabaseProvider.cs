namespace Workflows.Persistence;

/// <summary>
/// The database engine the back office runs on (setting <c>Database:Provider</c>). Sqlite: one embedded file, one node
/// (or several processes on one host). PostgreSql: a server that several nodes on separate machines share; they share
/// nothing else (docs/operations.md, "Several nodes on PostgreSQL").
/// </summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}
