using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;
using static Workflows.Web.Studio.ElsaApi;

namespace Workflows.Web.Studio;

/// <summary>
/// Workflow instances for Studio's instance list and viewer (<see cref="Policies.ReadInstances"/>): list with filters, one
/// instance with its state, its execution state (polled while it runs), its variables (sensitive values masked) and its journal.
/// </summary>
public static class StudioInstances
{
    public static void Map(RouteGroupBuilder elsa)
    {
        var g = elsa.MapGroup("/workflow-instances").RequireAuthorization(Policies.ReadInstances);
        g.MapPost("", List);
        g.MapGet("/{instanceId}", Get);
        g.MapGet("/{instanceId}/execution-state", ExecutionState);
        g.MapGet("/{instanceId}/variables", Variables);
        g.MapGet("/{instanceId}/journal", Journal);
        g.MapPost("/{instanceId}/journal", FilteredJournal);
    }

    public sealed record Summary(string Id, string DefinitionId, string DefinitionVersionId, int Version, string Status, string SubStatus,
        string? CorrelationId, string? Name, int IncidentCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt);

    public sealed record ListRequest(int? Page, int? PageSize, string? SearchTerm, string? DefinitionId, string[]? DefinitionIds, string? CorrelationId,
        int? Version, bool? HasIncidents, WorkflowStatus? Status, WorkflowStatus[]? Statuses, WorkflowSubStatus? SubStatus, WorkflowSubStatus[]? SubStatuses,
        string? OrderBy, string? OrderDirection, TimestampFilter[]? TimestampFilters);

    public sealed record TimestampFilter(string Column, string Operator, DateTimeOffset Timestamp);

    private static async Task<Ok<PagedResponse<Summary>>> List(WorkflowsDbContext db, ListRequest request, CancellationToken ct)
    {
        var (page, size) = Paging(request.Page, request.PageSize);
        var q = db.Instances.AsNoTracking();
        if (request.SearchTerm is { Length: > 0 } term)
            q = q.Where(i => i.Id.Contains(term) || i.DefinitionId.Contains(term) || (i.Name != null && i.Name.Contains(term)) || (i.CorrelationId != null && i.CorrelationId.Contains(term)));
        if (request.DefinitionId is { Length: > 0 } definitionId) q = q.Where(i => i.DefinitionId == definitionId);
        if (request.DefinitionIds is { Length: > 0 } definitionIds) q = q.Where(i => definitionIds.Contains(i.DefinitionId));
        if (request.CorrelationId is { Length: > 0 } correlationId) q = q.Where(i => i.CorrelationId == correlationId);
        if (request.Version is { } version) q = q.Where(i => i.Version == version);
        if (request.HasIncidents is { } hasIncidents) q = q.Where(i => (i.IncidentJson != null) == hasIncidents);
        var statuses = Names(request.Status, request.Statuses);
        if (statuses.Length > 0) q = q.Where(i => statuses.Contains(i.Status));
        var subStatuses = Names(request.SubStatus, request.SubStatuses);
        if (subStatuses.Length > 0) q = q.Where(i => subStatuses.Contains(i.SubStatus));
        foreach (var f in request.TimestampFilters ?? []) q = Where(q, f);

        var descending = request.OrderDirection is null || request.OrderDirection.Equals("Descending", StringComparison.OrdinalIgnoreCase);
        q = request.OrderBy?.ToLowerInvariant() switch
        {
            null or "created" => descending ? q.OrderByDescending(i => i.CreatedAt) : q.OrderBy(i => i.CreatedAt),
            "lastexecuted" => descending ? q.OrderByDescending(i => i.UpdatedAt) : q.OrderBy(i => i.UpdatedAt),
            "finished" => descending ? q.OrderByDescending(i => i.FinishedAt) : q.OrderBy(i => i.FinishedAt),
            "name" => descending ? q.OrderByDescending(i => i.Name) : q.OrderBy(i => i.Name),
            var other => throw new ArgumentException($"Instances can be ordered by Created, LastExecuted, Finished or Name, not '{other}'."),
        };
        var total = await q.CountAsync(ct);
        var rows = await q.Skip(page * size).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new PagedResponse<Summary>(rows.Select(ToSummary).ToList(), total, page, size));
    }

    private static string[] Names<T>(T? one, T[]? many) where T : struct, Enum =>
        (many ?? []).Concat(one is { } o ? [o] : []).Select(s => s.ToString()).Distinct().ToArray();

    private static IQueryable<InstanceRecord> Where(IQueryable<InstanceRecord> q, TimestampFilter f)
    {
        var t = f.Timestamp;
        System.Linq.Expressions.Expression<Func<InstanceRecord, DateTimeOffset?>> column = f.Column.ToLowerInvariant() switch
        {
            "createdat" => i => i.CreatedAt,
            "updatedat" => i => i.UpdatedAt,
            "finishedat" => i => i.FinishedAt,
            _ => throw new ArgumentException($"Timestamp filters apply to CreatedAt, UpdatedAt or FinishedAt, not '{f.Column}'."),
        };
        var value = System.Linq.Expressions.Expression.Constant((DateTimeOffset?)t, typeof(DateTimeOffset?));
        var body = f.Operator.ToLowerInvariant() switch
        {
            "is" => System.Linq.Expressions.Expression.Equal(column.Body, value),
            "isnot" => System.Linq.Expressions.Expression.NotEqual(column.Body, value),
            "lessthan" => System.Linq.Expressions.Expression.LessThan(column.Body, value),
            "greaterthan" => System.Linq.Expressions.Expression.GreaterThan(column.Body, value),
            "lessthanorequal" => System.Linq.Expressions.Expression.LessThanOrEqual(column.Body, value),
            "greaterthanorequal" => System.Linq.Expressions.Expression.GreaterThanOrEqual(column.Body, value),
            _ => throw new ArgumentException($"Unknown timestamp filter operator '{f.Operator}'."),
        };
        return q.Where(System.Linq.Expressions.Expression.Lambda<Func<InstanceRecord, bool>>(body, column.Parameters));
    }

    private static Summary ToSummary(InstanceRecord r) => new(r.Id, r.DefinitionId, r.DefinitionVersionId, r.Version, r.Status, r.SubStatus,
        r.CorrelationId, r.Name, r.IncidentJson is null ? 0 : 1, r.CreatedAt, r.UpdatedAt, r.FinishedAt);

    private static Summary ToSummary(WorkflowInstance i) => new(i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.Status.ToString(), i.SubStatus.ToString(),
        i.CorrelationId, i.Name, i.Incident is null ? 0 : 1, i.CreatedAt, i.UpdatedAt, i.FinishedAt);

    /// <summary>Elsa's <c>WorkflowInstance</c>: the summary plus <c>workflowState</c> (bookmarks, incidents, input; no internal execution contexts).</summary>
    private static async Task<Ok<JsonObject>> Get(IWorkflowStore store, WorkflowRuntime runtime, string instanceId, CancellationToken ct)
    {
        var i = await store.LoadInstanceAsync(instanceId, ct) ?? throw new InstanceNotFoundException(instanceId);
        var json = JsonSerializer.SerializeToNode(ToSummary(i), WorkflowJson.Options)!.AsObject();
        var incidents = i.Incident is { } inc
            ? new JsonArray(new JsonObject
            {
                ["activityId"] = inc.ActivityId, ["activityNodeId"] = inc.ActivityNodeId, ["activityType"] = inc.ActivityType, ["message"] = inc.Message,
                ["exception"] = new JsonObject { ["type"] = "ActivityFault", ["message"] = inc.Message }, ["timestamp"] = inc.At,
            })
            : [];
        json["workflowState"] = new JsonObject
        {
            ["id"] = i.Id,
            ["definitionId"] = i.DefinitionId,
            ["definitionVersionId"] = i.DefinitionVersionId,
            ["definitionVersion"] = i.Version,
            ["correlationId"] = i.CorrelationId,
            ["status"] = i.Status.ToString(),
            ["subStatus"] = i.SubStatus.ToString(),
            ["bookmarks"] = new JsonArray(i.Bookmarks.Select(b => (JsonNode)new JsonObject
            {
                ["id"] = b.Id, ["name"] = b.Name, ["hash"] = b.Id, ["activityId"] = b.ActivityId, ["activityNodeId"] = b.ActivityNodeId,
                ["activityInstanceId"] = b.ActivityInstanceId, ["activityTypeName"] = b.ActivityType, ["createdAt"] = b.CreatedAt,
                ["payload"] = runtime.Redactor.Redact(b.Payload), ["autoBurn"] = true, ["callbackMethodName"] = null, ["metadata"] = null,
            }).ToArray()),
            ["incidents"] = incidents,
            ["fault"] = null,
            ["completionCallbacks"] = new JsonArray(),
            ["activityExecutionContexts"] = new JsonArray(),
            ["input"] = runtime.Redactor.Redact(i.State.Input),
            ["output"] = new JsonObject(),
            ["properties"] = new JsonObject(),
            ["createdAt"] = i.CreatedAt,
            ["updatedAt"] = i.UpdatedAt,
            ["finishedAt"] = i.FinishedAt,
        };
        return TypedResults.Ok(json);
    }

    public sealed record ExecutionStateResponse(string Status, string WorkflowSubStatus, DateTimeOffset UpdatedAt);

    private static async Task<Ok<ExecutionStateResponse>> ExecutionState(WorkflowsDbContext db, string instanceId, CancellationToken ct)
    {
        var r = await db.Instances.AsNoTracking().Where(i => i.Id == instanceId).Select(i => new { i.Status, i.SubStatus, i.UpdatedAt }).FirstOrDefaultAsync(ct)
                ?? throw new InstanceNotFoundException(instanceId);
        return TypedResults.Ok(new ExecutionStateResponse(r.Status, r.SubStatus, r.UpdatedAt));
    }

    public sealed record ResolvedVariable(string Id, string Name, JsonNode? Value);

    /// <summary>The instance's variables, with the ids its definition version gives them; values under sensitive names are masked.</summary>
    private static async Task<Ok<ListResponse<ResolvedVariable>>> Variables(IWorkflowStore store, WorkflowRuntime runtime, string instanceId, CancellationToken ct)
    {
        var i = await store.LoadInstanceAsync(instanceId, ct) ?? throw new InstanceNotFoundException(instanceId);
        var definition = await store.GetDefinitionVersionAsync(i.DefinitionVersionId, ct);
        var ids = definition?.Variables.Where(v => v.Id is not null).ToDictionary(v => v.Name, v => v.Id!) ?? [];
        var values = new JsonObject();
        foreach (var (name, value) in i.State.Variables) values[name] = value?.DeepClone();
        var masked = runtime.Redactor.RedactObject(values);
        return TypedResults.Ok(new ListResponse<ResolvedVariable>(masked.Select(kv => new ResolvedVariable(ids.GetValueOrDefault(kv.Key, kv.Key), kv.Key, kv.Value?.DeepClone())).ToList()));
    }

    public sealed record JournalRequest(JournalFilter? Filter);

    public sealed record JournalFilter(string[]? ActivityIds, string[]? ActivityNodeIds, string[]? ExcludedActivityTypes, string[]? EventNames);

    private static Task<Ok<PagedResponse<InstanceHistory.LogRecord>>> Journal(IWorkflowStore store, HttpContext http, string instanceId, CancellationToken ct) =>
        JournalPage(store, http, instanceId, null, ct);

    private static Task<Ok<PagedResponse<InstanceHistory.LogRecord>>> FilteredJournal(IWorkflowStore store, HttpContext http, string instanceId, JournalRequest? request, CancellationToken ct) =>
        JournalPage(store, http, instanceId, request?.Filter, ct);

    /// <summary>The journal as Elsa's execution log, oldest first, filtered as Studio's journal panel asks (<c>skip</c>/<c>take</c> in the query).</summary>
    private static async Task<Ok<PagedResponse<InstanceHistory.LogRecord>>> JournalPage(IWorkflowStore store, HttpContext http, string instanceId, JournalFilter? filter, CancellationToken ct)
    {
        var skip = http.Request.Int("skip") ?? 0;
        var take = http.Request.Int("take") ?? 100;
        if (skip < 0 || take is < 1 or > 1000) throw new ArgumentException("skip must be 0 or more and take between 1 and 1000.");
        var history = await InstanceHistory.LoadAsync(store, instanceId, ct);
        var records = history.Journal.Select(history.ToLogRecord);
        if (filter?.ActivityIds is { Length: > 0 } a) records = records.Where(r => a.Contains(r.ActivityId));
        if (filter?.ActivityNodeIds is { Length: > 0 } n) records = records.Where(r => n.Contains(r.NodeId));
        if (filter?.ExcludedActivityTypes is { Length: > 0 } x) records = records.Where(r => !x.Contains(r.ActivityType));
        if (filter?.EventNames is { Length: > 0 } e) records = records.Where(r => e.Contains(r.EventName));
        var all = records.ToList();
        return TypedResults.Ok(new PagedResponse<InstanceHistory.LogRecord>(all.Skip(skip).Take(take).ToList(), all.Count, null, null));
    }
}
