using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Workflows.Engine.Model;

/// <summary>
/// One version of a workflow definition, in Elsa 3's JSON model (camelCase). Properties this class
/// does not know are kept in <see cref="Extra"/> and written back verbatim, as are
/// <see cref="CustomProperties"/> and each activity's <c>metadata</c> (designer layout).
/// </summary>
public sealed class WorkflowDefinition
{
    /// <summary>The version id (Elsa: <c>id</c>); unique per version.</summary>
    public string? Id { get; set; }
    /// <summary>The identity shared by all versions of one workflow.</summary>
    public string? DefinitionId { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public int Version { get; set; } = 1;
    public string? ToolVersion { get; set; }
    public bool IsLatest { get; set; }
    public bool IsPublished { get; set; }
    public bool IsReadonly { get; set; }
    public JsonObject? Options { get; set; }
    public List<VariableDefinition> Variables { get; set; } = [];
    public JsonArray? Inputs { get; set; }
    public JsonArray? Outputs { get; set; }
    public JsonArray? Outcomes { get; set; }
    public JsonObject? CustomProperties { get; set; }
    public string? MaterializerName { get; set; }
    public ActivityNode Root { get; set; } = ActivityNode.NewFlowchart();

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    public WorkflowDefinition Clone() => WorkflowJson.Deserialize(WorkflowJson.Serialize(this));
}

/// <summary>A workflow variable (Elsa: <c>variables[]</c>).</summary>
public sealed class VariableDefinition
{
    public string? Id { get; set; }
    public string Name { get; set; } = "";
    public string TypeName { get; set; } = "Object";
    public bool IsArray { get; set; }
    public JsonNode? Value { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StorageDriverTypeName { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

/// <summary>
/// An activity in a flowchart. Its inputs sit on the activity object itself, keyed by the camelCased
/// input name (<c>"condition": {"typeName":…, "expression":{"type":"JavaScript","value":"…"}}</c>);
/// they, like any other unknown property, live in <see cref="Extra"/>.
/// </summary>
public sealed class ActivityNode
{
    public const string FlowchartType = "Elsa.Flowchart";

    public string Id { get; set; } = "";
    public string? NodeId { get; set; }
    public string? Name { get; set; }
    public string Type { get; set; } = "";
    public int Version { get; set; } = 1;
    public JsonObject? CustomProperties { get; set; }
    public JsonObject? Metadata { get; set; }

    /// <summary>Children, for a flowchart.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ActivityNode>? Activities { get; set; }

    /// <summary>Connections, for a flowchart.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Connection>? Connections { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }

    public static ActivityNode NewFlowchart() => new()
    {
        Id = "flowchart1",
        Name = "Flowchart1",
        Type = FlowchartType,
        CustomProperties = new JsonObject(),
        Metadata = new JsonObject(),
        Activities = [],
        Connections = [],
    };

    /// <summary>The wrapped input stored under the camelCased input name, if any.</summary>
    public InputValue? GetInput(string inputName)
    {
        if (Extra is null) return null;
        if (!Extra.TryGetValue(WorkflowJson.CamelCase(inputName), out var element) &&
            !Extra.TryGetValue(inputName, out element))
            return null;
        if (element.ValueKind != JsonValueKind.Object) return null;
        return element.Deserialize<InputValue>(WorkflowJson.Options);
    }

    public void SetInput(string inputName, InputValue value)
    {
        Extra ??= new Dictionary<string, JsonElement>();
        Extra[WorkflowJson.CamelCase(inputName)] = JsonSerializer.SerializeToElement(value, WorkflowJson.Options);
    }

    /// <summary>Display text shown by the designer, falling back to the name and the id.</summary>
    [JsonIgnore]
    public string Label => Metadata?["displayText"]?.GetValue<string>() ?? Name ?? Id;
}

/// <summary>An input's stored form: its declared type and the expression that yields its value.</summary>
public sealed class InputValue
{
    public string? TypeName { get; set; }
    public Expression? Expression { get; set; }
    public JsonNode? MemoryReference { get; set; }
}

/// <summary>An expression: <c>Literal</c>, <c>Variable</c>, <c>JavaScript</c> (and <c>Object</c>, a JSON literal).</summary>
public sealed class Expression
{
    public string Type { get; set; } = "Literal";
    public JsonNode? Value { get; set; }

    public static Expression Literal(string? value) => new() { Type = ExpressionTypes.Literal, Value = value };
    public static Expression JavaScript(string code) => new() { Type = ExpressionTypes.JavaScript, Value = code };
    public static Expression Variable(string name) => new() { Type = ExpressionTypes.Variable, Value = name };
}

public static class ExpressionTypes
{
    public const string Literal = "Literal";
    public const string Object = "Object";
    public const string Variable = "Variable";
    public const string JavaScript = "JavaScript";
    public static readonly IReadOnlyList<string> All = [Literal, Object, Variable, JavaScript];
}

/// <summary>A flowchart edge: from a source activity's outcome port to a target activity.</summary>
public sealed class Connection
{
    public Endpoint Source { get; set; } = new();
    public Endpoint Target { get; set; } = new();
    public JsonArray? Vertices { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}

public sealed class Endpoint
{
    public string Activity { get; set; } = "";
    public string? Port { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; set; }
}
