using System.Security.Claims;
using Workflows.Persistence;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// Records every API call (who, in which roles, what, when, with what result) in the append-only access trail that
/// auditors read. Bodies are never recorded, so no personal data lands here.
/// </summary>
public sealed class AccessTrail(RequestDelegate next, DatabaseOptions db, TimeProvider clock, ILogger<AccessTrail> logger)
{
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
        int? status = null;
        try
        {
            await next(http);
        }
        catch (Exception e)
        {
            // A refusal raised as an exception: the exception handler outside answers with the status ProblemMapping gives
            // it, so that is what the client got and what the trail records.
            status = http.RequestAborted.IsCancellationRequested ? 499 : ProblemMapping.Classify(e).Status;
            throw;
        }
        finally
        {
            try { Record(http, status ?? http.Response.StatusCode); }
            catch (Exception e) { logger.LogError(e, "Could not record access trail for {Method} {Path}", http.Request.Method, path.Value); }
        }
    }

    private void Record(HttpContext http, int status)
    {
        var user = http.User;
        var instanceId = http.Request.RouteValues.TryGetValue("instanceId", out var v) ? v?.ToString() : null;
        using var c = db.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO AccessLog (At, UserId, UserName, Roles, Method, Path, StatusCode, InstanceId)
            VALUES ($at, $uid, $uname, $roles, $method, $path, $status, $inst)
            """;
        cmd.Parameters.AddWithValue("$at", clock.GetUtcNow().UtcTicks);
        cmd.Parameters.AddWithValue("$uid", user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous");
        cmd.Parameters.AddWithValue("$uname", (object?)user.Identity?.Name ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$roles", string.Join(",", user.FindAll(ClaimTypes.Role).Select(r => r.Value)));
        cmd.Parameters.AddWithValue("$method", http.Request.Method);
        cmd.Parameters.AddWithValue("$path", http.Request.Path.Value ?? "");
        cmd.Parameters.AddWithValue("$status", status);
        cmd.Parameters.AddWithValue("$inst", (object?)instanceId ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }
}
