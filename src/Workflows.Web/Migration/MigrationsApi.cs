using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Web.Api;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Migration;

/// <summary>
/// Moving waiting cases to a newer version, for business analysts: <c>POST /api/migrations/dry-run</c> (what maps, what
/// cannot and why, due dates kept; stores nothing), <c>POST /api/migrations</c> (starts the run in batches: 202 with its
/// progress), <c>GET /api/migrations/{runId}</c> (progress and the cases left as they were).
/// </summary>
public static class MigrationsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/migrations").RequireAuthorization(Policies.MigrateInstances).WithTags("Migrations");
        group.MapPost("/dry-run", DryRun);
        group.MapPost("", Start);
        group.MapGet("/{runId}", Get);
    }

    private static async Task<Ok<MigrationReport>> DryRun(InstanceMigrations migrations, MigrationRequest request, CancellationToken ct) =>
        TypedResults.Ok(await migrations.DryRunAsync(request, ct));

    private static async Task<Accepted<MigrationRunStatus>> Start(MigrationRuns runs, HttpContext http, MigrationRequest request, CancellationToken ct)
    {
        var status = await runs.StartAsync(request, http.User.ActorFor(Policies.MigrateInstances), ct);
        return TypedResults.Accepted($"/api/migrations/{status.RunId}", status);
    }

    private static Results<Ok<MigrationRunStatus>, NotFound<ProblemDetailsBody>> Get(MigrationRuns runs, string runId) =>
        runs.Get(runId) is { } status
            ? TypedResults.Ok(status)
            : TypedResults.NotFound(new ProblemDetailsBody($"There is no migration run '{runId}' (runs are kept until the host restarts)."));
}
