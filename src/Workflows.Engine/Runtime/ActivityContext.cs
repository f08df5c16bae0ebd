using System.Text.Json.Nodes;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>What an executing activity can see and do: the instance's variables and input, the clock, the acting principal, services.</summary>
public sealed class ActivityContext : IExpressionScope
{
    private readonly WorkflowExecution _execution;

    internal ActivityContext(WorkflowExecution execution, ActivityNode node, string activityInstanceId)
    {
        _execution = execution;
        Node = node;
        ActivityInstanceId = activityInstanceId;
    }

    public ActivityNode Node { get; }
    public string ActivityInstanceId { get; }
    public WorkflowInstance Instance => _execution.Instance;
    public string InstanceId => _execution.Instance.Id;
    public string? CorrelationId => _execution.Instance.CorrelationId;
    public Actor Actor => _execution.Actor;
    public DateTimeOffset Now => _execution.Now;
    public TimeProvider Clock => _execution.Clock;
    public IServiceProvider Services => _execution.Services;
    public CancellationToken CancellationToken => _execution.CancellationToken;
    public JsonNode? Input => _execution.Instance.State.Input;

    /// <summary>A new unique id. Activities take ids only from here (never <c>Guid.NewGuid</c>), so replay can give back the recorded ones.</summary>
    public string NewId() => _execution.NewActivityId();

    /// <summary>A random integer in [min, max). Activities take randomness only from here, so replay is deterministic.</summary>
    public int NextRandom(int minInclusive, int maxExclusive) => _execution.Sources.NextRandom(minInclusive, maxExclusive);

    /// <summary>Asks for a change outside the engine (see <see cref="StepEffect"/>), applied atomically with this step.</summary>
    public void AddEffect(string type, JsonObject data) => _execution.Effects.Add(new StepEffect(type, data, Node.Id));

    /// <summary>A short note recorded with this activity's journal entry (never sensitive data).</summary>
    public string? JournalMessage { get; set; }

    /// <summary>Evaluates an expression an activity holds in its data (e.g. a switch case's condition).</summary>
    public JsonNode? Evaluate(Expression expression) => _execution.Evaluator.Evaluate(expression, this, CancellationToken);

    /// <summary>Keeps a value for this activity instance, read back when it resumes (<see cref="InstanceState.ActivityState"/>).</summary>
    public void Keep(string name, JsonNode? value)
    {
        var state = _execution.Instance.State.ActivityState;
        if (!state.TryGetValue(ActivityInstanceId, out var kept)) state[ActivityInstanceId] = kept = new JsonObject();
        kept[name] = value?.DeepClone();
    }

    /// <summary>A value this activity instance kept when it started, or null.</summary>
    public JsonNode? Kept(string name) =>
        _execution.Instance.State.ActivityState.TryGetValue(ActivityInstanceId, out var kept) ? kept[name]?.DeepClone() : null;

    public JsonObject VariablesSnapshot()
    {
        var o = new JsonObject();
        foreach (var (k, v) in _execution.Instance.State.Variables) o[k] = v?.DeepClone();
        return o;
    }

    public JsonNode? GetVariable(string name) =>
        _execution.Instance.State.Variables.TryGetValue(_execution.ResolveVariableName(name), out var v) ? v?.DeepClone() : null;

    public T? GetVariable<T>(string name) => ValueConverter.Convert(GetVariable(name), typeof(T)) is T t ? t : default;

    public void SetVariable(string name, JsonNode? value) =>
        _execution.Instance.State.Variables[_execution.ResolveVariableName(name)] = value?.DeepClone();
}
