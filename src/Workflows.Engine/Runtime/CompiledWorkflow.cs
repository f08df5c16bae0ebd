using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>A definition version prepared for execution: nodes by id, connections by source port, join inputs, start nodes.</summary>
public sealed class CompiledWorkflow
{
    public required WorkflowDefinition Definition { get; init; }
    public required IReadOnlyDictionary<string, ActivityNode> Nodes { get; init; }
    public required IReadOnlyDictionary<string, ActivityType> Types { get; init; }
    public required IReadOnlyList<string> StartActivityIds { get; init; }
    private Dictionary<(string Activity, string Port), List<Connection>> Outbound { get; init; } = new();
    private Dictionary<string, List<string>> Inbound { get; init; } = new();

    public IReadOnlyList<Connection> ConnectionsFrom(string activityId, string port) =>
        Outbound.TryGetValue((activityId, port), out var list) ? list : [];

    public IReadOnlyList<string> InboundKeys(string activityId) => Inbound.TryGetValue(activityId, out var list) ? list : [];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Activity, string Input), InputValue?> _inputs = new();

    /// <summary>An activity's stored input, parsed once per compiled version.</summary>
    public InputValue? Input(ActivityNode node, string inputName) => _inputs.GetOrAdd((node.Id, inputName), k => node.GetInput(k.Input));

    public static string Key(Connection c) => $"{c.Source.Activity}:{c.Source.Port}->{c.Target.Activity}";

    /// <summary>Every activity from which <paramref name="activityId"/> can be reached (its upstream branches).</summary>
    public HashSet<string> Upstream(string activityId)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([activityId]);
        while (stack.Count > 0)
        {
            var id = stack.Pop();
            foreach (var key in InboundKeys(id))
            {
                var source = key[..key.IndexOf(':')];
                if (seen.Add(source)) stack.Push(source);
            }
        }
        seen.Remove(activityId);
        return seen;
    }

    /// <summary>Compiles a definition, throwing <see cref="WorkflowValidationException"/> listing every problem found.</summary>
    public static CompiledWorkflow Compile(WorkflowDefinition definition, ActivityRegistry registry, ExpressionEvaluator? evaluator = null)
    {
        var errors = Validate(definition, registry, evaluator);
        if (errors.Count > 0) throw new WorkflowValidationException(errors);

        var nodes = definition.Root.Activities!.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var outbound = new Dictionary<(string, string), List<Connection>>();
        var inbound = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var c in definition.Root.Connections ?? [])
        {
            var port = c.Source.Port ?? Activities.Activity.DefaultPort;
            c.Source.Port = port;
            if (!outbound.TryGetValue((c.Source.Activity, port), out var list)) outbound[(c.Source.Activity, port)] = list = [];
            list.Add(c);
            if (!inbound.TryGetValue(c.Target.Activity, out var inList)) inbound[c.Target.Activity] = inList = [];
            inList.Add(Key(c));
        }

        var explicitStart = nodes.Values.Where(n => n.Type == Activities.Builtin.Start.TypeName).Select(n => n.Id).ToList();
        var starts = explicitStart.Count > 0
            ? explicitStart
            : nodes.Keys.Where(id => !inbound.ContainsKey(id)).ToList();
        if (starts.Count == 0 && nodes.Count > 0) starts = [definition.Root.Activities![0].Id];

        return new CompiledWorkflow
        {
            Definition = definition,
            Nodes = nodes,
            Types = nodes.Values.ToDictionary(n => n.Id, n => registry.Get(n.Type), StringComparer.Ordinal),
            StartActivityIds = starts,
            Outbound = outbound,
            Inbound = inbound,
        };
    }

    /// <summary>What a draft must already satisfy, complete or not: every activity is of a type the engine knows.</summary>
    public static List<ValidationError> ValidateDraft(WorkflowDefinition definition, ActivityRegistry registry) =>
        (definition.Root?.Activities ?? []).Where(a => !registry.TryGet(a.Type, out _)).Select(UnknownType).ToList();

    private static ValidationError UnknownType(ActivityNode a) => new(a.Id, $"Activity '{a.Label}' ({a.Id}) has unknown type '{a.Type}'.");

    /// <summary>
    /// The problems that keep a definition from being published, each naming the activity: unknown type, duplicate id,
    /// dangling connection or port, missing required input, unsupported expression, JavaScript that does not parse.
    /// </summary>
    public static List<ValidationError> Validate(WorkflowDefinition definition, ActivityRegistry registry, ExpressionEvaluator? evaluator = null)
    {
        var errors = new List<ValidationError>();
        var root = definition.Root;
        if (root is null || root.Type != ActivityNode.FlowchartType)
        {
            errors.Add(new ValidationError(null, $"The root activity must be an {ActivityNode.FlowchartType}."));
            return errors;
        }
        var activities = root.Activities ?? [];
        var byId = new Dictionary<string, ActivityNode>(StringComparer.Ordinal);
        foreach (var a in activities)
        {
            var label = $"'{a.Label}' ({a.Id})";
            if (string.IsNullOrWhiteSpace(a.Id)) { errors.Add(new ValidationError(a.Name, $"Activity '{a.Label}' has no id.")); continue; }
            if (!byId.TryAdd(a.Id, a)) errors.Add(new ValidationError(a.Id, $"Activity id '{a.Id}' is used twice."));
            if (!registry.TryGet(a.Type, out var type))
            {
                errors.Add(UnknownType(a));
                continue;
            }
            foreach (var input in type.Inputs)
            {
                var value = a.GetInput(input.Descriptor.Name);
                var expr = value?.Expression;
                var empty = expr is null || expr.Value is null || (expr.Type == ExpressionTypes.Literal && string.IsNullOrWhiteSpace(expr.Value.ToString()));
                if (input.Descriptor.Required && empty && input.Descriptor.DefaultValue is null)
                    errors.Add(new ValidationError(a.Id, $"Activity {label}: required input '{input.Descriptor.DisplayName}' has no value."));
                if (expr is null || evaluator is null) continue;
                try { evaluator.Validate(expr); }
                catch (ExpressionException e) { errors.Add(new ValidationError(a.Id, $"Activity {label}, input '{input.Descriptor.DisplayName}': {e.Message}")); }
            }
        }
        foreach (var c in root.Connections ?? [])
        {
            if (!byId.TryGetValue(c.Source.Activity ?? "", out var source))
            {
                errors.Add(new ValidationError(c.Source.Activity, $"A connection starts at activity '{c.Source.Activity}', which does not exist."));
                continue;
            }
            if (!byId.ContainsKey(c.Target.Activity ?? ""))
            {
                errors.Add(new ValidationError(source.Id, $"Activity '{source.Label}' ({source.Id}) connects to activity '{c.Target.Activity}', which does not exist."));
                continue;
            }
            if (registry.TryGet(source.Type, out var st) && c.Source.Port is { } port && !st.PortsOf(source).Contains(port))
                errors.Add(new ValidationError(source.Id, $"Activity '{source.Label}' ({source.Id}) has no outcome '{port}'; it has {string.Join(", ", st.PortsOf(source))}."));
        }
        return errors;
    }
}

public sealed record ValidationError(string? ActivityId, string Message);

/// <summary>A definition that cannot be run or published; <see cref="Exception.Message"/> lists every problem.</summary>
public sealed class WorkflowValidationException(IReadOnlyList<ValidationError> errors)
    : Exception(string.Join(" ", errors.Select(e => e.Message)))
{
    public IReadOnlyList<ValidationError> Errors { get; } = errors;
}
