using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Engine.Model;

namespace Workflows.Engine.Expressions;

/// <summary>Evaluates the three expression kinds analysts may use: Literal, Variable and JavaScript (plus Object, a JSON literal). C# is never offered.</summary>
public sealed class ExpressionEvaluator(JavaScriptSandbox javaScript)
{
    public JavaScriptSandbox JavaScript { get; } = javaScript;

    public JsonNode? Evaluate(Expression expression, IExpressionScope scope, CancellationToken cancellationToken = default) =>
        expression.Type switch
        {
            ExpressionTypes.Literal => expression.Value?.DeepClone(),
            ExpressionTypes.Object => ParseObject(expression.Value),
            ExpressionTypes.Variable => scope.GetVariable(VariableName(expression.Value)),
            ExpressionTypes.JavaScript => Script(expression.Value) is { Length: > 0 } code ? JavaScript.Evaluate(code, scope, cancellationToken) : null,
            _ => throw new ExpressionException($"Expression type '{expression.Type}' is not supported; use Literal, Variable or JavaScript."),
        };

    /// <summary>Checks an expression without running it: the type is known and JavaScript parses.</summary>
    public void Validate(Expression expression)
    {
        if (!ExpressionTypes.All.Contains(expression.Type))
            throw new ExpressionException($"Expression type '{expression.Type}' is not supported; use Literal, Variable or JavaScript.");
        if (expression.Type == ExpressionTypes.JavaScript && Script(expression.Value) is { Length: > 0 } code)
            JavaScript.Validate(code);
    }

    /// <summary>Elsa stores a variable reference either as its name or as an object with id and name.</summary>
    public static string VariableName(JsonNode? value) => value switch
    {
        JsonObject o => (o["name"] ?? o["id"])?.ToString() ?? "",
        null => "",
        _ => value.ToString(),
    };

    private static string Script(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToString() ?? "";

    private static JsonNode? ParseObject(JsonNode? value)
    {
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String) return value?.DeepClone();
        var s = v.GetValue<string>();
        if (string.IsNullOrWhiteSpace(s)) return null;
        try { return JsonNode.Parse(s); }
        catch (JsonException e) { throw new ExpressionException($"The object expression is not valid JSON: {e.Message}"); }
    }
}
