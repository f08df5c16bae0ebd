using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Workflows.Engine.Model;

/// <summary>The one place that knows how definitions are (de)serialised: camelCase, string enums, Elsa-compatible.</summary>
public static class WorkflowJson
{
    public static readonly JsonSerializerOptions Options = Create(indented: false);
    public static readonly JsonSerializerOptions Indented = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = indented,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            MaxDepth = 64,
        };
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    public static string Serialize(WorkflowDefinition definition, bool indented = false) =>
        JsonSerializer.Serialize(definition, indented ? Indented : Options);

    public static WorkflowDefinition Deserialize(string json) =>
        JsonSerializer.Deserialize<WorkflowDefinition>(json, Options)
        ?? throw new JsonException("The workflow definition is empty.");

    public static WorkflowDefinition Deserialize(JsonElement json) =>
        json.Deserialize<WorkflowDefinition>(Options)
        ?? throw new JsonException("The workflow definition is empty.");

    public static string CamelCase(string name) =>
        string.IsNullOrEmpty(name) || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    /// <summary>
    /// Hash of what a definition *does and shows*, ignoring the fields that versioning itself changes
    /// (ids, version number, latest/published flags, timestamps). Two files with the same content hash are the same workflow.
    /// </summary>
    public static string ContentHash(WorkflowDefinition definition)
    {
        var node = JsonSerializer.SerializeToNode(definition, Options)!.AsObject();
        foreach (var key in new[] { "id", "version", "isLatest", "isPublished", "createdAt", "links", "isReadonly" })
            node.Remove(key);
        var canonical = Canonical(node);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))).ToLowerInvariant();
    }

    /// <summary>JSON with object keys sorted (ordinal), so equal content hashes equally whatever the key order.</summary>
    public static string Canonical(JsonNode? node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Write(node, writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);

        static void Write(JsonNode? n, Utf8JsonWriter w)
        {
            switch (n)
            {
                case null: w.WriteNullValue(); break;
                case JsonObject o:
                    w.WriteStartObject();
                    foreach (var kv in o.OrderBy(k => k.Key, StringComparer.Ordinal))
                    {
                        w.WritePropertyName(kv.Key);
                        Write(kv.Value, w);
                    }
                    w.WriteEndObject();
                    break;
                case JsonArray a:
                    w.WriteStartArray();
                    foreach (var item in a) Write(item, w);
                    w.WriteEndArray();
                    break;
                default: n.WriteTo(w); break;
            }
        }
    }
}
