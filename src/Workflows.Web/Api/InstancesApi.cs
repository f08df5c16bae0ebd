using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>Workflow instances: start, list, inspect, journal and its verification, incident retry.</summary>
public static class InstancesApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/workflow-instances").RequireAuthorization(Policies.ReadInstances).WithTags("Instances");
        read.MapGet("", List);
        read.MapGet("/{instanceId}", Get);

        app.MapPost("/api/workflow-instances", Start).RequireAuthorization(Policies.StartInstances).WithTags("Instances");

        var audit = app.MapGroup("/api/workflow-instances/{instanceId}/journal").RequireAuthorization(Policies.ReadJournal).WithTags("Journal");
        audit.MapGet("", Journal);
        audit.MapGet("/verify", Verify);

        app.MapPost("/api/workflow-instances/{instanceId}/retry", Retry).RequireAuthorization(Policies.OperateInstances).WithTags("Instances");
        app.MapPost("/api/events/{eventName}", RaiseEvent).RequireAuthorization(Policies.RaiseEvents).WithTags("Events");
    }

    public sealed record StartRequest(string DefinitionId, JsonElement? Input, string? CorrelationId);

    private static async Task<Created<StepResult>> Start(WorkflowRuntime runtime, HttpContext http, StartRequest request,
        [FromHeader(Name = IdempotencyHeader)] string? key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.DefinitionId)) throw new ArgumentException("definitionId is required.");
        if (request.CorrelationId is { } correlation && (correlation.Length > 200 || !TextRules.IsPlainText(correlation)))
            throw new ArgumentException("correlationId must be 1 to 200 characters of plain text (no control characters or broken Unicode).");
        var result = await runtime.StartAsync(request.DefinitionId, request.Input, http.User.ActorFor(Policies.StartInstances), request.CorrelationId, key, ct);
        return TypedResults.Created($"/api/workflow-instances/{result.InstanceId}", result);
    }

    public sealed record InstanceSummary(string Id, string DefinitionId, string DefinitionVersionId, int Version, string? Name, string? CorrelationId,
        string Status, string SubStatus, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt, string? Incident);

    public sealed record PagedList<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize);

    private static async Task<Ok<PagedList<InstanceSummary>>> List(WorkflowsDbContext db, string? definitionId, string? status, string? subStatus,
        int? page, int? pageSize, CancellationToken ct)
    {
        var size = Math.Clamp(pageSize ?? 50, 1, 500);
        var p = Math.Max(page ?? 0, 0);
        var q = db.Instances.AsNoTracking();
        if (!string.IsNullOrEmpty(definitionId)) q = q.Where(i => i.DefinitionId == definitionId);
        if (!string.IsNullOrEmpty(status)) q = q.Where(i => i.Status == status);
        if (!string.IsNullOrEmpty(subStatus)) q = q.Where(i => i.SubStatus == subStatus);
        var total = await q.CountAsync(ct);
        var rows = await q.OrderByDescending(i => i.UpdatedAt).Skip(p * size).Take(size).ToListAsync(ct);
        return TypedResults.Ok(new PagedList<InstanceSummary>(rows.Select(r => new InstanceSummary(r.Id, r.DefinitionId, r.DefinitionVersionId, r.Version, r.Name,
            r.CorrelationId, r.Status, r.SubStatus, r.CreatedAt, r.UpdatedAt, r.FinishedAt,
            r.IncidentJson is null ? null : JsonSerializer.Deserialize<Incident>(r.IncidentJson, WorkflowJson.Options)?.Message)).ToList(), total, p, size));
    }

    public sealed record InstanceDetail(InstanceSummary Instance, IReadOnlyList<OpenBookmark> Bookmarks, JsonObject Variables);

    private static async Task<Results<Ok<InstanceDetail>, NotFound>> Get(IWorkflowStore store, WorkflowRuntime runtime, string instanceId, CancellationToken ct)
    {
        var i = await store.LoadInstanceAsync(instanceId, ct);
        if (i is null) return TypedResults.NotFound();
        var variables = new JsonObject();
        foreach (var (k, v) in i.State.Variables) variables[k] = v?.DeepClone();
        return TypedResults.Ok(new InstanceDetail(
            new InstanceSummary(i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.Name, i.CorrelationId, i.Status.ToString(), i.SubStatus.ToString(),
                i.CreatedAt, i.UpdatedAt, i.FinishedAt, i.Incident?.Message),
            StepResult.From(i).Bookmarks,
            runtime.Redactor.RedactObject(variables)));
    }

    private static async Task<Results<Ok<IReadOnlyList<JournalEntry>>, NotFound>> Journal(IWorkflowStore store, string instanceId, CancellationToken ct)
    {
        if (await store.LoadInstanceAsync(instanceId, ct) is null) return TypedResults.NotFound();
        return TypedResults.Ok(await store.GetJournalAsync(instanceId, ct));
    }

    private static async Task<Ok<ChainVerification>> Verify(Workflows.Persistence.Evidence.JournalVerifier verifier, string instanceId, CancellationToken ct) =>
        TypedResults.Ok(await verifier.VerifyAsync(instanceId, ct));

    private static async Task<Ok<StepResult>> Retry(WorkflowRuntime runtime, HttpContext http, string instanceId,
        [FromHeader(Name = IdempotencyHeader)] string? key, CancellationToken ct) =>
        TypedResults.Ok(await runtime.RetryAsync(instanceId, http.User.ActorFor(Policies.OperateInstances), key, ct));

    public sealed record EventRequest(string? CorrelationKey, JsonObject? Data);

    private static async Task<Ok<IReadOnlyList<StepResult>>> RaiseEvent(WorkflowRuntime runtime, HttpContext http, string eventName, EventRequest? request,
        [FromHeader(Name = IdempotencyHeader)] string? key, CancellationToken ct) =>
        TypedResults.Ok(await runtime.TriggerEventAsync(eventName, request?.CorrelationKey, request?.Data, http.User.ActorFor(Policies.RaiseEvents), key, ct));
}
