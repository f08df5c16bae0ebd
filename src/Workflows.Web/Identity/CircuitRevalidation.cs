using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Persistence;

namespace Workflows.Web.Identity;

/// <summary>
/// An open Blazor page (a long-lived circuit) checks its user's security stamp and disabled flag every
/// <see cref="Interval"/>: after a sign-out elsewhere, a password change, disabling or a role change the page loses its
/// signed-in state and sends the user to the sign-in form, as every HTTP request does at once (<see cref="SessionValidation"/>).
/// </summary>
public sealed class CircuitRevalidation(ILoggerFactory loggers, IDbContextFactory<WorkflowsDbContext> dbs, IOptions<IdentityOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override TimeSpan RevalidationInterval => Interval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        if (state.User.FindFirstValue(ClaimTypes.NameIdentifier) is not { } id) return false;
        var stamp = state.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == id).Select(u => new { u.SecurityStamp, u.DisabledAt }).FirstOrDefaultAsync(ct);
        return user is { DisabledAt: null } && stamp is not null && user.SecurityStamp == stamp;
    }
}
