using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Evidence;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Evidence;

/// <summary>Auditors' API: a case's journal with actors, its verification, its state at any entry, its access trail, its evidence bundle; checkpoints; legal holds.</summary>
public static class EvidenceApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/workflow-instances/{instanceId}").WithTags("Audit");
        audit.MapGet("/audit", Case).RequireAuthorization(Policies.ReadJournal);
        audit.MapGet("/state-at/{sequence:long}", State).RequireAuthorization(Policies.ReadJournal);
        audit.MapGet("/access-trail", AccessTrail).RequireAuthorization(Policies.ReadAccessLog);
        audit.MapGet("/evidence-bundle", Bundle).RequireAuthorization(Policies.ExportEvidence);

        app.MapPost("/api/evidence/checkpoints", WriteCheckpoint).RequireAuthorization(Policies.WriteCheckpoints).WithTags("Audit");
        app.MapGet("/api/evidence/checkpoints/latest", LatestCheckpoint).RequireAuthorization(Policies.ReadJournal).WithTags("Audit");

        app.MapGet("/api/legal-holds", ListHolds).RequireAuthorization(Policies.ReadJournal).WithTags("Audit");
        app.MapPost("/api/legal-holds", PlaceHold).RequireAuthorization(Policies.ManageLegalHolds).WithTags("Audit");
        app.MapPost("/api/legal-holds/{holdId}/release", ReleaseHold).RequireAuthorization(Policies.ManageLegalHolds).WithTags("Audit");
    }

    private static async Task<Results<Ok<AuditCase>, NotFound>> Case(AuditQueries q, string instanceId, CancellationToken ct) =>
        await q.CaseAsync(instanceId, ct) is { } c ? TypedResults.Ok(c) : TypedResults.NotFound();

    private static async Task<Results<Ok<StateAt>, NotFound>> State(AuditQueries q, string instanceId, long sequence, CancellationToken ct) =>
        await q.StateAtAsync(instanceId, sequence, ct) is { } s ? TypedResults.Ok(s) : TypedResults.NotFound();

    private static async Task<Ok<IReadOnlyList<AccessLogRecord>>> AccessTrail(AuditQueries q, string instanceId, int? take, CancellationToken ct) =>
        TypedResults.Ok(await q.AccessTrailAsync(instanceId, take ?? 200, ct));

    private static async Task<Results<FileContentHttpResult, NotFound>> Bundle(BundleExport export, HttpContext http, string instanceId, CancellationToken ct) =>
        await export.ExportAsync(instanceId, http.User.Identity?.Name ?? "unknown", ct) is { } file
            ? TypedResults.File(file, "application/vnd.workflows.evidence-bundle+json", $"evidence-{instanceId}.bundle")
            : TypedResults.NotFound();

    public sealed record CheckpointSummary(string? File, DateTimeOffset? CreatedAt, int Heads, string? Root, string? SigningKeyId, string? Problem);

    private static async Task<Ok<CheckpointSummary>> WriteCheckpoint(CheckpointStore checkpoints, CancellationToken ct)
    {
        var (path, cp) = await checkpoints.WriteAsync(ct);
        return TypedResults.Ok(new CheckpointSummary(Path.GetFileName(path), cp.CreatedAt, cp.Heads.Count, cp.Root, cp.SigningKeyId, null));
    }

    private static Ok<CheckpointSummary> LatestCheckpoint(CheckpointStore checkpoints)
    {
        var (cp, problem, file) = checkpoints.Latest();
        return TypedResults.Ok(new CheckpointSummary(file is null ? null : Path.GetFileName(file), cp?.CreatedAt, cp?.Heads.Count ?? 0, cp?.Root, cp?.SigningKeyId, problem));
    }

    public sealed record HoldRequest(string? SubjectKind, string? SubjectId, string? Reason);
    public sealed record ReleaseRequest(string? Reason);

    private static async Task<Ok<IReadOnlyList<LegalHoldRecord>>> ListHolds(LegalHolds holds, string? subjectId, bool? active, CancellationToken ct) =>
        TypedResults.Ok(await holds.ListAsync(subjectId, active ?? false, ct));

    private static async Task<Results<Created<LegalHoldRecord>, ProblemHttpResult>> PlaceHold(LegalHolds holds, SqliteInstances instances, HttpContext http,
        HoldRequest request, CancellationToken ct)
    {
        if (request.SubjectKind is not (LegalHolds.Case or LegalHolds.Member))
            return Invalid("subjectKind", "subjectKind must be \"Case\" (a workflow instance) or \"Member\" (a member's user name).");
        if (string.IsNullOrWhiteSpace(request.SubjectId) || request.SubjectId.Length > 200)
            return Invalid("subjectId", "subjectId is required: the instance id of the case, or the member's user name (at most 200 characters).");
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 1000)
            return Invalid("reason", "reason is required (at most 1000 characters): say why the evidence must be kept, e.g. the dispute or court reference.");
        if (request.SubjectKind == LegalHolds.Case && !await instances.ExistsAsync(request.SubjectId, ct))
            return Invalid("subjectId", $"There is no case (workflow instance) with id {request.SubjectId}.");
        var hold = await holds.PlaceAsync(request.SubjectKind, request.SubjectId.Trim(), request.Reason.Trim(), http.User.Identity?.Name ?? "unknown", ct);
        return TypedResults.Created($"/api/legal-holds?subjectId={Uri.EscapeDataString(hold.SubjectId)}", hold);
    }

    private static async Task<Results<Ok<LegalHoldRecord>, NotFound, ProblemHttpResult>> ReleaseHold(LegalHolds holds, HttpContext http, string holdId,
        ReleaseRequest? request, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request?.Reason) || request.Reason.Length > 1000)
            return Invalid("reason", "reason is required (at most 1000 characters): say why the hold may end.");
        return await holds.ReleaseAsync(holdId, request.Reason.Trim(), http.User.Identity?.Name ?? "unknown", ct) is { } h ? TypedResults.Ok(h) : TypedResults.NotFound();
    }

    private static ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400, Title = "The legal hold request is not valid.", Detail = message,
        });
}

/// <summary>Whether an instance exists (for validating legal holds).</summary>
public sealed class SqliteInstances(Workflows.Persistence.Stores.WorkflowStore store)
{
    public async Task<bool> ExistsAsync(string id, CancellationToken ct) => await store.LoadInstanceAsync(id, ct) is not null;
}
