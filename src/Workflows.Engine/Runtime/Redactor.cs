using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workflows.Engine.Runtime;

/// <summary>
/// Keeps sensitive personal information (ID numbers, phone numbers, diagnoses…) out of the journal, staff views and the
/// logs: values under a sensitive key are replaced by a mask (the key list is configuration), and in every other text
/// an ID number or phone number is masked by what it is (<see cref="ScrubText"/>): a note typed by a member is masked
/// by content, whatever key it sits under.
/// </summary>
public sealed class Redactor(IEnumerable<string> sensitiveKeyFragments)
{
    public const string Mask = "***";
    private readonly string[] _fragments = sensitiveKeyFragments.Select(f => f.ToLowerInvariant()).ToArray();

    public static readonly string[] DefaultSensitiveKeys =
        ["idnumber", "idcard", "idno", "identity", "passport", "phone", "mobile", "tel", "diagnos", "disease", "icd", "pathology", "medicalrecord", "homeaddress", "deliveryaddress", "pickupcode", "question", "answersummary", "email", "password", "secret", "token"];

    public static Redactor Default { get; } = new(DefaultSensitiveKeys);

    // An ID number or phone is a token of its own: digits inside a longer run of letters and digits (a hexadecimal
    // instance id, a hash) are part of that token, not personal data, and are left alone so ids stay searchable.
    private const string Before = @"(?<![0-9A-Za-z])";
    private const string After = @"(?![0-9A-Za-z])";
    private static readonly Regex IdNumber = new(Before + @"(?:\d{17}[\dXx]|\d{15})" + After, RegexOptions.Compiled);
    private static readonly Regex Phone = new(Before + @"(?:(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-\d{7,8})" + After, RegexOptions.Compiled);

    /// <summary>
    /// The diagnosis words masked in free text (data: <c>Runtime/sensitive-terms.txt</c>, embedded), longest first so
    /// that "淋巴结转移" is masked whole.
    /// </summary>
    public static IReadOnlyList<string> SensitiveTerms { get; } = LoadTerms();

    /// <summary>Matches any of <see cref="SensitiveTerms"/>.</summary>
    public static Regex DiagnosisTerm { get; } = new(string.Join("|", SensitiveTerms.Select(Regex.Escape)), RegexOptions.Compiled | RegexOptions.IgnoreCase);

    private static string[] LoadTerms()
    {
        using var stream = typeof(Redactor).Assembly.GetManifestResourceStream("Runtime.sensitive-terms.txt")
                           ?? throw new InvalidOperationException("The embedded list Runtime/sensitive-terms.txt is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Distinct(StringComparer.OrdinalIgnoreCase).OrderByDescending(t => t.Length).ToArray();
    }

    /// <summary>The text with Chinese ID numbers, mobile/landline numbers and diagnosis words masked; the text itself if it has none.</summary>
    public static string ScrubText(string text)
    {
        if (text.Length < 2) return text;
        if (text.Length >= 11) text = Phone.Replace(IdNumber.Replace(text, "[id-number]"), "[phone]");
        return DiagnosisTerm.Replace(text, "[diagnosis]");
    }

    public bool IsSensitive(string key)
    {
        var k = key.ToLowerInvariant();
        foreach (var f in _fragments)
            if (k.Contains(f)) return true;
        return false;
    }

    /// <summary>A copy of the node with every value under a sensitive key masked, at any depth.</summary>
    public JsonNode? Redact(JsonNode? node) => node switch
    {
        JsonObject o => RedactObject(o),
        JsonArray a => new JsonArray(a.Select(Redact).ToArray()),
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(ScrubText(v.GetValue<string>())),
        _ => node.DeepClone(),
    };

    public JsonObject RedactObject(JsonObject o)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in o)
            copy[k] = IsSensitive(k) && v is not null && !CarriesNoPersonalData(v) ? JsonValue.Create(Mask) : Redact(v);
        return copy;
    }

    /// <summary>
    /// A yes/no under a sensitive key (a material tick such as <c>diagnosisReport: true</c>: "the report was handed in")
    /// says nothing about the person that the case does not already say, and replay needs it as it was: it is kept.
    /// Numbers are still masked: under these keys a number can be a phone or ID number, or a disease stage or ICD code.
    /// </summary>
    public static bool CarriesNoPersonalData(JsonNode value) =>
        value is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;
}
