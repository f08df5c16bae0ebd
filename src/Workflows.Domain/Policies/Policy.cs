namespace Workflows.Domain.Policies;

/// <summary>
/// An insurance policy (保单) from the policy administration system's feed: product and variant, the insured person
/// (被保险人), an optional guardian (监护人), the period, the continuous-renewal link and the diagnosis events.
/// ID numbers, phones and diagnosis details are stored encrypted (<see cref="PersonalDataProtector"/>).
/// </summary>
public sealed class Policy
{
    public string Id { get; set; } = "";
    public string PolicyNumber { get; set; } = "";
    /// <summary>CPIC or JD.</summary>
    public string Insurer { get; set; } = "";
    /// <summary>cpic-breast-cancer-recurrence or jd-malignant-tumour-drug.</summary>
    public string Product { get; set; } = "";
    /// <summary>JD only: with-social-insurance (有社保版) or without-social-insurance (无社保版).</summary>
    public string? Variant { get; set; }
    /// <summary>CPIC's optional specialty-drug cover (特定药品费用医疗保险金可选责任), required for 特药垫付.</summary>
    public bool SpecialtyDrugCover { get; set; }
    /// <summary>
    /// CPIC: the sum insured of the specialty-drug cover (元) from the feed; null when the feed does not carry it, and
    /// then <see cref="DirectBillingSettings.DefaultSumInsured"/> applies. Direct billing never advances more than it
    /// over the policy (C 871-875); the advances so far are in <see cref="Applications.DirectBillingAccount"/>.
    /// </summary>
    public decimal? SpecialtyDrugSumInsured { get; set; }
    public DateOnly EffectiveDate { get; set; }
    public DateOnly EndDate { get; set; }
    /// <summary>The policy this one continuously renews (连续投保), if any.</summary>
    public string? PreviousPolicyNumber { get; set; }
    /// <summary>From the feed when it carries them; otherwise the product's default days after the effective date.</summary>
    public DateOnly? CoolingOffEnd { get; set; }
    public DateOnly? WaitingPeriodEnd { get; set; }

    public string InsuredName { get; set; } = "";
    public string InsuredIdNumberProtected { get; set; } = "";
    public string? InsuredPhoneProtected { get; set; }
    public DateOnly? InsuredBirthDate { get; set; }
    /// <summary>The back-office user name of the insured, when they have an account.</summary>
    public string? InsuredUserName { get; set; }

    public string? GuardianName { get; set; }
    public string? GuardianIdNumberProtected { get; set; }
    public string? GuardianPhoneProtected { get; set; }
    public string? GuardianRelation { get; set; }
    public string? GuardianUserName { get; set; }

    public DateTimeOffset ImportedAt { get; set; }
    public string ImportedBy { get; set; } = "";
    public List<DiagnosisEvent> Diagnoses { get; set; } = [];

    /// <summary>1 when imported; each amendment (feed or console) adds one. Earlier versions are kept in <see cref="PolicyVersion"/>.</summary>
    public int Version { get; set; } = 1;
    /// <summary>Early termination (退保/解约): the last day of cover. <see cref="EndDate"/> is set to it; the agreed end date stays in the earlier version.</summary>
    public DateOnly? TerminatedOn { get; set; }
    public string? TerminationReason { get; set; }
}

/// <summary>
/// A superseded version of a policy: its state (encrypted JSON, it holds names) before amendment <see cref="Version"/> + 1,
/// what that amendment changed, who made it and when.
/// </summary>
public sealed class PolicyVersion
{
    public long Id { get; set; }
    public string PolicyId { get; set; } = "";
    public string PolicyNumber { get; set; } = "";
    public int Version { get; set; }
    public string SnapshotProtected { get; set; } = "";
    /// <summary>What the next version changed, in words (Chinese), e.g. "提前终止：2026-09-30（退保）".</summary>
    public string Change { get; set; } = "";
    public DateTimeOffset ChangedAt { get; set; }
    public string ChangedBy { get; set; } = "";
}

/// <summary>A diagnosis the insurer recorded: confirmed recurrence (复发) or metastasis (转移) for CPIC, first malignant tumour (初次罹患恶性肿瘤) for JD.</summary>
public sealed class DiagnosisEvent
{
    public int Id { get; set; }
    public string PolicyId { get; set; } = "";
    /// <summary>recurrence, metastasis or first-malignant-tumour.</summary>
    public string Kind { get; set; } = "";
    public DateOnly DiagnosedOn { get; set; }
    public bool Confirmed { get; set; }
    /// <summary>The diagnosis text, encrypted.</summary>
    public string? DetailProtected { get; set; }
    public DateTimeOffset RecordedAt { get; set; }

    public static readonly string[] Kinds = ["recurrence", "metastasis", "first-malignant-tumour"];
}

public static class Products
{
    public const string CpicBreastCancer = "cpic-breast-cancer-recurrence";
    public const string JdTumourDrug = "jd-malignant-tumour-drug";
    public static readonly string[] All = [CpicBreastCancer, JdTumourDrug];
    public static readonly string[] JdVariants = ["with-social-insurance", "without-social-insurance"];

    public static string InsurerOf(string product) => product == JdTumourDrug ? "JD" : "CPIC";

    /// <summary>
    /// The product's term in months: CPIC 保险期间为一年 (C 241), JD 一个保单年度 (J 142). A policy whose period is longer is
    /// flagged at import (<see cref="LongerThanTerm"/>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, int> TermMonths = new Dictionary<string, int> { [CpicBreastCancer] = 12, [JdTumourDrug] = 12 };

    /// <summary>
    /// The last end date the product's term allows: the same calendar date a term later (feeds write a one-year policy
    /// from 2026-01-10 either to 2027-01-09 or to 2027-01-10); null for an unknown product.
    /// </summary>
    public static DateOnly? LatestEnd(string product, DateOnly effective) => TermMonths.TryGetValue(product, out var m) ? effective.AddMonths(m) : null;

    public static bool LongerThanTerm(string product, DateOnly effective, DateOnly end) => LatestEnd(product, effective) is { } latest && end > latest;
}
