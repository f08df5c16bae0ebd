namespace Workflows.Domain.Policies;

/// <summary>
/// Where the policy feed finds or creates the member identity (back-office user) of a person named on a policy, matched
/// by a keyed hash of the ID number. Implemented by the host over ASP.NET Core Identity.
/// </summary>
public interface IMemberDirectory
{
    /// <summary>The user name of the member identity of the person with this ID number, created (not yet activated) if none exists.</summary>
    Task<string> EnsureMemberAsync(string idNumber, string name, CancellationToken ct);
}
