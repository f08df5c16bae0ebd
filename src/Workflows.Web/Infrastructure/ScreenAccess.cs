using System.Security.Claims;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// The access trail for the staff screens. Blazor Server pages call the services in-process over the circuit, so no
/// HTTP request passes the <see cref="AccessTrail"/> middleware: each screen that opens a case, reveals a masked value or
/// reads a member's question records it here, as a row with method "SCREEN" and the screen's path, the instance and
/// what was read and why (never the value).
/// </summary>
public sealed class ScreenAccess(Workflows.Persistence.DatabaseOptions db, TimeProvider clock, ILogger<ScreenAccess> logger)
{
    public const string Method = "SCREEN";

    public void Record(ClaimsPrincipal user, string path, string? instanceId, string detail)
    {
        try
        {
            AccessTrailWriter.WriteOne(db, AccessEntry.For(user, clock.GetUtcNow(), Method, path, 200, instanceId, detail));
        }
        catch (Exception e)
        {
            // The read already happened on the screen; an unrecorded read is an incident for the operators.
            logger.LogError(e, "Could not record screen access {Path} for {UserName}", path, user.Identity?.Name);
            throw;
        }
    }
}
