namespace Workflows.Engine.Activities;

/// <summary>Marks a class as an activity the designer can show; the descriptor is built from it by reflection.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ActivityAttribute(string @namespace, string name, string category, string description) : Attribute
{
    public string Namespace { get; } = @namespace;
    public string Name { get; } = name;
    public string Category { get; } = category;
    public string Description { get; } = description;
    public string? DisplayName { get; init; }
    /// <summary>Chinese display name, for activities business analysts know by their handbook name.</summary>
    public string? DisplayNameZh { get; init; }
    /// <summary>Elsa's activity kind: Action, Trigger, Task or Job.</summary>
    public string Kind { get; init; } = "Action";
    public bool IsTerminal { get; init; }
    public bool IsStart { get; init; }
    public string TypeName => $"{Namespace}.{Name}";
}

/// <summary>The fixed outcome ports of an activity (Elsa's <c>FlowNode</c>).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class PortsAttribute(params string[] ports) : Attribute
{
    public IReadOnlyList<string> Ports { get; } = ports;
}

/// <summary>An input the analyst sets in the designer. The property is assigned the evaluated expression before each execution.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class InputAttribute : Attribute
{
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    public string UIHint { get; init; } = InputUIHints.SingleLine;
    /// <summary>Default value, as the literal the designer shows.</summary>
    public object? DefaultValue { get; init; }
    public string DefaultSyntax { get; init; } = "Literal";
    public int Order { get; init; }
    public string? Category { get; init; }
    /// <summary>The value never reaches the journal, logs or API responses.</summary>
    public bool IsSensitive { get; init; }
    /// <summary>Publishing refuses a definition where this input has no expression and no default.</summary>
    public bool Required { get; init; }
    /// <summary>Choices for a dropdown.</summary>
    public string[]? Options { get; init; }
    /// <summary>This input's literal value names extra outcome ports (e.g. a fork's branches, a task's outcomes).</summary>
    public bool DefinesPorts { get; init; }
}

/// <summary>Elsa Studio's input editors.</summary>
public static class InputUIHints
{
    public const string SingleLine = "singleline";
    public const string MultiLine = "multiline";
    public const string Checkbox = "checkbox";
    public const string DropDown = "dropdown";
    public const string DynamicOutcomes = "dynamic-outcomes";
    public const string MultiText = "multitext";
    public const string Code = "code-editor";
    public const string Json = "json-editor";
    public const string VariablePicker = "variable-picker";
    public const string DateTimePicker = "datetime-picker";
    public const string FlowSwitchEditor = "flow-switch-editor";
}
