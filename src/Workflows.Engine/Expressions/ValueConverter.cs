using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace Workflows.Engine.Expressions;

/// <summary>Turns an expression's JSON result into the CLR type an input property has, with errors a person can act on.</summary>
public static class ValueConverter
{
    public static object? Convert(JsonNode? value, Type target)
    {
        var underlying = Nullable.GetUnderlyingType(target);
        if (value is null || (value is JsonValue v0 && v0.GetValueKind() == JsonValueKind.String && v0.GetValue<string>() == "" && target != typeof(string)))
            return underlying is not null || !target.IsValueType ? null : Activator.CreateInstance(target);
        target = underlying ?? target;

        if (target == typeof(JsonNode) || target == typeof(object)) return value.DeepClone();
        if (target == typeof(JsonObject))
            return value is JsonObject o ? o.DeepClone() : ParseJson(value) as JsonObject ?? throw Fail(value, "an object");
        if (target == typeof(string))
            return value is JsonValue sv && sv.GetValueKind() == JsonValueKind.String ? sv.GetValue<string>() : value.ToJsonString();
        if (target == typeof(string[]) || target == typeof(List<string>) || target == typeof(IReadOnlyList<string>) || target == typeof(IList<string>))
        {
            var list = StringList(value);
            return target == typeof(string[]) ? list.ToArray() : list;
        }
        if (target == typeof(JsonArray))
            return value as JsonArray ?? ParseJson(value) as JsonArray ?? throw Fail(value, "a list");

        var text = value is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>().Trim() : value.ToJsonString();
        try
        {
            if (target == typeof(bool)) return value.GetValueKind() == JsonValueKind.True || (value.GetValueKind() != JsonValueKind.False && bool.Parse(text));
            if (target == typeof(int)) return (int)decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (target == typeof(long)) return (long)decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (target == typeof(double)) return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (target == typeof(decimal)) return decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (target == typeof(TimeSpan))
                return text.StartsWith('P') ? XmlConvert.ToTimeSpan(text)
                    : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) ? TimeSpan.FromSeconds(secs)
                    : TimeSpan.Parse(text, CultureInfo.InvariantCulture);
            if (target == typeof(DateTimeOffset)) return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            if (target == typeof(DateOnly)) return DateOnly.Parse(text, CultureInfo.InvariantCulture);
            if (target.IsEnum) return Enum.Parse(target, text, ignoreCase: true);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            throw Fail(value, TypeDescription(target));
        }
        return value.Deserialize(target, Model.WorkflowJson.Options);
    }

    /// <summary>Port names from a literal: a JSON list of strings, or of objects with a <c>label</c> (switch cases).</summary>
    public static IEnumerable<string> PortNames(JsonNode? literal)
    {
        if (literal is null) yield break;
        var node = literal is JsonArray ? literal : ParseJson(literal);
        if (node is JsonArray arr)
        {
            foreach (var item in arr)
            {
                if (item is JsonObject o && o["label"] is JsonValue label) yield return label.ToString();
                else if (item is JsonValue s && s.ToString() is { Length: > 0 } text) yield return text;
            }
        }
        else if (literal is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            foreach (var s in v.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                yield return s;
        }
    }

    private static List<string> StringList(JsonNode value)
    {
        var node = value is JsonArray ? value : ParseJson(value);
        if (node is JsonArray arr) return arr.Select(i => i is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : i?.ToJsonString() ?? "").ToList();
        return value.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static JsonNode? ParseJson(JsonNode value)
    {
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String) return value;
        var s = v.GetValue<string>().Trim();
        if (!(s.StartsWith('[') || s.StartsWith('{'))) return null;
        try { return JsonNode.Parse(s); }
        catch (JsonException) { return null; }
    }

    private static string TypeDescription(Type t) =>
        t == typeof(bool) ? "true or false" :
        t == typeof(TimeSpan) ? "a duration such as 00:30:00 or PT30M" :
        t == typeof(DateTimeOffset) ? "a date and time such as 2026-03-01T09:00:00+08:00" :
        t.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(t)) : "a " + t.Name.ToLowerInvariant();

    /// <summary>Says what was expected and what kind of value came, never the value itself (it may be personal data).</summary>
    private static ExpressionException Fail(JsonNode value, string expected) =>
        new($"The value (a {value.GetValueKind().ToString().ToLowerInvariant()}) is not {expected}.");
}

/// <summary>An expression could not be evaluated or its value has the wrong type.</summary>
public sealed class ExpressionException(string message, Exception? inner = null) : Exception(message, inner)
{
    public const string LimitExceeded = "LimitExceeded";

    /// <summary>For a script that ran and failed: the JavaScript error's name (<c>ReferenceError</c>, <c>TypeError</c>…) or <see cref="LimitExceeded"/>.</summary>
    public string? ScriptError { get; init; }
}
