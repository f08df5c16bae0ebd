using System.Text.Json.Nodes;

namespace Workflows.Engine.Descriptors;

/// <summary>What the designer knows of an activity type; the shape Elsa Studio reads from <c>/descriptors/activities</c>.</summary>
public sealed record ActivityDescriptor
{
    public required string TypeName { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public int Version { get; init; } = 1;
    public required string Category { get; init; }
    public required string DisplayName { get; init; }
    public string? DisplayNameZh { get; init; }
    public required string Description { get; init; }
    public required IReadOnlyList<InputDescriptor> Inputs { get; init; }
    public IReadOnlyList<OutputDescriptor> Outputs { get; init; } = [];
    public string Kind { get; init; } = "Action";
    public required IReadOnlyList<PortDescriptor> Ports { get; init; }
    public JsonObject CustomProperties { get; init; } = new();
    public JsonObject ConstructionProperties { get; init; } = new();
    public bool IsContainer { get; init; }
    public bool IsBrowsable { get; init; } = true;
    public bool IsStart { get; init; }
    public bool IsTerminal { get; init; }
}

public sealed record InputDescriptor
{
    public required string Name { get; init; }
    public required string TypeName { get; init; }
    public required string DisplayName { get; init; }
    public string? Description { get; init; }
    public int Order { get; init; }
    public bool IsBrowsable { get; init; } = true;
    public bool IsSynthetic { get; init; }
    public bool IsWrapped { get; init; } = true;
    public required string UIHint { get; init; }
    public string? Category { get; init; }
    public JsonNode? DefaultValue { get; init; }
    public string DefaultSyntax { get; init; } = "Literal";
    public bool IsReadOnly { get; init; }
    public bool IsSensitive { get; init; }
    public string? StorageDriverType { get; init; }
    public JsonObject? UISpecifications { get; init; }
    /// <summary>Not part of Elsa's shape: used by validation.</summary>
    public bool Required { get; init; }
    public bool DefinesPorts { get; init; }
    /// <summary>The values a dropdown input accepts (also in <see cref="UISpecifications"/> for Studio); null for a free input.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<string>? Options { get; init; }
}

public sealed record OutputDescriptor(string Name, string TypeName, string DisplayName, string? Description, bool IsBrowsable = true);

public sealed record PortDescriptor(string Name, string DisplayName, string Type = "Flow", bool IsBrowsable = true);
