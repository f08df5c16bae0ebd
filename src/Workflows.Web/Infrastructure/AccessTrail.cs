using System.Security.Claims;
using Workflows.Persistence;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// Records every API call (who, in which roles, what, when, with what result) in the append-only access trail that
/// auditors read. Bodies are never recorded, so no personal data lands here. Rows are written in batches by
/// <see cref="AccessTrailWriter"/>; the request completes once its row is committed.
/// </summary>
public sealed class AccessTrail(RequestDelegate next, AccessTrailWriter trail, TimeProvider clock, ILogger<AccessTrail> logger)
{
    /// <summary>HttpContext.Items key: what an endpoint read or revealed and why (never the value), kept in the row's Detail.</summary>
    public const string DetailKey = "AccessTrail.Detail";
    /// <summary>HttpContext.Items key: the instance an endpoint without an {instanceId} route value touched (e.g. a case).</summary>
    public const string InstanceKey = "AccessTrail.InstanceId";

    /// <summary>Records what the request read or revealed, and the instance it concerned, on its access-trail row.</summary>
    public static void Note(HttpContext http, string detail, string? instanceId = null)
    {
        http.Items[DetailKey] = detail.Length > 500 ? detail[..500] : detail;
        if (instanceId is not null) http.Items[InstanceKey] = instanceId;
    }

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path;
        if (!(path.StartsWithSegments("/api") || path.StartsWithSegments("/elsa/api") || path.StartsWithSegments("/account") || path.StartsWithSegments("/hangfire")))
        {
            await next(http);
            return;
        }
        using var scope = http.Request.RouteValues.TryGetValue("instanceId", out var iid) && iid is not null
            ? Serilog.Context.LogContext.PushProperty("InstanceId", iid.ToString())
            : null;
        int? failed = null;
        try
        {
            await next(http);
        }
        catch (Exception e)
        {
            // The exception handler (outside this middleware) writes the response later: record the status it will send.
            failed = ProblemMapping.Classify(e).Status;
            throw;
        }
        finally
        {
            try { await Record(http, failed); }
            catch (Exception e) { logger.LogError(e, "Could not record access trail for {Method} {Path}", http.Request.Method, path.Value); }
        }
    }

    private Task Record(HttpContext http, int? failedStatus)
    {
        var instanceId = http.Request.RouteValues.TryGetValue("instanceId", out var v) ? v?.ToString() : http.Items[InstanceKey] as string;
        return trail.RecordAsync(AccessEntry.For(http.User, clock.GetUtcNow(), http.Request.Method, http.Request.Path.Value ?? "", failedStatus ?? http.Response.StatusCode,
            instanceId, http.Items[DetailKey] as string));
    }
}
