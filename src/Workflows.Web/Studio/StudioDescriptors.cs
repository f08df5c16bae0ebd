using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Model;
using Workflows.Web.Infrastructure;
using static Workflows.Web.Studio.ElsaApi;

namespace Workflows.Web.Studio;

/// <summary>
/// What the designer needs to know about the engine: its activities (from <see cref="ActivityRegistry"/>), expression
/// languages, variable types, and the strategy lists Studio's settings tabs ask for, each saying what our engine does.
/// </summary>
public static class StudioDescriptors
{
    public static void Map(RouteGroupBuilder elsa)
    {
        var g = elsa.MapGroup("").RequireAuthorization(Policies.OpenStudio);
        g.MapGet("/descriptors/activities", Activities);
        g.MapGet("/descriptors/expression-descriptors", Expressions);
        g.MapGet("/descriptors/variables", VariableTypes);
        g.MapGet("/descriptors/workflow-activation-strategies", ActivationStrategies);
        g.MapGet("/descriptors/incident-strategies", IncidentStrategies);
        g.MapGet("/descriptors/log-persistence-strategies", LogPersistenceStrategies);
        g.MapGet("/descriptors/commit-strategies/workflows", () => TypedResults.Ok(new ListResponse<Strategy>([])));
        g.MapGet("/descriptors/commit-strategies/activities", () => TypedResults.Ok(new ListResponse<Strategy>([])));
        g.MapGet("/descriptors/storage-drivers", StorageDrivers);
        g.MapGet("/features/installed", () => TypedResults.Ok(new ListResponse<JsonObject>([])));
    }

    /// <summary>
    /// Our activities only, grouped by category. Where the handbook names an activity in Chinese, Studio shows both names
    /// ("Human Task 人工任务"). The root flowchart is listed (Studio needs it to draw the canvas) but not offered in the toolbox.
    /// </summary>
    private static Ok<ListResponse<ActivityDescriptor>> Activities(ActivityRegistry registry)
    {
        var ours = registry.Descriptors.Select(d => d.DisplayNameZh is { } zh ? d with { DisplayName = $"{d.DisplayName} {zh}" } : d);
        return TypedResults.Ok(new ListResponse<ActivityDescriptor>([Flowchart, .. ours]));
    }

    private static readonly ActivityDescriptor Flowchart = new()
    {
        TypeName = ActivityNode.FlowchartType,
        Namespace = "Elsa",
        Name = "Flowchart",
        Category = "Flow",
        DisplayName = "Flowchart 流程图",
        Description = "The workflow's canvas: its activities and the connections between them.",
        Inputs = [],
        Ports = [],
        IsContainer = true,
        IsBrowsable = false,
    };

    public sealed record ExpressionDescriptor(string Type, string DisplayName, bool IsSerializable, bool IsBrowsable, JsonObject Properties);

    /// <summary>The languages <see cref="Workflows.Engine.Expressions.ExpressionEvaluator"/> evaluates; there is no C#.</summary>
    private static Ok<ListResponse<ExpressionDescriptor>> Expressions() => TypedResults.Ok(new ListResponse<ExpressionDescriptor>(
    [
        new(ExpressionTypes.Literal, "Literal", true, true, new JsonObject()),
        new(ExpressionTypes.JavaScript, "JavaScript", true, true, new JsonObject { ["MonacoLanguage"] = "javascript" }),
        new(ExpressionTypes.Variable, "Variable", true, true, new JsonObject()),
        // JSON values of inputs such as a switch's cases; written by Studio's JSON editor, not chosen by hand.
        new(ExpressionTypes.Object, "Object", true, false, new JsonObject { ["MonacoLanguage"] = "json" }),
    ]));

    public sealed record VariableType(string TypeName, string DisplayName, string Category, string Description);

    /// <summary>The value types the engine converts inputs and variables to (see <see cref="TypeAliases"/>).</summary>
    private static Ok<ListResponse<VariableType>> VariableTypes() => TypedResults.Ok(new ListResponse<VariableType>(
        new[] { "String", "Boolean", "Int32", "Int64", "Double", "Decimal", "DateTime", "TimeSpan", "String[]", "Object" }
            .Select(t => new VariableType(t, t, "Primitives", "")).ToList()));

    public sealed record Strategy(string TypeName, string DisplayName, string Description);

    private static Ok<ListResponse<Strategy>> ActivationStrategies() => TypedResults.Ok(new ListResponse<Strategy>(
        [new("Always", "Always", "Every start creates a new instance (the only behaviour of this engine).")]));

    private static Ok<ListResponse<Strategy>> IncidentStrategies() => TypedResults.Ok(new ListResponse<Strategy>(
        [new("Fault", "Fault", "A failing activity stops its instance with an incident until an administrator retries or cancels it (the only behaviour of this engine).")]));

    private static Ok<ListResponse<Strategy>> LogPersistenceStrategies() => TypedResults.Ok(new ListResponse<Strategy>(
        [new("Include", "Include", "Every step is journalled, with sensitive values masked (the only behaviour of this engine).")]));

    public sealed record StorageDriver(string TypeName, string DisplayName, int Priority, bool Deprecated);

    private static Ok<ListResponse<StorageDriver>> StorageDrivers() => TypedResults.Ok(new ListResponse<StorageDriver>(
        [new("WorkflowInstance", "Workflow instance", 0, false)]));
}
