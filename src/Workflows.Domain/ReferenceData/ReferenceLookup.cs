using Microsoft.EntityFrameworkCore;

namespace Workflows.Domain.ReferenceData;

/// <summary>
/// Answers the handbooks' "is it covered?" questions from an in-memory snapshot of the reference tables, read once by
/// <see cref="LoadAsync"/>; safe to share as a singleton. Names are compared by <see cref="Names.Key"/> (hospitals,
/// drugs) or <see cref="Names.CityKey"/> (cities), so "上海" matches "上海市" and the PDF's stray spaces and
/// full-width brackets do not matter. Matching is exact on that key: no fuzzy or partial matching
/// ("阿贝西利" does not find "阿贝西利片"). The returned entities belong to the snapshot: treat them as read-only.
/// </summary>
public sealed class ReferenceLookup
{
    private static readonly StringComparer KeyComparer = StringComparer.OrdinalIgnoreCase; // Latin drug names: Talzenna = TALZENNA

    private readonly HashSet<string> _greenChannelHospitals;
    private readonly Dictionary<string, GreenChannelHospital[]> _greenChannelByCity;
    private readonly HashSet<string> _escortCities;
    private readonly Dictionary<string, ListedDrug> _cpicDrugs;
    private readonly Dictionary<string, ListedDrug> _jdDrugs;
    private readonly Dictionary<string, int> _cpicPharmacies;
    private readonly HashSet<string> _jdPharmacyCities;
    private readonly HashSet<string> _jdDesignatedHospitals;

    internal ReferenceLookup(
        IReadOnlyCollection<GreenChannelHospital> greenChannelHospitals,
        IReadOnlyCollection<EscortCity> escortCities,
        IReadOnlyCollection<ListedDrug> drugs,
        IReadOnlyCollection<PharmacyCity> pharmacyCities,
        IReadOnlyCollection<DesignatedHospital> designatedHospitals)
    {
        _greenChannelHospitals = greenChannelHospitals.SelectMany(h => HospitalKeys(h.Hospital)).ToHashSet(KeyComparer);
        _greenChannelByCity = greenChannelHospitals
            .GroupBy(h => Names.CityKey(h.City), KeyComparer)
            .ToDictionary(g => g.Key, g => g.ToArray(), KeyComparer);
        _escortCities = escortCities.Select(c => Names.CityKey(c.City)).ToHashSet(KeyComparer);
        _cpicDrugs = IndexDrugs(drugs.Where(d => d.Source == ReferenceDataLoader.Cpic));
        _jdDrugs = IndexDrugs(drugs.Where(d => d.Source == ReferenceDataLoader.Jd));
        _cpicPharmacies = pharmacyCities
            .Where(p => p.Source == ReferenceDataLoader.Cpic)
            .GroupBy(p => Names.CityKey(p.City), KeyComparer) // 天津市 has two rows (11 + 1)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.PharmacyCount ?? 0), KeyComparer);
        _jdPharmacyCities = pharmacyCities
            .Where(p => p.Source == ReferenceDataLoader.Jd)
            .Select(p => Names.CityKey(p.City))
            .ToHashSet(KeyComparer);
        _jdDesignatedHospitals = designatedHospitals.SelectMany(h => HospitalKeys(h.Hospital)).ToHashSet(KeyComparer);
        GreenChannelHospitals = greenChannelHospitals.ToArray();
        DesignatedHospitals = designatedHospitals.ToArray();
        EscortCities = escortCities.ToArray();
        CpicDrugs = drugs.Where(d => d.Source == ReferenceDataLoader.Cpic).ToArray();
        JdDrugs = drugs.Where(d => d.Source == ReferenceDataLoader.Jd).ToArray();
        CpicPharmacyCities = pharmacyCities.Where(p => p.Source == ReferenceDataLoader.Cpic).ToArray();
        JdPharmacyCities = pharmacyCities.Where(p => p.Source == ReferenceDataLoader.Jd).ToArray();
    }

    /// <summary>
    /// The version of the reference data this snapshot holds ("1" is the shipped CSVs). Every decision that reads the
    /// lists records it, so that replay can use the lists the original decision used.
    /// </summary>
    public string Version { get; init; } = "1";

    /// <summary>CPIC 附件1, in list order (for pickers).</summary>
    public IReadOnlyList<GreenChannelHospital> GreenChannelHospitals { get; }
    /// <summary>JD 附件三, in list order (for pickers).</summary>
    public IReadOnlyList<DesignatedHospital> DesignatedHospitals { get; }
    /// <summary>CPIC 附件2, in list order (for pickers).</summary>
    public IReadOnlyList<EscortCity> EscortCities { get; }
    /// <summary>CPIC 附件3's three drug lists, in list order.</summary>
    public IReadOnlyList<ListedDrug> CpicDrugs { get; }
    /// <summary>JD 附件二, in list order.</summary>
    public IReadOnlyList<ListedDrug> JdDrugs { get; }
    /// <summary>CPIC 附件3 (2) pharmacy cities, in list order.</summary>
    public IReadOnlyList<PharmacyCity> CpicPharmacyCities { get; }
    /// <summary>JD 附件一 pharmacy cities, in list order.</summary>
    public IReadOnlyList<PharmacyCity> JdPharmacyCities { get; }

    /// <summary>
    /// A listed hospital answers to its name as printed, to the name without its bracketed part and to the bracketed
    /// alias: "上海肿瘤医院（复旦大学附属肿瘤医院）" matches all three ways members write it.
    /// </summary>
    internal static IEnumerable<string> HospitalKeys(string name)
    {
        var key = Names.Key(name);
        yield return key;
        var open = key.IndexOfAny(['（', '(']);
        var close = key.LastIndexOfAny(['）', ')']);
        if (open > 0 && close > open)
        {
            yield return key[..open] + key[(close + 1)..];
            yield return key[(open + 1)..close];
        }
    }

    /// <summary>Reads the reference tables once (run <see cref="ReferenceDataLoader.LoadAsync(DomainDbContext, CancellationToken)"/> first).</summary>
    public static async Task<ReferenceLookup> LoadAsync(DomainDbContext db, CancellationToken ct = default) => new(
        await db.GreenChannelHospitals.AsNoTracking().OrderBy(x => x.Id).ToListAsync(ct),
        await db.EscortCities.AsNoTracking().OrderBy(x => x.Id).ToListAsync(ct),
        await db.Drugs.AsNoTracking().OrderBy(x => x.Id).ToListAsync(ct),
        await db.PharmacyCities.AsNoTracking().OrderBy(x => x.Id).ToListAsync(ct),
        await db.DesignatedHospitals.AsNoTracking().OrderBy(x => x.Id).ToListAsync(ct));

    /// <summary>A snapshot built from a version's seven CSV texts (by file name); throws naming the file and line when one is not valid.</summary>
    public static ReferenceLookup FromFiles(IReadOnlyDictionary<string, string> files, string version)
    {
        var rows = ReferenceDataLoader.Read(file => files.TryGetValue(file, out var text)
            ? text : throw new InvalidDataException($"Reference data version {version} has no file '{file}'."));
        return new(rows.GreenChannelHospitals, rows.EscortCities, rows.Drugs, rows.PharmacyCities, rows.DesignatedHospitals) { Version = version };
    }

    /// <summary>CPIC 附件1 绿通覆盖医院: whether the green channels serve this hospital.</summary>
    public bool IsGreenChannelHospital(string? name) => _greenChannelHospitals.Contains(Names.Key(name));

    /// <summary>CPIC 附件1: the green-channel hospitals in a city, in list order (empty if none).</summary>
    public IReadOnlyList<GreenChannelHospital> GreenChannelHospitalsIn(string? city) =>
        _greenChannelByCity.TryGetValue(Names.CityKey(city), out var list) ? list : [];

    /// <summary>CPIC 附件2 就医陪诊覆盖城市: whether escort (陪诊) is offered in this city.</summary>
    public bool IsEscortCity(string? city) => _escortCities.Contains(Names.CityKey(city));

    /// <summary>
    /// CPIC 附件3 特定药品清单 (any of the three lists): the drug with this generic or brand name. Cells that give two
    /// names ("法禄达/普维拉", "Elacestrant/艾拉司群") match by either. When several rows match (one molecule, several
    /// brands or lists), a generic-name match wins over a brand-name match, then the first in list order.
    /// </summary>
    public ListedDrug? FindCpicDrug(string? name) => _cpicDrugs.GetValueOrDefault(Names.Key(name));

    /// <summary>JD 附件二 京东安联特药清单: the drug with this generic (分子名) or brand name; same rules as <see cref="FindCpicDrug"/>.</summary>
    public ListedDrug? FindJdDrug(string? name) => _jdDrugs.GetValueOrDefault(Names.Key(name));

    /// <summary>CPIC 附件3 (2) 指定特药药店分布区域: whether the city has a designated DTP pharmacy.</summary>
    public bool HasCpicPharmacy(string? city) => CpicPharmacyCount(city) > 0;

    /// <summary>CPIC 附件3 (2): the number of designated DTP pharmacies in the city (0 if it is not listed).</summary>
    public int CpicPharmacyCount(string? city) => _cpicPharmacies.GetValueOrDefault(Names.CityKey(city));

    /// <summary>JD 附件一 京东安联指定或认可的药店分布区域: whether the city has a designated or approved pharmacy.</summary>
    public bool HasJdPharmacy(string? city) => _jdPharmacyCities.Contains(Names.CityKey(city));

    /// <summary>JD 附件三 恶性肿瘤特药服务专家门诊定点医院: whether the hospital is a designated expert-clinic hospital.</summary>
    public bool IsJdDesignatedHospital(string? name) => _jdDesignatedHospitals.Contains(Names.Key(name));

    private static Dictionary<string, ListedDrug> IndexDrugs(IEnumerable<ListedDrug> drugs)
    {
        var list = drugs.ToList();
        var index = new Dictionary<string, ListedDrug>(KeyComparer);
        foreach (var drug in list)
            foreach (var key in Keys(drug.GenericName)) index.TryAdd(key, drug);
        foreach (var drug in list)
            foreach (var key in Keys(drug.BrandName)) index.TryAdd(key, drug);
        return index;
    }

    /// <summary>The whole name's key, and each part's when the cell gives alternatives separated by '/'.</summary>
    private static IEnumerable<string> Keys(string? name)
    {
        var key = Names.Key(name);
        if (key.Length == 0) yield break;
        yield return key;
        if (!key.Contains('/')) yield break;
        foreach (var part in key.Split('/', StringSplitOptions.RemoveEmptyEntries)) yield return part;
    }
}
