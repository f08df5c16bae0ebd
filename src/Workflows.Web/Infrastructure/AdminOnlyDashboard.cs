using Hangfire.Dashboard;

namespace Workflows.Web.Infrastructure;

/// <summary>The Hangfire dashboard is for signed-in Admins only; everyone else gets 401 (not signed in) or 403.</summary>
public sealed class AdminOnlyDashboard : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        var user = context.GetHttpContext().User;
        return user.Identity?.IsAuthenticated == true && user.IsInRole(Roles.Admin);
    }
}
