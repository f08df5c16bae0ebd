using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>
/// What publishing checks beyond the structure (<see cref="CompiledWorkflow.Validate"/>): it evaluates what it can before any
/// case runs. A literal for an input with options must be one of them; a script is run once in the sandbox over sample
/// values (<see cref="SampleScope"/>: the workflow's variables with their initial or typed sample values, an empty start
/// input) and refused when it fails whatever the case (an unknown name, an endless loop) or when its value does not fit the
/// input (the wrong kind of value, or a value that is not one of the input's options). A failure that depends on the case's
/// data (e.g. reading a field of the start input that the sample lacks) is not refused: only real cases know.
/// Runs only when publishing, never when compiling a version that already runs.
/// </summary>
public static class PublishChecks
{
    public static List<ValidationError> Check(WorkflowDefinition definition, ActivityRegistry registry, ExpressionEvaluator evaluator)
    {
        var errors = new List<ValidationError>();
        foreach (var a in definition.Root?.Activities ?? [])
        {
            if (string.IsNullOrWhiteSpace(a.Id) || !registry.TryGet(a.Type, out var type)) continue;
            foreach (var input in type.Inputs)
            {
                var expr = a.GetInput(input.Descriptor.Name)?.Expression;
                if (expr?.Value is null) continue;
                var where = $"Activity '{a.Label}' ({a.Id}), input '{input.Descriptor.DisplayName}'";
                var options = input.Descriptor.Options;
                if (expr.Type == ExpressionTypes.Literal && options is not null
                    && expr.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } text
                    && !options.Contains(text, StringComparer.Ordinal))
                    errors.Add(new ValidationError(a.Id, $"{where}: '{text}' is not one of its options ({string.Join(", ", options)})."));
                else if (expr.Type == ExpressionTypes.JavaScript && Probe(expr, input, definition, evaluator) is { } problem)
                    errors.Add(new ValidationError(a.Id, $"{where}: {problem}"));
            }
        }
        return errors;
    }

    /// <summary>Runs the script over sample values; returns what is certainly wrong with it, or null.</summary>
    private static string? Probe(Expression expr, InputBinding input, WorkflowDefinition definition, ExpressionEvaluator evaluator)
    {
        var options = input.Descriptor.Options;
        JsonNode? result;
        try
        {
            result = evaluator.Evaluate(expr, new SampleScope(definition));
        }
        catch (ExpressionException e) when (e.ScriptError is "ReferenceError")
        {
            var unknown = e.Message.Replace("The script failed: ", "");
            var hint = options?.FirstOrDefault(o => unknown.StartsWith(o + " ", StringComparison.Ordinal)) is { } option
                ? $" To choose the option {option}, write it as text in quotes ('{option}') or pick it as a literal."
                : "";
            return $"the script fails for every case: {unknown}.{hint}";
        }
        catch (ExpressionException e) when (e.ScriptError is ExpressionException.LimitExceeded)
        {
            return e.Message;
        }
        catch (ExpressionException)
        {
            return null; // depends on the case's data (e.g. a field of the start input the sample does not have)
        }
        if (result is null) return null;
        try
        {
            ValueConverter.Convert(result, input.ClrType);
        }
        catch (Exception e) when (e is ExpressionException or JsonException or NotSupportedException or InvalidOperationException)
        {
            return $"the script gives {KindOf(result)}, but the input needs {Needed(input.ClrType)}.";
        }
        if (options is not null && result is JsonValue s && s.GetValueKind() == JsonValueKind.String && !options.Contains(s.GetValue<string>(), StringComparer.Ordinal))
            return $"the script gives '{s.GetValue<string>()}', which is not one of its options ({string.Join(", ", options)}).";
        return null;
    }

    private static string KindOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => "a text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => "a value",
    };

    /// <summary>The input's type in words (never a .NET type name).</summary>
    public static string Needed(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t == typeof(string)) return "a text";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(int) || t == typeof(long)) return "a whole number";
        if (t == typeof(double) || t == typeof(decimal)) return "a number";
        if (t == typeof(TimeSpan)) return "a duration such as 00:30:00 or PT30M";
        if (t == typeof(DateTimeOffset) || t == typeof(DateTime)) return "a date and time such as 2026-03-01T09:00:00+08:00";
        if (t.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(t));
        if (typeof(IEnumerable<string>).IsAssignableFrom(t)) return "a list of texts";
        return "a value of another shape";
    }
}

/// <summary>
/// The scope a script sees when publishing checks it: the workflow's variables with their initial values (or a sample of
/// their type when they have none), an empty start input, no correlation id. Writes stay in this scope.
/// </summary>
public sealed class SampleScope : IExpressionScope
{
    private readonly JsonObject _variables = new();

    public SampleScope(WorkflowDefinition definition)
    {
        foreach (var v in definition.Variables)
            _variables[v.Name] = v.Value?.DeepClone() ?? SampleOf(v);
    }

    public string InstanceId => "sample";
    public string? CorrelationId => null;
    public JsonNode? Input { get; } = new JsonObject();
    public JsonObject VariablesSnapshot() => (JsonObject)_variables.DeepClone();
    public JsonNode? GetVariable(string name) => _variables[name]?.DeepClone();
    public void SetVariable(string name, JsonNode? value) => _variables[name] = value?.DeepClone();

    private static JsonNode? SampleOf(VariableDefinition v) => v.IsArray || v.TypeName.EndsWith("[]", StringComparison.Ordinal)
        ? new JsonArray()
        : v.TypeName switch
        {
            "String" => JsonValue.Create(""),
            "Boolean" => JsonValue.Create(false),
            "Int32" or "Int64" or "Double" or "Decimal" => JsonValue.Create(0),
            "DateTime" => JsonValue.Create("2026-01-01T00:00:00+08:00"),
            "TimeSpan" => JsonValue.Create("00:00:00"),
            _ => new JsonObject(),
        };
}
