using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Domain.Replay;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Evidence;

/// <summary>
/// Deterministic replay for auditors (<c>GET /api/workflow-instances/{id}/replay</c>) and what-if for business analysts
/// (<c>POST /api/workflow-definitions/{definitionId}/what-if</c>). Both run in memory and change nothing (docs/audit-replay.md).
/// </summary>
public static class ReplayApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/workflow-instances/{instanceId}/replay", Replay).RequireAuthorization(Policies.ReadJournal).WithTags("Audit");
        app.MapPost("/api/workflow-definitions/{definitionId}/what-if", WhatIf).RequireAuthorization(Policies.EditDefinitions).WithTags("Definitions");
    }

    private static async Task<Results<Ok<ReplayReport>, NotFound>> Replay(CaseReplay replay, string instanceId, CancellationToken ct) =>
        await replay.ReplayAsync(instanceId, ct) is { } report ? TypedResults.Ok(report) : TypedResults.NotFound();

    /// <summary>What the analyst asks: which version to try (default: the latest, usually the draft) over how many finished cases (default 100).</summary>
    public sealed record WhatIfRequest(int? Version, int? Cases);

    private static async Task<Results<Ok<WhatIfReport>, ProblemHttpResult>> WhatIf(WhatIfAnalysis analysis, string definitionId, WhatIfRequest? request, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await analysis.RunAsync(definitionId, request?.Version, request?.Cases ?? 100, ct));
        }
        catch (WhatIfRequestException e)
        {
            return TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ValidationProblemDetails(new Dictionary<string, string[]> { [e.Field] = [e.Message] })
            {
                Status = 400, Title = "The what-if request is not valid.", Detail = e.Message,
            });
        }
    }
}
