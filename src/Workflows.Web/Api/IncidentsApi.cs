using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// The incident queue case managers work: every case whose workflow stopped at a faulted step (a script error, bad
/// data), with the application it belongs to, what failed, and the data it ran on (masked). Staff correct the data if
/// needed and retry; the retry runs the failed step again and the case continues. Until then the member's application
/// shows that it is delayed.
/// </summary>
public static class IncidentsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var incidents = app.MapGroup("/api/incidents").RequireAuthorization(Policies.OperateInstances).WithTags("Incidents");
        incidents.MapGet("", List);
        incidents.MapGet("/{instanceId}", Get);
        incidents.MapPost("/{instanceId}/retry", Retry);
    }

    public sealed record IncidentSummary(string InstanceId, string DefinitionId, string? WorkflowName, string? ApplicationId, string? ServiceCode,
        string? ApplicationStatus, string ActivityId, string ActivityType, string Message, DateTimeOffset FaultedAt);

    public sealed record IncidentDetail(IncidentSummary Incident, JsonObject Input, JsonObject Variables, IReadOnlyList<string> VariableNames);

    public sealed record RetryRequest(JsonObject? Input, JsonObject? Variables);

    private static async Task<Ok<List<IncidentSummary>>> List(WorkflowsDbContext db, Workflows.Domain.DomainDbContext domain, int? take, CancellationToken ct)
    {
        var rows = await db.Instances.AsNoTracking().Where(i => i.SubStatus == nameof(WorkflowSubStatus.Faulted))
            .OrderBy(i => i.UpdatedAt).Take(Math.Clamp(take ?? 200, 1, 1000)).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var apps = await domain.Applications.AsNoTracking().Where(a => ids.Contains(a.InstanceId)).ToDictionaryAsync(a => a.InstanceId, ct);
        return TypedResults.Ok(rows.Select(r => Summarise(r, apps.GetValueOrDefault(r.Id))).ToList());
    }

    private static async Task<Results<Ok<IncidentDetail>, NotFound<ProblemDetailsBody>>> Get(IServiceProvider services, string instanceId, CancellationToken ct) =>
        await DetailAsync(services, instanceId, ct) is { } detail
            ? TypedResults.Ok(detail)
            : TypedResults.NotFound(new ProblemDetailsBody($"Instance {instanceId} has no open incident."));

    /// <summary>The incident and the data it ran on, masked by key and by content (the page and the API show the same).</summary>
    public static async Task<IncidentDetail?> DetailAsync(IServiceProvider services, string instanceId, CancellationToken ct)
    {
        var store = services.GetRequiredService<IWorkflowStore>();
        var runtime = services.GetRequiredService<WorkflowRuntime>();
        var domain = services.GetRequiredService<Workflows.Domain.DomainDbContext>();
        var i = await store.LoadInstanceAsync(instanceId, ct);
        if (i?.Incident is null) return null;
        var app = await domain.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.InstanceId == instanceId, ct);
        var variables = new JsonObject();
        foreach (var (k, v) in i.State.Variables) variables[k] = v?.DeepClone();
        return new IncidentDetail(Summary(i.Id, i.DefinitionId, i.Name, i.Incident, app, i.UpdatedAt),
            i.State.Input is null ? new JsonObject() : runtime.Redactor.RedactObject(i.State.Input),
            runtime.Redactor.RedactObject(variables), i.State.Variables.Keys.Order(StringComparer.Ordinal).ToList());
    }

    public static IncidentSummary Summarise(Workflows.Persistence.Entities.InstanceRecord r, Workflows.Domain.Applications.ServiceApplication? app) =>
        Summary(r.Id, r.DefinitionId, r.Name, Incident(r.IncidentJson), app, r.UpdatedAt);

    /// <summary>
    /// Retries the incident, first applying the correction (a merge patch of the input, new values for variables) in the
    /// same journalled step. Keyed by Idempotency-Key (per user), so a double click retries once.
    /// </summary>
    private static async Task<Ok<StepResult>> Retry(WorkflowRuntime runtime, HttpContext http, string instanceId, [FromBody] RetryRequest? request,
        [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        var correction = request is null ? null : new IncidentCorrection(request.Input, request.Variables);
        if (correction is not null && JsonSerializer.Serialize(new { correction.Input, correction.Variables }).Length > 100_000)
            throw new ArgumentException("The correction is larger than 100,000 characters.");
        return TypedResults.Ok(await runtime.RetryAsync(instanceId, http.User.ActorFor(Policies.OperateInstances), key, ct, correction));
    }

    private static Incident? Incident(string? json) => json is null ? null : JsonSerializer.Deserialize<Incident>(json, WorkflowJson.Options);

    private static IncidentSummary Summary(string id, string definitionId, string? name, Incident? incident, Workflows.Domain.Applications.ServiceApplication? app,
        DateTimeOffset updatedAt) =>
        new(id, definitionId, name, app?.Id, app?.ServiceCode, app?.Status, incident?.ActivityId ?? "", incident?.ActivityType ?? "",
            Redactor.ScrubText(incident?.Message ?? ""), incident?.At ?? updatedAt);
}
