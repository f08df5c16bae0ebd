using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Components.Workspace;

/// <summary>The signed-in staff member of a workspace screen, read once from the circuit's authentication state.</summary>
public static class StaffUser
{
    public static async Task<ClaimsPrincipal> PrincipalAsync(Task<AuthenticationState>? state) =>
        state is null ? new ClaimsPrincipal() : (await state).User;

    public static string Name(ClaimsPrincipal user) => user.Identity?.Name ?? "";

    public static IReadOnlyCollection<string> RolesOf(ClaimsPrincipal user) => Roles.All.Where(user.IsInRole).ToArray();

    /// <summary>Specialists, case managers and supervisors land on the inbox.</summary>
    public static bool WorksTasks(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Specialist) || user.IsInRole(Roles.CaseManager) || user.IsInRole(Roles.Supervisor);
}
