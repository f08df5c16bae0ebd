namespace Workflows.Engine.Runtime;

/// <summary>
/// Identifiers for instances, bookmarks and activity executions: UUID version 7 (time-ordered), so new rows land at the
/// end of their indexes instead of on random pages, which keeps each committed step small.
/// </summary>
public static class Ids
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
