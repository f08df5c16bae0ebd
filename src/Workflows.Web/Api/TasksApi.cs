using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Domain.Tasks;
using Workflows.Engine.Runtime;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// Human tasks (the staff workspace's inbox): lists and counts as SQL over the task table, claim / release / assign /
/// follow-up / bulk actions, completing a task exactly once, out-of-office delegations, saved filters and the
/// supervisors' board. Every rule of who may do what is in <see cref="ITaskService"/>; this maps HTTP onto it.
/// </summary>
public static class TasksApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tasks").WithTags("Tasks");
        // Members and staff: their own lists, a task, completing it.
        group.MapGet("", List).RequireAuthorization(Policies.WorkTasks);
        group.MapGet("/{taskId}", Get).RequireAuthorization(Policies.WorkTasks);
        group.MapPost("/{taskId}/complete", Complete).RequireAuthorization(Policies.WorkTasks);
        // Staff: the inbox views, counts and task actions.
        group.MapGet("/inbox", Inbox).RequireAuthorization(Policies.StaffTasks);
        group.MapGet("/counts", Counts).RequireAuthorization(Policies.StaffTasks);
        group.MapPost("/{taskId}/claim", Claim).RequireAuthorization(Policies.StaffTasks);
        group.MapPost("/{taskId}/release", Release).RequireAuthorization(Policies.StaffTasks);
        group.MapPost("/{taskId}/follow-up", FollowUp).RequireAuthorization(Policies.StaffTasks);
        group.MapPost("/bulk", Bulk).RequireAuthorization(Policies.StaffTasks);
        group.MapGet("/delegations", Delegations).RequireAuthorization(Policies.StaffTasks);
        group.MapPost("/delegations", SetDelegation).RequireAuthorization(Policies.StaffTasks);
        group.MapDelete("/delegations/{id:long}", RemoveDelegation).RequireAuthorization(Policies.StaffTasks);
        group.MapGet("/filters", Filters).RequireAuthorization(Policies.StaffTasks);
        group.MapPost("/filters", SaveFilter).RequireAuthorization(Policies.StaffTasks);
        group.MapDelete("/filters/{id:long}", RemoveFilter).RequireAuthorization(Policies.StaffTasks);
        // Supervisors: assign / reassign, the board.
        group.MapPost("/{taskId}/assign", Assign).RequireAuthorization(Policies.SuperviseTasks);
        group.MapGet("/board", Board).RequireAuthorization(Policies.SuperviseTasks);
    }

    /// <summary>The signed-in user as the task service sees them.</summary>
    public static TaskCaller Caller(this ClaimsPrincipal user) =>
        new(user.FindFirstValue(ClaimTypes.Name) ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "unknown",
            user.FindAll(ClaimTypes.Role).Select(c => c.Value).Distinct().ToList());

    /// <summary>
    /// Everything the caller may work (members: their own tasks), newest first, as a plain array; the next page's cursor is
    /// in the <c>X-Next-Cursor</c> header (pass it as <c>after</c>). Takes the same filters as /inbox.
    /// </summary>
    private static async Task<Ok<IReadOnlyList<TaskItem>>> List(ITaskService tasks, HttpContext http, CancellationToken ct)
    {
        var query = ParseQuery(http.Request.Query, TaskView.Workable, TaskSort.Created, descending: true, pageSize: TaskService.MaxPageSize);
        var page = await tasks.ListAsync(http.User.Caller(), query, ct);
        if (page.Next is not null) http.Response.Headers["X-Next-Cursor"] = page.Next;
        return TypedResults.Ok(page.Items);
    }

    /// <summary>
    /// One page of an inbox view: view = Mine | Unclaimed | Workable | Overdue | DueToday (supervisors also AllOpen |
    /// AllOverdue | AllEscalated); service, status (Unclaimed | Claimed | Escalated), minPriority, dueFrom, dueTo,
    /// policyNumber, member; sort = RemainingWorkingTime | Due | Created | Priority, desc; pageSize (1–200), after (cursor).
    /// </summary>
    private static async Task<Ok<TaskPage>> Inbox(ITaskService tasks, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await tasks.ListAsync(http.User.Caller(), ParseQuery(http.Request.Query, TaskView.Workable, TaskSort.RemainingWorkingTime, false, 50), ct));

    private static async Task<Ok<TaskCounts>> Counts(ITaskService tasks, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await tasks.CountAsync(http.User.Caller(), ParseFilter(http.Request.Query), ct));

    private static async Task<Ok<TaskItem>> Get(ITaskService tasks, HttpContext http, string taskId, CancellationToken ct) =>
        TypedResults.Ok(await tasks.GetAsync(http.User.Caller(), taskId, ct));

    public sealed record RevisionRequest(long? ExpectedRevision);
    public sealed record AssignRequest(string? Assignee, long? ExpectedRevision);
    public sealed record FollowUpRequest(DateTimeOffset? FollowUpAt, long? ExpectedRevision);

    private static async Task<Ok<TaskItem>> Claim(ITaskService tasks, HttpContext http, string taskId, RevisionRequest? request, CancellationToken ct) =>
        TypedResults.Ok(await tasks.ClaimAsync(http.User.Caller(), taskId, request?.ExpectedRevision, ct));

    private static async Task<Ok<TaskItem>> Release(ITaskService tasks, HttpContext http, string taskId, RevisionRequest? request, CancellationToken ct) =>
        TypedResults.Ok(await tasks.ReleaseAsync(http.User.Caller(), taskId, request?.ExpectedRevision, ct));

    private static async Task<Ok<TaskItem>> Assign(ITaskService tasks, HttpContext http, string taskId, AssignRequest? request, CancellationToken ct) =>
        TypedResults.Ok(await tasks.AssignAsync(http.User.Caller(), taskId, request?.Assignee, request?.ExpectedRevision, ct));

    private static async Task<Ok<TaskItem>> FollowUp(ITaskService tasks, HttpContext http, string taskId, FollowUpRequest? request, CancellationToken ct) =>
        TypedResults.Ok(await tasks.SetFollowUpAsync(http.User.Caller(), taskId, request?.FollowUpAt, request?.ExpectedRevision, ct));

    public sealed record BulkRequest(string? Action, IReadOnlyList<string>? TaskIds, string? Assignee, Dictionary<string, long>? ExpectedRevisions);

    /// <summary>Claim, release or (supervisors) reassign several tasks: one result per task, each as a single action would answer.</summary>
    private static async Task<Results<Ok<IReadOnlyList<TaskActionResult>>, ProblemHttpResult>> Bulk(ITaskService tasks, HttpContext http, BulkRequest? request,
        CancellationToken ct)
    {
        if (!Enum.TryParse<TaskBulkAction>(request?.Action, true, out var action) || !Enum.IsDefined(action))
            return Field("action", "action 须为 Claim、Release 或 Reassign。 action must be Claim, Release or Reassign.");
        return TypedResults.Ok(await tasks.BulkAsync(http.User.Caller(), new TaskBulkRequest(action, request!.TaskIds ?? [], request.Assignee, request.ExpectedRevisions), ct));
    }

    public sealed record CompleteRequest(string? Outcome, JsonObject? Data);

    /// <summary>
    /// Completes a task. The Idempotency-Key header is required: a retried request (lost response, double click) returns the
    /// first result instead of running twice. The caller must hold the task, or it must be unclaimed in their groups (then
    /// claiming and completing happen in one go); a member completes only their own tasks.
    /// </summary>
    private static async Task<Results<Ok<StepResult>, ProblemHttpResult>> Complete(ITaskService tasks, HttpContext http, string taskId,
        CompleteRequest? request, [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key))
            return ProblemMapping.Problem(400, "Idempotency-Key required",
                "Send an Idempotency-Key header (e.g. a new UUID per user action) so that a retried completion does not run twice.");
        return TypedResults.Ok(await tasks.CompleteAsync(http.User.Caller(), taskId, request?.Outcome, request?.Data, key, ct));
    }

    private static async Task<Ok<IReadOnlyList<TaskDelegation>>> Delegations(ITaskService tasks, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await tasks.DelegationsAsync(http.User.Caller(), ct));

    private static async Task<Ok<TaskDelegation>> SetDelegation(ITaskService tasks, HttpContext http, TaskDelegationRequest? request, CancellationToken ct) =>
        TypedResults.Ok(await tasks.SetDelegationAsync(http.User.Caller(), request ?? new TaskDelegationRequest(null, null, null), ct));

    private static async Task<NoContent> RemoveDelegation(ITaskService tasks, HttpContext http, long id, CancellationToken ct)
    {
        await tasks.RemoveDelegationAsync(http.User.Caller(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<SavedTaskFilter>>> Filters(ITaskService tasks, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await tasks.SavedFiltersAsync(http.User.Caller(), ct));

    private static async Task<Ok<SavedTaskFilter>> SaveFilter(ITaskService tasks, HttpContext http, SavedTaskFilterRequest? request, CancellationToken ct) =>
        TypedResults.Ok(await tasks.SaveFilterAsync(http.User.Caller(), request ?? new SavedTaskFilterRequest(null, TaskView.Workable, null), ct));

    private static async Task<NoContent> RemoveFilter(ITaskService tasks, HttpContext http, long id, CancellationToken ct)
    {
        await tasks.RemoveFilterAsync(http.User.Caller(), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<TaskBoard>> Board(ITaskService tasks, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await tasks.BoardAsync(http.User.Caller(), ct));

    // ---------------------------------------------------------------- query string

    public static TaskQuery ParseQuery(IQueryCollection q, TaskView view, TaskSort sort, bool descending, int pageSize)
    {
        if (q["view"].ToString() is { Length: > 0 } v)
            view = Enum.TryParse<TaskView>(v, true, out var pv) && Enum.IsDefined(pv) ? pv
                : throw new TaskRequestException("view", $"未知视图“{v}”；可用：Mine、Unclaimed、Workable、Overdue、DueToday。 Unknown view '{v}'.");
        if (q["sort"].ToString() is { Length: > 0 } s)
            sort = Enum.TryParse<TaskSort>(s, true, out var ps) && Enum.IsDefined(ps) ? ps
                : throw new TaskRequestException("sort", $"未知排序“{s}”；可用：RemainingWorkingTime、Due、Created、Priority。 Unknown sort '{s}'.");
        if (q["desc"].ToString() is { Length: > 0 } d)
            descending = bool.TryParse(d, out var pd) ? pd : throw new TaskRequestException("desc", "desc 须为 true 或 false。 desc must be true or false.");
        if (q["pageSize"].ToString() is { Length: > 0 } n)
            pageSize = int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var pn) ? pn
                : throw new TaskRequestException("pageSize", "pageSize 须为 1 到 200 的整数。 pageSize must be a whole number from 1 to 200.");
        return new TaskQuery(view, ParseFilter(q), sort, descending, pageSize, q["after"].ToString() is { Length: > 0 } a ? a : null);
    }

    public static TaskFilter? ParseFilter(IQueryCollection q)
    {
        TaskStatusFilter? status = null;
        if (q["status"].ToString() is { Length: > 0 } st)
            status = Enum.TryParse<TaskStatusFilter>(st, true, out var ps) && Enum.IsDefined(ps) ? ps
                : throw new TaskRequestException("status", $"未知状态“{st}”；可用：Unclaimed、Claimed、Escalated。 Unknown status '{st}'.");
        int? minPriority = null;
        if (q["minPriority"].ToString() is { Length: > 0 } p)
            minPriority = int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pp) ? pp
                : throw new TaskRequestException("minPriority", "minPriority 须为整数。 minPriority must be a whole number.");
        var filter = new TaskFilter(Text(q, "service"), status, minPriority, Instant(q, "dueFrom"), Instant(q, "dueTo"), Text(q, "policyNumber"), Text(q, "member"));
        return filter == new TaskFilter() ? null : filter;
    }

    private static string? Text(IQueryCollection q, string key) => q[key].ToString() is { Length: > 0 } s ? s : null;

    /// <summary>An instant with offset, or a date / local date-time read as Asia/Shanghai.</summary>
    private static DateTimeOffset? Instant(IQueryCollection q, string key)
    {
        if (q[key].ToString() is not { Length: > 0 } s) return null;
        if (DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return Workflows.Domain.Calendar.BusinessCalendar.At(day, TimeOnly.MinValue);
        if (DateTime.TryParseExact(s, ["yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return Workflows.Domain.Calendar.BusinessCalendar.At(DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local));
        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) && s.Contains('T')) return at;
        throw new TaskRequestException(key, $"{key} 须为日期（yyyy-MM-dd）或北京时间（yyyy-MM-dd HH:mm）。 {key} must be a date (yyyy-MM-dd) or a Beijing time (yyyy-MM-dd HH:mm).");
    }

    private static ProblemHttpResult Field(string field, string message) =>
        TypedResults.Problem(message, statusCode: 400, title: "The request is not valid",
            extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });
}
