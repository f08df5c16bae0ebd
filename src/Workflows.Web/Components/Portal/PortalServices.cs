namespace Workflows.Web.Components.Portal;

public static class PortalServices
{
    /// <summary>The member portal's services: its words and its per-circuit access to the member's own data.</summary>
    public static IServiceCollection AddMemberPortal(this IServiceCollection services)
    {
        services.AddSingleton<PortalText>();
        services.AddScoped<MemberPortal>();
        return services;
    }
}
