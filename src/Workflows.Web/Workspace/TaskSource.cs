using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Activities;
using Workflows.Persistence;
using Workflows.Persistence.Entities;

namespace Workflows.Web.Workspace;

/// <summary>An open human task as the workspace reads it.</summary>
public sealed record TaskRef(string Id, string InstanceId, string ActivityId, string ActivityType, string Title, string Role, IReadOnlyList<string> Outcomes,
    string? Instructions, DateTimeOffset CreatedAt, DateTimeOffset? DueAt, string? Hours, string? EscalatedTo, JsonObject? Payload)
{
    /// <summary>Who may work a task: its role, and after an SLA escalation also the group it was escalated to.</summary>
    public bool MayBeWorkedBy(ClaimsPrincipal user) => user.IsInRole(Role) || (EscalatedTo is { } group && user.IsInRole(group));
}

/// <summary>
/// Where the workspace reads open tasks. For now the human-task bookmarks and their payload; when the typed task table
/// lands, only this implementation changes.
/// </summary>
public interface ITaskSource
{
    Task<TaskRef?> FindAsync(string taskId, CancellationToken ct);
    Task<IReadOnlyList<TaskRef>> OpenForInstancesAsync(IReadOnlyCollection<string> instanceIds, CancellationToken ct);
}

public sealed class BookmarkTaskSource(IDbContextFactory<WorkflowsDbContext> dbs) : ITaskSource
{
    public async Task<TaskRef?> FindAsync(string taskId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var b = await db.Bookmarks.AsNoTracking().FirstOrDefaultAsync(x => x.Id == taskId && x.Kind == BookmarkKinds.HumanTask, ct);
        return b is null ? null : From(b);
    }

    public async Task<IReadOnlyList<TaskRef>> OpenForInstancesAsync(IReadOnlyCollection<string> instanceIds, CancellationToken ct)
    {
        if (instanceIds.Count == 0) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Bookmarks.AsNoTracking().Where(x => instanceIds.Contains(x.InstanceId) && x.Kind == BookmarkKinds.HumanTask).OrderBy(x => x.CreatedAt).ToListAsync(ct);
        return rows.Select(From).ToList();
    }

    private static TaskRef From(BookmarkRecord b)
    {
        var p = b.PayloadJson is null ? null : JsonNode.Parse(b.PayloadJson) as JsonObject;
        string? S(string key) => p?[key] is JsonValue v ? v.ToString() : null;
        return new TaskRef(b.Id, b.InstanceId, b.ActivityId, b.ActivityType, S("title") ?? b.Name, S("role") ?? "",
            Workflows.Domain.Forms.TaskFormRules.OutcomesOf(p), S("instructions"), b.CreatedAt,
            S("dueAt") is { } due ? DateTimeOffset.Parse(due, CultureInfo.InvariantCulture) : null, S("hours"), S("escalatedTo"), p);
    }
}
