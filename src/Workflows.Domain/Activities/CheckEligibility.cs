using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.Applications;
using Workflows.Domain.Eligibility;
using Workflows.Domain.ReferenceData;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Activities;

/// <summary>
/// 资格校验: applies the handbook's rules for the service to the application (policy in force, cooling-off or waiting
/// period, diagnosis, optional cover, prescription, region lists, quota). Eligible reserves one use of the quota and
/// accepts the application; NotEligible refuses it with the rule's reason code and bilingual message.
/// The inputs let an analyst tighten or relax a rule without code; empty inputs use the service catalogue.
/// </summary>
[Activity("Health", "CheckEligibility", "Health services", "Check the application against the service's eligibility rules and reserve a quota use.", DisplayName = "Eligibility check", DisplayNameZh = "资格校验")]
[Ports("Eligible", "NotEligible")]
public sealed class CheckEligibility : Activity
{
    [Input(Description = "The service whose rules apply (code from the service catalogue).", Required = true, Order = 0)]
    public string ServiceCode { get; set; } = "";

    [Input(Description = "Days of the cooling-off or waiting period; empty = the catalogue's (15 or 60).", Order = 1)]
    public int? StartConditionDays { get; set; }

    [Input(Description = "Uses per policy period; empty = the catalogue's; 0 = unlimited.", Order = 2)]
    public int? Quota { get; set; }

    [Input(Description = "Require a confirmed recurrence or metastasis; empty = the catalogue's trigger.", Order = 3, UIHint = InputUIHints.Checkbox)]
    public bool? RequireRecurrenceOrMetastasis { get; set; }

    [Input(Description = "Cities where the service is offered (e.g. [\"北京\",\"上海\",\"广州\"]); empty = the catalogue's region rule.", UIHint = InputUIHints.MultiText, Order = 4)]
    public string[]? RegionCities { get; set; }

    public override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var input = ApplicationInput.From(context);
        var service = context.Service(ServiceCode);
        if (StartConditionDays is { } days) service = service with { StartCondition = service.StartCondition with { Days = days } };
        if (Quota is { } quota) service = service with { QuotaPerPolicyPeriod = quota == 0 ? null : quota };
        if (RequireRecurrenceOrMetastasis is { } require)
            service = service with { Trigger = require ? "confirmed-recurrence-or-metastasis" : service.Trigger == "confirmed-recurrence-or-metastasis" ? "none" : service.Trigger };
        if (RegionCities is { Length: > 0 } cities) service = service with { RegionLimit = new("cities", null, null, cities) };

        var today = context.Calendar().LocalDate(context.Now);
        await using var db = context.Db();
        var policy = await context.PolicyAsync(db, input.PolicyNumber);
        var period = EligibilityRules.QuotaPeriodStart(policy, service, today);
        // How many uses the period had when this decision was made (replay: as recorded; what-if: as the replayed cases left it).
        var used = await (context.Services.GetService<IQuotaLedger>() ?? LiveQuotaLedger.Instance)
            .UsedAsync(db, new QuotaKey(policy.Id, service.Code, period), context);
        // The refusal must fall in the current policy year (the green channel's quota period).
        var periodStartInstant = new DateTimeOffset(period.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).UtcTicks;
        var refusedThisYear = service.Code == "jd-green-channel" && (await db.Applications.AsNoTracking()
            .Where(a => a.PolicyId == policy.Id && a.ServiceCode == "jd-reservation-purchase" && a.Status == ApplicationStatus.Refused && a.RefusalCode == "PRESCRIPTION_REFUSED"
                        && (input.Details.RefusedApplicationId == null || a.Id == input.Details.RefusedApplicationId))
            .Select(a => a.UpdatedAt).ToListAsync(context.CancellationToken))
            .Any(at => at.UtcTicks >= periodStartInstant);

        // JD continuation (J 64-70): the same drug was bought under this policy before, so the course is under way.
        var drugKey = Workflows.Domain.ReferenceData.Names.Key(input.Details.Drug);
        var earlierPurchase = service.Code == "jd-reservation-purchase" && today > policy.EndDate && drugKey.Length > 0 && (await db.Applications.AsNoTracking()
            .Where(a => a.PolicyId == policy.Id && a.ServiceCode == "jd-reservation-purchase" && a.Status == ApplicationStatus.Completed && a.Id != input.ApplicationId)
            .Select(a => a.DetailsJson).ToListAsync(context.CancellationToken))
            .Any(json => System.Text.Json.JsonSerializer.Deserialize<ApplicationDetails>(json, ApplicationInput.Json) is { } d && Workflows.Domain.ReferenceData.Names.Key(d.Drug) == drugKey);

        // The lists in effect now; the decision records their version (replay reads the same version back).
        var refs = context.Services.GetRequiredService<IReferenceDataVersions>().Current;
        var refusal = EligibilityRules.Check(new EligibilityInput
        {
            Policy = policy,
            ChainStart = await ChainStartAsync(db, policy, context.CancellationToken),
            ChainDiagnoses = await ChainDiagnosesAsync(db, policy, context.CancellationToken),
            Service = service,
            Today = today,
            ApplicantUserName = input.Applicant,
            Details = input.Details,
            QuotaUsed = used,
            HasRefusedPrescriptionThisYear = refusedThisYear,
            HasEarlierPurchaseOfDrug = earlierPurchase,
        }, refs);

        if (refusal is not null)
        {
            context.Status(ApplicationStatus.Refused, refusal.MessageZh, refusal.MessageEn, refusal.Code, referenceDataVersion: refs.Version);
            context.JournalMessage = refusal.Code;
            return ActivityResult.Complete("NotEligible", new JsonObject { ["code"] = refusal.Code, ["quotaUsedBefore"] = used, ["referenceDataVersion"] = refs.Version });
        }
        if (service.QuotaPerPolicyPeriod is { } limit)
            context.AddEffect(ApplicationEffects.ReserveQuota, new JsonObject
            {
                ["policyId"] = policy.Id, ["serviceCode"] = service.Code, ["periodStart"] = period.ToString("yyyy-MM-dd"), ["quota"] = limit,
            });
        context.Status(ApplicationStatus.Accepted, "申请已受理，服务专员将与您联系。", "Your application was accepted; a service specialist will contact you.",
            referenceDataVersion: refs.Version);
        return ActivityResult.Complete("Eligible", new JsonObject { ["quotaUsedBefore"] = used, ["referenceDataVersion"] = refs.Version });
    }

    /// <summary>
    /// The diagnoses of the policy and of the policies it continuously renews (the same chain as <see cref="ChainStartAsync"/>,
    /// which a gap ends): a recurrence confirmed under last year's policy is still confirmed under this year's renewal.
    /// </summary>
    public static async Task<IReadOnlyList<Policies.DiagnosisEvent>> ChainDiagnosesAsync(DomainDbContext db, Policies.Policy policy, CancellationToken ct)
    {
        var all = new List<Policies.DiagnosisEvent>(policy.Diagnoses);
        var start = policy.EffectiveDate;
        var previous = policy.PreviousPolicyNumber;
        for (var hops = 0; previous is not null && hops < 20; hops++)
        {
            var p = await db.Policies.AsNoTracking().Include(x => x.Diagnoses).FirstOrDefaultAsync(x => x.PolicyNumber == previous, ct);
            if (p is null || p.EndDate.AddDays(1) < start) break; // a gap ends the chain
            all.AddRange(p.Diagnoses);
            start = p.EffectiveDate;
            previous = p.PreviousPolicyNumber;
        }
        return all;
    }

    /// <summary>Follows the continuous-renewal links back to the first policy's effective date (waiting periods do not restart).</summary>
    public static async Task<DateOnly> ChainStartAsync(DomainDbContext db, Policies.Policy policy, CancellationToken ct)
    {
        var start = policy.EffectiveDate;
        var previous = policy.PreviousPolicyNumber;
        for (var hops = 0; previous is not null && hops < 20; hops++)
        {
            var p = await db.Policies.AsNoTracking().FirstOrDefaultAsync(x => x.PolicyNumber == previous, ct);
            if (p is null || p.EndDate.AddDays(1) < start) break; // a gap ends the chain
            start = p.EffectiveDate;
            previous = p.PreviousPolicyNumber;
        }
        return start;
    }
}
