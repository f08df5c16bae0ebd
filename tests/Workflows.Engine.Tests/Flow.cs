using System.Text.Json;
using Workflows.Engine.Model;

namespace Workflows.Engine.Tests;

/// <summary>Builds test definitions in Elsa's JSON model: activities with inputs, connections by port.</summary>
public sealed class Flow(string definitionId, string? name = null)
{
    private readonly WorkflowDefinition _d = new()
    {
        DefinitionId = definitionId,
        Name = name ?? definitionId,
        Root = ActivityNode.NewFlowchart(),
    };

    /// <summary>Adds an activity; inputs are (name, expression type, value) triples.</summary>
    public Flow Add(string id, string type, params (string Name, string Syntax, string? Value)[] inputs)
    {
        var node = new ActivityNode { Id = id, Type = type, Name = id, CustomProperties = new(), Metadata = new() };
        foreach (var (n, syntax, value) in inputs)
            node.SetInput(n, new InputValue { TypeName = "Object", Expression = new Expression { Type = syntax, Value = value } });
        _d.Root.Activities!.Add(node);
        return this;
    }

    public Flow Task(string id, string title, params string[] outcomes) =>
        Add(id, "Workflows.HumanTask", ("Title", "Literal", title), ("Outcomes", "Literal", JsonSerializer.Serialize(outcomes.Length == 0 ? ["Done"] : outcomes)));

    public Flow Connect(string from, string port, string to)
    {
        _d.Root.Connections!.Add(new Connection { Source = new Endpoint { Activity = from, Port = port }, Target = new Endpoint { Activity = to, Port = "In" } });
        return this;
    }

    public Flow Variable(string name, string? initialJson = null)
    {
        _d.Variables.Add(new VariableDefinition { Id = "var-" + name, Name = name, Value = initialJson is null ? null : System.Text.Json.Nodes.JsonNode.Parse(initialJson) });
        return this;
    }

    public WorkflowDefinition Build() => _d.Clone();
}
