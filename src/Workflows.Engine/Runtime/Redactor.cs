using System.Text.Json.Nodes;

namespace Workflows.Engine.Runtime;

/// <summary>
/// Keeps sensitive personal information (ID numbers, phone numbers, diagnoses…) out of the journal and the logs:
/// values under a sensitive key are replaced by a mask. The key list is configuration.
/// </summary>
public sealed class Redactor(IEnumerable<string> sensitiveKeyFragments)
{
    public const string Mask = "***";
    private readonly string[] _fragments = sensitiveKeyFragments.Select(f => f.ToLowerInvariant()).ToArray();

    public static readonly string[] DefaultSensitiveKeys =
        ["idnumber", "idcard", "idno", "identity", "passport", "phone", "mobile", "tel", "diagnos", "disease", "icd", "pathology", "medicalrecord", "homeaddress", "pickupcode", "question", "email", "password", "secret", "token"];

    public static Redactor Default { get; } = new(DefaultSensitiveKeys);

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
        _ => node.DeepClone(),
    };

    public JsonObject RedactObject(JsonObject o)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in o)
            copy[k] = IsSensitive(k) && v is not null ? JsonValue.Create(Mask) : Redact(v);
        return copy;
    }
}
