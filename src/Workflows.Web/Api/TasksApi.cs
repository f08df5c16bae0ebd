using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>Human tasks: the open tasks for the caller's roles, and completing one (resuming its bookmark), exactly once.</summary>
public static class TasksApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tasks").RequireAuthorization(Policies.WorkTasks).WithTags("Tasks");
        group.MapGet("", List);
        group.MapPost("/{bookmarkId}/complete", Complete);
    }

    public sealed record TaskItem(string Id, string InstanceId, string ActivityId, string Title, string Role, IReadOnlyList<string> Outcomes,
        string? Instructions, DateTimeOffset CreatedAt, DateTimeOffset? DueAt, int Priority, string? EscalatedTo);

    /// <summary>Who may work a task: its role, and after an SLA escalation also the group it was escalated to.</summary>
    private static bool MayWork(System.Security.Claims.ClaimsPrincipal user, JsonObject? payload) =>
        user.IsInRole(payload?["role"]?.ToString() ?? "") || (payload?["escalatedTo"]?.ToString() is { } group && user.IsInRole(group));

    private static async Task<Ok<List<TaskItem>>> List(WorkflowsDbContext db, HttpContext http, CancellationToken ct)
    {
        var rows = await db.Bookmarks.AsNoTracking().Where(b => b.Kind == BookmarkKinds.HumanTask).OrderBy(b => b.CreatedAt).Take(1000).ToListAsync(ct);
        var tasks = rows.Select(b => (b, payload: b.PayloadJson is null ? new JsonObject() : JsonNode.Parse(b.PayloadJson)!.AsObject()))
            .Where(x => MayWork(http.User, x.payload))
            .Select(x => new TaskItem(x.b.Id, x.b.InstanceId, x.b.ActivityId, x.payload["title"]?.ToString() ?? x.b.Name, x.payload["role"]?.ToString() ?? "",
                x.payload["outcomes"] is JsonArray a ? a.Select(o => o!.ToString()).ToList() : [], x.payload["instructions"]?.ToString(), x.b.CreatedAt,
                x.payload["dueAt"]?.GetValue<string>() is { } due ? DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture) : null,
                x.payload["priority"]?.GetValue<int>() ?? 0, x.payload["escalatedTo"]?.ToString()))
            .OrderByDescending(t => t.Priority).ThenBy(t => t.DueAt ?? DateTimeOffset.MaxValue)
            .ToList();
        return TypedResults.Ok(tasks);
    }

    public sealed record CompleteRequest(string? Outcome, JsonObject? Data);

    /// <summary>
    /// Completes a task. The Idempotency-Key header is required: a retried request (lost response, double click) returns the
    /// first result instead of running twice. Only members of the task's role may complete it.
    /// </summary>
    private static async Task<Results<Ok<StepResult>, ProblemHttpResult>> Complete(WorkflowRuntime runtime, HttpContext http, string bookmarkId,
        CompleteRequest? request, [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key))
            return ProblemMapping.Problem(400, "Idempotency-Key required",
                "Send an Idempotency-Key header (e.g. a new UUID per user action) so that a retried completion does not run twice.");
        var user = http.User.ActorFor(Policies.WorkTasks);
        var result = await runtime.ResumeAsync(bookmarkId, new ResumeInput(request?.Outcome, request?.Data), user, key, ct, (bookmark, _) =>
        {
            if (bookmark.Kind != BookmarkKinds.HumanTask) throw new BookmarkNotFoundException(bookmarkId);
            var role = bookmark.Payload?["role"]?.ToString() ?? "";
            if (!MayWork(http.User, bookmark.Payload)) throw new TaskForbiddenException(role);
            return user with { Role = http.User.IsInRole(role) ? role : bookmark.Payload!["escalatedTo"]!.ToString() };
        });
        return TypedResults.Ok(result);
    }
}

/// <summary>The caller is not in the role the task is assigned to.</summary>
public sealed class TaskForbiddenException(string role) : Exception($"This task is for the {role} role.");
