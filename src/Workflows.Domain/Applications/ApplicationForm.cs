using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;
using Workflows.Domain.ReferenceData;

namespace Workflows.Domain.Applications;

/// <summary>Which list a hospital picker offers.</summary>
public enum HospitalList { None, GreenChannel, JdDesignated }

/// <summary>Which list a city picker offers.</summary>
public enum CityList { None, Named, Escort, CpicPharmacy, JdPharmacy, Any }

/// <summary>
/// What a member's application form for one service asks, and nothing more (服务申请表): derived from the service
/// catalogue's region rule, trigger and documents, and from who applies (a guardian or agent attaches proof).
/// The portal renders it; <see cref="Validate"/> gives the field messages before anything is sent.
/// </summary>
public sealed record ApplicationForm(
    ServiceDefinition Service,
    HospitalList Hospitals,
    CityList Cities,
    IReadOnlyList<string> NamedCities,
    string? DrugSource,
    bool Prescription,
    bool GreenChannel,
    string? ProofKind,
    IReadOnlyList<string> Documents,
    bool PreferredDates)
{
    public static ApplicationForm For(ServiceDefinition s, string applicantRole)
    {
        var (hospitals, cities, drug) = (s.RegionLimit?.Kind, s.RegionLimit?.Ref) switch
        {
            ("cities", _) => (HospitalList.None, CityList.Named, (string?)null),
            (_, "附件1") => (HospitalList.GreenChannel, CityList.None, null),
            (_, "附件2") => (HospitalList.None, CityList.Escort, null),
            (_, "附件3") => (HospitalList.None, CityList.CpicPharmacy, ReferenceDataLoader.Cpic),
            (_, "附件一") => (HospitalList.None, CityList.JdPharmacy, ReferenceDataLoader.Jd),
            (_, "附件三") => (HospitalList.JdDesignated, CityList.None, null),
            _ => (HospitalList.None, CityList.None, null),
        };
        var proof = applicantRole switch
        {
            "guardian" => AttachmentMeta.GuardianshipProof,
            "agent" => AttachmentMeta.PowerOfAttorney,
            _ => null,
        };
        // Services without a booking (drug purchase, consultations, COC enrolment) do not ask for preferred dates.
        var dates = s.CancellationNoticeWorkingDays is not null || hospitals != HospitalList.None || cities is CityList.Named or CityList.Escort;
        return new ApplicationForm(s, hospitals, cities, s.RegionLimit?.Cities ?? [], drug,
            Prescription: s.Code == "jd-reservation-purchase", GreenChannel: s.Code == "jd-green-channel", proof, s.RequiredDocuments ?? [], dates); // null in the catalogue for some JD services
    }

    /// <summary>The cities the city picker offers, in list order, without duplicates.</summary>
    public IReadOnlyList<string> CityOptions(ReferenceLookup refs) => (Cities switch
    {
        CityList.Named => NamedCities,
        CityList.Escort => refs.EscortCities.Select(c => c.City),
        CityList.CpicPharmacy => refs.CpicPharmacyCities.Select(c => c.City),
        CityList.JdPharmacy => refs.JdPharmacyCities.Select(c => c.City),
        _ => [],
    }).Distinct().ToList();

    /// <summary>One hospital of a picker: its name as listed and where it is.</summary>
    public sealed record HospitalOption(string Name, string Province, string City);

    /// <summary>The hospitals whose name, city or province contains <paramref name="search"/> (all when empty), in list order.</summary>
    public IReadOnlyList<HospitalOption> HospitalOptions(ReferenceLookup refs, string? search, int take = 50)
    {
        IEnumerable<HospitalOption> all = Hospitals switch
        {
            HospitalList.GreenChannel => refs.GreenChannelHospitals.Select(h => new HospitalOption(h.Hospital, h.Province, h.City)),
            HospitalList.JdDesignated => refs.DesignatedHospitals.Select(h => new HospitalOption(h.Hospital, h.Province, h.City)),
            _ => [],
        };
        var key = Names.Key(search);
        if (key.Length > 0)
            all = all.Where(h => Names.Key(h.Name).Contains(key, StringComparison.OrdinalIgnoreCase) || Names.Key(h.City).Contains(key, StringComparison.Ordinal)
                                 || Names.Key(h.Province).Contains(key, StringComparison.Ordinal));
        return all.DistinctBy(h => h.Name).Take(take).ToList();
    }

    /// <summary>The drugs of the service's list whose generic or brand name contains <paramref name="search"/>.</summary>
    public IReadOnlyList<ListedDrug> DrugOptions(ReferenceLookup refs, string? search, int take = 50)
    {
        IEnumerable<ListedDrug> all = DrugSource switch
        {
            ReferenceDataLoader.Cpic => refs.CpicDrugs,
            ReferenceDataLoader.Jd => refs.JdDrugs,
            _ => [],
        };
        var key = Names.Key(search);
        if (key.Length > 0)
            all = all.Where(d => Names.Key(d.GenericName).Contains(key, StringComparison.OrdinalIgnoreCase) || Names.Key(d.BrandName).Contains(key, StringComparison.OrdinalIgnoreCase));
        return all.DistinctBy(d => d.GenericName + "|" + d.BrandName).Take(take).ToList();
    }

    /// <summary>The name stored for a picked drug: its generic name, which the eligibility rules look up.</summary>
    public static string DrugName(ListedDrug d) => d.GenericName;

    /// <summary>
    /// Field messages (Chinese, English) for what is missing or out of range, keyed by field name: hospital, city, drug,
    /// prescribedOn, prescriptionDays, acceptsReviewResult, proof, preferredDates. Empty when the form may be sent.
    /// Coverage itself (is this hospital listed?) stays the eligibility check's answer.
    /// </summary>
    public IReadOnlyDictionary<string, (string Zh, string En)> Validate(ApplicationDetails d, IReadOnlyList<DateOnly> preferredDates, DateOnly today)
    {
        var errors = new Dictionary<string, (string, string)>();
        if (Hospitals != HospitalList.None && string.IsNullOrWhiteSpace(d.Hospital))
            errors["hospital"] = ("请从列表中选择就诊医院。", "Choose the hospital from the list.");
        if (Cities != CityList.None && string.IsNullOrWhiteSpace(d.City))
            errors["city"] = ("请选择服务城市。", "Choose the city.");
        if (DrugSource is not null && string.IsNullOrWhiteSpace(d.Drug))
            errors["drug"] = ("请从特药清单中选择药品。", "Choose the drug from the list.");
        if (Prescription)
        {
            if (d.PrescribedOn is null) errors["prescribedOn"] = ("请填写处方开具日期。", "Enter the date the prescription was issued.");
            else if (d.PrescribedOn > today) errors["prescribedOn"] = ("处方日期不能晚于今天。", "The prescription date cannot be in the future.");
            if (d.PrescriptionDays is null) errors["prescriptionDays"] = ("请填写处方用药天数。", "Enter how many days the prescription covers.");
            else if (d.PrescriptionDays is < 1 or > EligibilityRules.MaxPrescriptionDays)
                errors["prescriptionDays"] = ($"处方用药天数须在 1 至 {EligibilityRules.MaxPrescriptionDays} 天之间（每次处方不超过1个月）。",
                    $"The prescription must cover 1 to {EligibilityRules.MaxPrescriptionDays} days (at most one month).");
        }
        if (GreenChannel && !d.AcceptsReviewResult)
            errors["acceptsReviewResult"] = ("申请门诊绿色通道须确认认可处方审核结果。", "Confirm that you accept the prescription review's result.");
        if (ProofKind is not null && !d.Attachments.Any(a => a.Kind == ProofKind))
            errors["proof"] = ProofKind == AttachmentMeta.PowerOfAttorney
                ? ("代理人申请须上传授权委托书。", "An agent must attach the power of attorney.")
                : ("监护人申请须上传监护关系证明。", "A guardian must attach proof of guardianship.");
        if (PreferredDates)
        {
            if (preferredDates.Count == 0) errors["preferredDates"] = ("请至少选择一个期望日期。", "Choose at least one preferred date.");
            else if (preferredDates.Any(x => x <= today)) errors["preferredDates"] = ("期望日期须晚于今天。", "Preferred dates must be after today.");
            else if (preferredDates.Any(x => x > today.AddDays(90))) errors["preferredDates"] = ("期望日期须在 90 天之内。", "Preferred dates must be within 90 days.");
        }
        return errors;
    }

    /// <summary>How preferred dates are written into <see cref="ApplicationDetails.PreferredTime"/>: "2026-12-03(周四) 上午；…".</summary>
    public static string PreferredTimeText(IEnumerable<(DateOnly Day, string HalfDay)> dates) =>
        string.Join("；", dates.Select(x => $"{x.Day:yyyy-MM-dd}({Weekday(x.Day)}) {x.HalfDay}".TrimEnd()));

    public static string Weekday(DateOnly d) => d.DayOfWeek switch
    {
        DayOfWeek.Monday => "周一", DayOfWeek.Tuesday => "周二", DayOfWeek.Wednesday => "周三", DayOfWeek.Thursday => "周四",
        DayOfWeek.Friday => "周五", DayOfWeek.Saturday => "周六", _ => "周日",
    };
}
