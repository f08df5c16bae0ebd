using Microsoft.AspNetCore.Identity;
using Workflows.Domain.Tasks;
using Workflows.Persistence.Entities;

namespace Workflows.Web.Infrastructure;

/// <summary>The task service's view of identity: a user's roles, or null if there is no such (enabled) user.</summary>
public sealed class TaskUserDirectory(IServiceScopeFactory scopes) : ITaskUserDirectory
{
    public async Task<IReadOnlyCollection<string>?> RolesOfAsync(string userName, CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByNameAsync(userName);
        if (user is null) return null;
        return (await users.GetRolesAsync(user)).ToList();
    }
}
