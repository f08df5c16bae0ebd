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

    public static async Task<Policy> PolicyAsync(this DomainDbContext db, string policyNumber, CancellationToken ct) =>
        await db.Policies.AsNoTracking().Include(p => p.Diagnoses).FirstOrDefaultAsync(p => p.PolicyNumber == policyNumber, ct)
        ?? throw new InvalidOperationException($"Policy {policyNumber} does not exist.");
}
