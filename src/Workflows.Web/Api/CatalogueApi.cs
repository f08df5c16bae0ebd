using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Descriptors;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>Read-only reference endpoints: activity descriptors for the designer, the access trail for auditors.</summary>
public static class CatalogueApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/activity-descriptors", Descriptors).RequireAuthorization(Policies.ReadDefinitions).WithTags("Designer");
        app.MapGet("/api/access-log", AccessLog).RequireAuthorization(Policies.ReadAccessLog).WithTags("Audit");
    }

    private static Ok<IReadOnlyCollection<ActivityDescriptor>> Descriptors(ActivityRegistry registry) => TypedResults.Ok(registry.Descriptors);

    private static async Task<Ok<List<AccessLogRecord>>> AccessLog(WorkflowsDbContext db, string? userName, string? instanceId, int? take, CancellationToken ct)
    {
        var q = db.AccessLog.AsNoTracking();
        if (!string.IsNullOrEmpty(userName)) q = q.Where(a => a.UserName == userName);
        if (!string.IsNullOrEmpty(instanceId)) q = q.Where(a => a.InstanceId == instanceId);
        return TypedResults.Ok(await q.OrderByDescending(a => a.Id).Take(Math.Clamp(take ?? 200, 1, 5000)).ToListAsync(ct));
    }
}
