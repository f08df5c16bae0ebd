using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Policies;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Activities;

/// <summary>What a service workflow's instance is about: the application its input describes, and the services to judge it.</summary>
public sealed record ApplicationInput(string ApplicationId, string PolicyNumber, string ServiceCode, string Applicant, string ApplicantRole, ApplicationDetails Details,
    string? Channel = null, DateTimeOffset? ReceivedAt = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ApplicationInput From(ActivityContext context) =>
        context.Input?.Deserialize<ApplicationInput>(Json)
        ?? throw new InvalidOperationException("This workflow runs for a service application; start it through the application API.");

    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, Json)!;
}

/// <summary>Shorthands for domain activities.</summary>
internal static class DomainServices
{
    public static ServiceCatalogue Catalogue(this ActivityContext c) => c.Services.GetService<ServiceCatalogue>() ?? ServiceCatalogue.Default;
    public static BusinessCalendar Calendar(this ActivityContext c) => c.Services.GetService<BusinessCalendar>() ?? BusinessCalendar.Default;
    public static DomainDbContext Db(this ActivityContext c) => c.Services.GetRequiredService<IDbContextFactory<DomainDbContext>>().CreateDbContext();

    public static ServiceDefinition Service(this ActivityContext c, string code) =>
        c.Catalogue().TryGet(code, out var s) ? s : throw new InvalidOperationException($"Unknown service '{code}' in activity '{c.Node.Label}'.");

    /// <param name="referenceDataVersion">The reference-data version a decision read (recorded on the application).</param>
    public static void Status(this ActivityContext c, string status, string zh, string en, string? code = null, DateTimeOffset? appointmentAt = null,
        string? referenceDataVersion = null) =>
        c.AddEffect(ApplicationEffects.Status, ApplicationEffects.StatusData(status, zh, en, code, appointmentAt, referenceDataVersion));

    /// <summary>The policy with its diagnoses: the one the request offered (<see cref="PolicyReads"/>), else read (prepared, <see cref="PolicyReader"/>).</summary>
    public static async Task<Policy> PolicyAsync(this ActivityContext c, DomainDbContext db, string policyNumber) =>
        PolicyReads.Offered(policyNumber)
        ?? (c.Services.GetService<Workflows.Persistence.StoreConnections>() is { } connections
            ? await PolicyReader.WithDiagnosesAsync(connections, policyNumber, c.CancellationToken)
            : await db.Policies.AsNoTracking().Include(p => p.Diagnoses).FirstOrDefaultAsync(p => p.PolicyNumber == policyNumber, c.CancellationToken))
        ?? throw new InvalidOperationException($"Policy {policyNumber} does not exist.");
}

/// <summary>
/// The policy (with its diagnoses) that the request starting a step has just read, offered to that step's activities so
/// it is read once per request: applying reads the member's policy to check it is theirs, and the eligibility check of
/// the first step would otherwise read it again a millisecond later. Scoped to the calling flow (the start and the step it
/// runs); a step run by anything else (a resume, a timer, a retry) reads the policy as before.
/// </summary>
public static class PolicyReads
{
    private static readonly AsyncLocal<Policy?> Current = new();

    public static IDisposable Offer(Policy policy)
    {
        var previous = Current.Value;
        Current.Value = policy;
        return new Restore(previous);
    }

    public static Policy? Offered(string policyNumber) => Current.Value is { } p && p.PolicyNumber == policyNumber ? p : null;

    private sealed class Restore(Policy? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}
