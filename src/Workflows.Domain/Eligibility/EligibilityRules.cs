using Workflows.Domain.Applications;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Policies;
using Workflows.Domain.ReferenceData;

namespace Workflows.Domain.Eligibility;

/// <summary>Everything the rules look at, gathered by the caller.</summary>
public sealed record EligibilityInput
{
    public required Policy Policy { get; init; }
    /// <summary>The effective date of the first policy in its continuous-renewal chain (连续投保): waiting periods do not restart on renewal.</summary>
    public required DateOnly ChainStart { get; init; }
    public required ServiceDefinition Service { get; init; }
    /// <summary>The Asia/Shanghai date of the request.</summary>
    public required DateOnly Today { get; init; }
    public required string ApplicantUserName { get; init; }
    public required ApplicationDetails Details { get; init; }
    /// <summary>Uses of this service already reserved or consumed in the current quota period.</summary>
    public required int QuotaUsed { get; init; }
    /// <summary>
    /// The diagnoses recorded on every policy of the continuous-renewal chain (this one and those it renews): a
    /// recurrence diagnosed under one policy counts under its renewal. Null: the policy's own diagnoses.
    /// </summary>
    public IReadOnlyList<DiagnosisEvent>? ChainDiagnoses { get; init; }
    /// <summary>JD: a reservation purchase of this member was refused at prescription review in the current policy year.</summary>
    public bool HasRefusedPrescriptionThisYear { get; init; }
    /// <summary>JD: the drug asked for was bought under this policy before (a course of treatment under way).</summary>
    public bool HasEarlierPurchaseOfDrug { get; init; }
}

/// <summary>
/// The handbooks' eligibility rules, one function each, checked in order; the first that fails gives the refusal.
/// Sources and choices: docs/domain-rules.md.
/// </summary>
public static class EligibilityRules
{
    /// <summary>JD: 每次处方剂量不超过1个月 (J 62). A month is taken as 31 days.</summary>
    public const int MaxPrescriptionDays = 31;
    /// <summary>JD: drug costs of a course running on after the policy ends are covered for 30 days (J 64-70).</summary>
    public const int JdContinuationDays = 30;

    /// <summary>Services that go on after a policy ran to its end (JD 特药: the 30-day continuation of a course under way).</summary>
    public static readonly IReadOnlySet<string> ContinuesAfterPolicyEnd = new HashSet<string> { "jd-reservation-purchase" };

    public static Refusal? Check(EligibilityInput x, ReferenceLookup refs) =>
        ServiceBelongsToPolicy(x)
        ?? ApplicantEntitled(x)
        ?? PolicyInForce(x)
        ?? StartConditionPassed(x)
        ?? OptionalCoverBought(x)
        ?? DiagnosisConfirmed(x)
        ?? PrescriptionValid(x)
        ?? GreenChannelAfterRefusal(x)
        ?? RegionCovered(x, refs)
        ?? QuotaLeft(x);

    public static Refusal? ServiceBelongsToPolicy(EligibilityInput x) =>
        x.Service.Insurer == x.Policy.Insurer ? null : Refusals.ServiceNotInPolicy(x.Service.NameZh);

    /// <summary>
    /// The insured applies for themselves; the guardian named on the policy applies with proof of guardianship (CPIC:
    /// 监护人, C 905, 913-915); JD also admits an agent named on the policy with a power of attorney.
    /// </summary>
    public static Refusal? ApplicantEntitled(EligibilityInput x)
    {
        // A phone application (filed by staff) names the caller's account, or "" when the insured or guardian has none.
        if (x.ApplicantUserName == (x.Policy.InsuredUserName ?? "")) return null;
        if (x.ApplicantUserName != (x.Policy.GuardianUserName ?? "")) return Refusals.ApplicantNotEntitled;
        var agent = x.Policy.GuardianRelation == "agent";
        // CPIC names an agent only for the 特药 benefit application (保险金申请人委托他人申请, C 825-827).
        if (agent && x.Policy.Insurer == "CPIC" && x.Service.Code != CpicSpecialDrug) return Refusals.ApplicantNotEntitled;
        var proof = agent ? AttachmentMeta.PowerOfAttorney : AttachmentMeta.GuardianshipProof;
        return x.Details.Attachments.Any(a => a.Kind == proof) ? null : Refusals.ProofRequired;
    }

    /// <summary>In force on the request date; a JD purchase may follow a prescription issued in force for 30 days after the end.</summary>
    public static Refusal? PolicyInForce(EligibilityInput x)
    {
        var p = x.Policy;
        var lastDay = ContinuesAfterPolicyEnd.Contains(x.Service.Code) ? p.EndDate.AddDays(JdContinuationDays) : p.EndDate;
        return x.Today >= p.EffectiveDate && x.Today <= lastDay ? null : Refusals.PolicyNotInForce(p.EffectiveDate, p.EndDate);
    }

    /// <summary>15-day cooling-off (犹豫期) or N-day waiting period (等待期), counted in Asia/Shanghai dates from the chain's start.</summary>
    public static Refusal? StartConditionPassed(EligibilityInput x)
    {
        // 特药垫付: both the cooling-off and the waiting period must have passed (C 881).
        if (x.Service.Code == "cpic-special-drug-direct-pay" && x.Today < (x.Policy.CoolingOffEnd ?? x.ChainStart.AddDays(CpicCoolingOffDays)))
            return Refusals.CoolingOff(x.Policy.CoolingOffEnd ?? x.ChainStart.AddDays(CpicCoolingOffDays));
        var usableFrom = UsableFrom(x);
        if (x.Today >= usableFrom) return null;
        return x.Service.StartCondition.IsCoolingOff ? Refusals.CoolingOff(usableFrom) : Refusals.WaitingPeriod(usableFrom);
    }

    public const string CpicSpecialDrug = "cpic-special-drug-direct-pay";

    /// <summary>CPIC's cooling-off period (犹豫期), from the summary table (C 63-65).</summary>
    public const int CpicCoolingOffDays = 15;

    /// <summary>The first day the service may be used: the policy's own date when the feed carries it, else chain start + days.</summary>
    public static DateOnly UsableFrom(EligibilityInput x)
    {
        var days = x.Service.StartCondition.Days ?? 0;
        var fromFeed = x.Service.StartCondition.IsCoolingOff ? x.Policy.CoolingOffEnd : x.Policy.WaitingPeriodEnd;
        return fromFeed ?? x.ChainStart.AddDays(days);
    }

    public static Refusal? OptionalCoverBought(EligibilityInput x) =>
        x.Service.RequiresOptionalCover == true && !x.Policy.SpecialtyDrugCover ? Refusals.OptionalCoverMissing : null;

    /// <summary>CPIC: confirmed recurrence or metastasis diagnosed after the waiting period; JD: first malignant tumour after it.</summary>
    public static Refusal? DiagnosisConfirmed(EligibilityInput x)
    {
        var waitingEnd = x.Policy.WaitingPeriodEnd ?? x.ChainStart.AddDays(x.Service.StartCondition.IsCoolingOff ? 0 : x.Service.StartCondition.Days ?? 0);
        if (x.Service.NeedsRecurrenceOrMetastasis)
        {
            // Renewal (连续投保): a recurrence confirmed under an earlier policy of the chain counts, as the waiting period does.
            var confirmed = (x.ChainDiagnoses ?? x.Policy.Diagnoses).Where(d => d.Confirmed && d.Kind is "recurrence" or "metastasis" && d.DiagnosedOn <= x.Today).ToList();
            if (confirmed.Count == 0) return Refusals.RecurrenceNotConfirmed;
            return confirmed.Any(d => d.DiagnosedOn >= waitingEnd) ? null : Refusals.DiagnosisBeforeWaitingPeriodEnd(waitingEnd);
        }
        if (x.Service.NeedsFirstMalignantDiagnosis || x.Service.Insurer == "JD" && x.Service.Trigger != "none")
        {
            var first = x.Policy.Diagnoses.Where(d => d.Confirmed && d.Kind == "first-malignant-tumour" && d.DiagnosedOn >= waitingEnd && d.DiagnosedOn <= x.Today).ToList();
            if (first.Count == 0) return Refusals.FirstDiagnosisMissing;
            // 本保险仅承担保险期间内初次确诊的恶性肿瘤 (J 58): not after the insurance period's end.
            return first.Any(d => d.DiagnosedOn <= x.Policy.EndDate) ? null : Refusals.DiagnosisAfterPolicyEnd;
        }
        return null;
    }

    /// <summary>
    /// JD specialty drugs (J 58-70): the prescription's drug, date and days are required; at most one month; issued while
    /// the policy is in force and not after today; after the end date only for a course under way (the same drug bought
    /// under this policy before), within the 30 days (<see cref="PolicyInForce"/>).
    /// </summary>
    public static Refusal? PrescriptionValid(EligibilityInput x)
    {
        if (x.Service.Code != "jd-reservation-purchase") return null;
        var d = x.Details;
        var missing = new List<(string Zh, string En)>();
        if (string.IsNullOrWhiteSpace(d.Drug)) missing.Add(("药品", "drug"));
        if (d.PrescribedOn is null) missing.Add(("处方开具日期", "prescribedOn"));
        if (d.PrescriptionDays is null) missing.Add(("处方用药天数", "prescriptionDays"));
        if (missing.Count > 0) return Refusals.PrescriptionDetailsRequired(string.Join("、", missing.Select(m => m.Zh)), string.Join(", ", missing.Select(m => m.En)));
        if (d.PrescriptionDays is > MaxPrescriptionDays) return Refusals.PrescriptionTooLong;
        if (d.PrescribedOn > x.Today) return Refusals.PrescriptionInFuture;
        if (d.PrescribedOn < x.Policy.EffectiveDate || d.PrescribedOn > x.Policy.EndDate) return Refusals.PrescriptionOutsidePolicy;
        if (x.Today > x.Policy.EndDate && !x.HasEarlierPurchaseOfDrug) return Refusals.ContinuationNeedsCourseUnderWay;
        return null;
    }

    /// <summary>JD green channel (门诊绿色通道): offered when a prescription was refused at review this policy year (J 117-119).</summary>
    public static Refusal? GreenChannelAfterRefusal(EligibilityInput x) =>
        x.Service.Code != "jd-green-channel" ? null
        : !x.HasRefusedPrescriptionThisYear ? Refusals.GreenChannelNeedsRefusedPrescription
        : !x.Details.AcceptsReviewResult ? Refusals.ReviewResultNotAccepted
        : null;

    /// <summary>Where the service is offered: 附件1 hospitals, 附件2 cities, Beijing/Shanghai/Guangzhou, drug lists and pharmacy cities.</summary>
    public static Refusal? RegionCovered(EligibilityInput x, ReferenceLookup refs)
    {
        var limit = x.Service.RegionLimit;
        if (limit is null) return null;
        var d = x.Details;
        switch (limit.Kind, limit.Ref)
        {
            case ("cities", _):
                if (string.IsNullOrWhiteSpace(d.City)) return Refusals.CityRequired;
                return limit.Cities!.Any(c => Names.CityKey(c) == Names.CityKey(d.City)) ? null : Refusals.CityNotCovered(d.City, string.Join("、", limit.Cities!));
            case (_, "附件1"):
                if (string.IsNullOrWhiteSpace(d.Hospital)) return Refusals.HospitalRequired;
                return refs.IsGreenChannelHospital(d.Hospital) ? null : Refusals.HospitalNotCovered("附件1 绿通覆盖医院列表");
            case (_, "附件2"):
                if (string.IsNullOrWhiteSpace(d.City)) return Refusals.CityRequired;
                return refs.IsEscortCity(d.City) ? null : Refusals.CityNotCovered(d.City, "附件2 就医陪诊覆盖城市");
            case (_, "附件3"):
                // A city without a designated pharmacy gets other-city delivery in 2-5 working days (C 893-895), not a refusal.
                if (refs.FindCpicDrug(d.Drug) is null) return Refusals.DrugNotListed;
                return string.IsNullOrWhiteSpace(d.City) ? Refusals.CityRequired : null;
            case (_, "附件一"):
                // Likewise JD: 异地配送 2-5 working days (J 234).
                if (refs.FindJdDrug(d.Drug) is null) return Refusals.DrugNotListed;
                return string.IsNullOrWhiteSpace(d.City) ? Refusals.CityRequired : null;
            case (_, "附件三"):
                if (string.IsNullOrWhiteSpace(d.Hospital)) return Refusals.HospitalRequired;
                return refs.IsJdDesignatedHospital(d.Hospital) ? null : Refusals.HospitalNotCovered("附件三 专家门诊定点医院列表");
            default:
                return null;
        }
    }

    public static Refusal? QuotaLeft(EligibilityInput x) =>
        x.Service.QuotaPerPolicyPeriod is { } quota && x.QuotaUsed >= quota ? Refusals.QuotaExhausted(quota, x.Service.QuotaScope == "policy-year") : null;

    /// <summary>The first day of the quota period containing <paramref name="today"/>: the policy start, or the policy year's start.</summary>
    public static DateOnly QuotaPeriodStart(Policy policy, ServiceDefinition service, DateOnly today)
    {
        if (service.QuotaScope != "policy-year") return policy.EffectiveDate;
        var start = policy.EffectiveDate;
        while (start.AddYears(1) <= today) start = start.AddYears(1);
        return start;
    }
}
