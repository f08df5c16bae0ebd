using System.Text.Json.Nodes;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Activities.Builtin;

[Activity("Elsa", "Start", "Flow", "Where the flowchart starts. Without one, every activity with no inbound connection starts.", IsStart = true)]
[Ports("Done")]
public sealed class Start : Activity
{
    public const string TypeName = "Elsa.Start";
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => new(ActivityResult.Complete(DefaultPort));
}

[Activity("Elsa", "FlowDecision", "Branching", "Evaluate a Boolean condition to determine which path to execute next.", DisplayName = "Decision", DisplayNameZh = "条件判断")]
[Ports("True", "False")]
public sealed class FlowDecision : Activity
{
    [Input(Description = "The condition to evaluate, usually JavaScript such as variables.Age >= 18.", Required = true, DefaultSyntax = ExpressionTypes.JavaScript)]
    public bool Condition { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(ActivityResult.Complete(Condition ? "True" : "False"));
}

public enum SwitchMode { MatchFirst, MatchAny }

[Activity("Elsa", "FlowSwitch", "Branching", "Evaluate a set of case conditions and continue on the port of each matching case, or Default.", DisplayName = "Switch", DisplayNameZh = "多路分支")]
[Ports("Default")]
public sealed class FlowSwitch : Activity
{
    [Input(Description = "The cases: a JSON list of {\"label\": port name, \"condition\": JavaScript}.", UIHint = InputUIHints.Json, DefinesPorts = true)]
    public JsonArray Cases { get; set; } = [];

    [Input(Description = "Continue on the first matching case only, or on every matching case.", Options = ["MatchFirst", "MatchAny"], DefaultValue = "MatchFirst")]
    public SwitchMode Mode { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var matches = new List<string>();
        foreach (var c in Cases.OfType<JsonObject>())
        {
            var label = c["label"]?.ToString() ?? "";
            var condition = c["condition"] switch
            {
                JsonObject e => new Expression { Type = e["type"]?.ToString() ?? ExpressionTypes.JavaScript, Value = e["value"]?.DeepClone() },
                JsonValue v => Expression.JavaScript(v.ToString()),
                _ => null,
            };
            if (condition is null) continue;
            if (ValueConverter.Convert(context.Evaluate(condition), typeof(bool)) is true)
            {
                matches.Add(label);
                if (Mode == SwitchMode.MatchFirst) break;
            }
        }
        return new(ActivityResult.Complete(matches.Count > 0 ? matches.ToArray() : ["Default"]));
    }
}

[Activity("Elsa", "FlowFork", "Branching", "Branch execution into several branches that run in parallel.", DisplayName = "Fork", DisplayNameZh = "并行分支")]
[Ports]
public sealed class FlowFork : Activity
{
    [Input(Description = "The branches (outcome ports) to continue on, all at once.", UIHint = InputUIHints.DynamicOutcomes, DefinesPorts = true, DefaultValue = "[\"Branch 1\",\"Branch 2\"]")]
    public string[] Branches { get; set; } = [];

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => new(ActivityResult.Complete(Branches));
}

public enum JoinMode { WaitAny, WaitAll }

[Activity("Elsa", "FlowJoin", "Branching", "Merge branches: continue once any inbound branch arrives (the others are cancelled), or once all have.", DisplayName = "Join", DisplayNameZh = "汇合")]
[Ports("Done")]
public sealed class FlowJoin : Activity
{
    public const string TypeName = "Elsa.FlowJoin";

    [Input(Description = "WaitAny continues on the first inbound branch and cancels the others; WaitAll waits for every inbound connection.", Options = ["WaitAny", "WaitAll"], DefaultValue = "WaitAny")]
    public JoinMode Mode { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => new(ActivityResult.Complete(DefaultPort));
}

[Activity("Elsa", "SetVariable", "Primitives", "Assign a value to a workflow variable.", DisplayName = "Set Variable", DisplayNameZh = "设置变量")]
[Ports("Done")]
public sealed class SetVariable : Activity
{
    [Input(Description = "The variable to assign the value to.", UIHint = InputUIHints.VariablePicker, Required = true)]
    public string Variable { get; set; } = "";

    [Input(Description = "The value to assign.", DefaultSyntax = ExpressionTypes.JavaScript)]
    public JsonNode? Value { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.SetVariable(Variable, Value);
        return new(ActivityResult.Complete(DefaultPort));
    }
}

[Activity("Elsa", "Finish", "Primitives", "End the workflow now, cancelling anything still waiting.", IsTerminal = true, DisplayNameZh = "结束")]
[Ports]
public sealed class Finish : Activity
{
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => new(ActivityResult.Finish());
}
