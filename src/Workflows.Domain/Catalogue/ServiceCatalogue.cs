using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Domain.Catalogue;

/// <summary>
/// The services the insurer sells, as data: <c>service-catalogue.json</c> (one entry per handbook service, with its
/// sources in the handbooks). This class reads the fields the rules use; the file keeps the rest for people.
/// </summary>
public sealed class ServiceCatalogue
{
    private readonly Dictionary<string, ServiceDefinition> _services;

    private ServiceCatalogue(IEnumerable<ServiceDefinition> services) =>
        _services = services.ToDictionary(s => s.Code, StringComparer.Ordinal);

    private static readonly Lazy<ServiceCatalogue> Embedded = new(() => Load());

    public static ServiceCatalogue Default => Embedded.Value;

    public IReadOnlyCollection<ServiceDefinition> Services => _services.Values;

    /// <summary>The catalogue's content version (<c>sha256:</c> and 16 hex digits of its JSON): what a decision records and replay asks for.</summary>
    public string Version { get; private init; } = "";

    public bool TryGet(string code, out ServiceDefinition service) => _services.TryGetValue(code, out service!);

    public static ServiceCatalogue Load(Stream? json = null)
    {
        using var source = json ?? typeof(ServiceCatalogue).Assembly.GetManifestResourceStream("Catalogue.service-catalogue.json")
                           ?? throw new InvalidOperationException("service-catalogue.json is not embedded.");
        var bytes = ContentVersion.ReadAll(source);
        var services = JsonSerializer.Deserialize<List<ServiceDefinition>>(new MemoryStream(bytes), Options)
                       ?? throw new InvalidOperationException("service-catalogue.json is empty.");
        foreach (var s in services)
        {
            if (s.StartCondition.Days is null or < 0) throw new InvalidOperationException($"Service {s.Code}: startCondition.days must be set.");
            if (s.Insurer is not ("CPIC" or "JD")) throw new InvalidOperationException($"Service {s.Code}: unknown insurer '{s.Insurer}'.");
        }
        return new ServiceCatalogue(services) { Version = ContentVersion.Of(bytes) };
    }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        ReadCommentHandling = JsonCommentHandling.Skip,
    };
}

/// <summary>One service of a handbook: who may use it, when, how often, where, and how fast the insurer must act.</summary>
public sealed record ServiceDefinition
{
    public required string Code { get; init; }
    public required string Insurer { get; init; }
    public required string NameZh { get; init; }
    public required string NameEn { get; init; }
    /// <summary>Uses per policy period (per policy year where <see cref="QuotaScope"/> says so); null = unlimited.</summary>
    public int? QuotaPerPolicyPeriod { get; init; }
    public string QuotaScope { get; init; } = "policy-period";
    public required StartCondition StartCondition { get; init; }
    /// <summary>confirmed-recurrence-or-metastasis, first-malignant-tumour-diagnosis, prescription-review-refused, none, …</summary>
    public string Trigger { get; init; } = "none";
    public ServiceHoursSpec? ServiceHours { get; init; }
    public SlaSpec? FirstContactSla { get; init; }
    public IReadOnlyList<SlaSpec> Slas { get; init; } = [];
    /// <summary>Working days of notice a cancellation needs to give the quota back (提前N个工作日告知); null = no rule.</summary>
    public int? CancellationNoticeWorkingDays { get; init; }
    public NoShowSpec? NoShowRule { get; init; }
    /// <summary>When a use counts as taken; a catalogue entry with <c>null</c> (no rule) reads as an empty list.</summary>
    public IReadOnlyList<string> QuotaConsumedWhen { get => _quotaConsumedWhen; init => _quotaConsumedWhen = value ?? []; }
    private readonly IReadOnlyList<string> _quotaConsumedWhen = [];
    public RegionLimitSpec? RegionLimit { get; init; }
    public IReadOnlyList<string> RequiredDocuments { get; init; } = [];
    public bool? RequiresOptionalCover { get; init; }
    /// <summary>The handbook's steps for the service, as codes (e.g. upload-prior-medical-records), shown to staff with the case.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];
    /// <summary>Notes for people (what the handbook says beside the rules).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool NeedsRecurrenceOrMetastasis => Trigger == "confirmed-recurrence-or-metastasis";
    public bool NeedsFirstMalignantDiagnosis => Trigger == "first-malignant-tumour-diagnosis";
}

/// <summary>犹豫期 (cooling-off) or 等待期 (waiting period), counted in days from the policy's effective date.</summary>
public sealed record StartCondition(string Kind, int? Days)
{
    public bool IsCoolingOff => Kind == "cooling-off";
}

public sealed record ServiceHoursSpec(string Days, string From, string To);
/// <summary>A service level: <see cref="Amount"/> (the limit) in <see cref="Unit"/>, with <see cref="AmountMin"/> where the handbook gives a range (20-30 分钟).</summary>
public sealed record SlaSpec(string? Name, int? Amount, string? Unit, string? Note, int? AmountMin = null);
public sealed record NoShowSpec(string? Text, bool? QuotaConsumed);

/// <summary>Where a service is offered: an attachment's list (附件1 hospitals, 附件2 cities, …) or named cities.</summary>
public sealed record RegionLimitSpec(string Kind, string? Ref, string? Name, IReadOnlyList<string>? Cities);
