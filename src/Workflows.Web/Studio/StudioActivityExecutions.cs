using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Web.Infrastructure;
using static Workflows.Web.Studio.ElsaApi;

namespace Workflows.Web.Studio;

/// <summary>
/// Activity executions for Studio's viewer (<see cref="Policies.ReadInstances"/>), derived from the journal by
/// <see cref="InstanceHistory"/>: per activity node, its runs (list, summaries, one by id, its call stack) and the report
/// whose counts draw the path badges on the canvas.
/// </summary>
public static class StudioActivityExecutions
{
    public static void Map(RouteGroupBuilder elsa)
    {
        var g = elsa.MapGroup("").RequireAuthorization(Policies.ReadInstances);
        g.MapGet("/activity-executions/list", List);
        g.MapGet("/activity-execution-summaries/list", Summaries);
        g.MapGet("/activity-executions/by-id", ById);
        g.MapGet("/activity-executions/{id}/call-stack", CallStack);
        g.MapPost("/activity-executions/report", Report);
    }

    private static async Task<IEnumerable<ActivityExecution>> OfNode(IWorkflowStore store, HttpRequest q, CancellationToken ct)
    {
        var instanceId = q.Text("workflowInstanceId") ?? throw new ArgumentException("Give the workflow instance: ?workflowInstanceId=…");
        var nodeId = q.Text("activityNodeId");
        var history = await InstanceHistory.LoadAsync(store, instanceId, ct);
        return history.Executions.Where(x => nodeId is null || x.ActivityNodeId == nodeId);
    }

    private static async Task<Ok<ListResponse<ActivityExecution>>> List(IWorkflowStore store, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(new ListResponse<ActivityExecution>((await OfNode(store, http.Request, ct)).ToList()));

    private static async Task<Ok<ListResponse<ActivityExecution.Summary>>> Summaries(IWorkflowStore store, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(new ListResponse<ActivityExecution.Summary>((await OfNode(store, http.Request, ct)).Select(x => x.ToSummary()).ToList()));

    /// <summary>An execution by its id alone: the journal says which instance it belongs to.</summary>
    private static async Task<ActivityExecution> FindAsync(WorkflowsDbContext db, IWorkflowStore store, string id, CancellationToken ct)
    {
        var instanceId = await db.Journal.AsNoTracking().Where(j => j.ActivityInstanceId == id).Select(j => j.InstanceId).FirstOrDefaultAsync(ct)
                         ?? throw new KeyNotFoundException($"There is no activity execution with id '{id}'.");
        var history = await InstanceHistory.LoadAsync(store, instanceId, ct);
        return history.Executions.First(x => x.Id == id);
    }

    private static async Task<Ok<ActivityExecution>> ById(WorkflowsDbContext db, IWorkflowStore store, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await FindAsync(db, store, http.Request.Text("id") ?? throw new ArgumentException("Give the execution: ?id=…"), ct));

    public sealed record CallStackResponse(string ActivityExecutionId, IReadOnlyList<ActivityExecution> Items, long TotalCount);

    /// <summary>Flowcharts here are flat and never call other workflows: the call stack is the execution itself.</summary>
    private static async Task<Ok<CallStackResponse>> CallStack(WorkflowsDbContext db, IWorkflowStore store, string id, CancellationToken ct)
    {
        var execution = await FindAsync(db, store, id, ct);
        return TypedResults.Ok(new CallStackResponse(id, [execution], 1));
    }

    public sealed record ReportRequest(string WorkflowInstanceId, string[]? ActivityNodeIds);

    public sealed record Stats(string ActivityId, string ActivityNodeId, long StartedCount, long CompletedCount, long UncompletedCount, bool IsBlocked, bool IsFaulted);

    public sealed record ReportResponse(IReadOnlyList<Stats> Stats);

    /// <summary>Per node: how often it started and completed, whether it waits on a bookmark now, whether its last run faulted.</summary>
    private static async Task<Ok<ReportResponse>> Report(IWorkflowStore store, ReportRequest request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.WorkflowInstanceId)) throw new ArgumentException("workflowInstanceId is required.");
        var history = await InstanceHistory.LoadAsync(store, request.WorkflowInstanceId, ct);
        var blocked = history.BlockedNodeIds();
        var stats = history.Executions
            .Where(x => request.ActivityNodeIds is not { Length: > 0 } ids || ids.Contains(x.ActivityNodeId))
            .GroupBy(x => x.ActivityNodeId)
            .Select(g =>
            {
                var started = g.LongCount();
                var completed = g.LongCount(x => x.Status == "Completed");
                return new Stats(g.First().ActivityId, g.Key, started, completed, started - completed, blocked.Contains(g.Key), g.Last().Status == "Faulted");
            })
            .ToList();
        return TypedResults.Ok(new ReportResponse(stats));
    }
}
