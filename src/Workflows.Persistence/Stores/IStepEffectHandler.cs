using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Stores;

/// <summary>
/// Applies step effects of the given types inside the step's transaction, on the writer connection (no other
/// transaction, no commit: the store commits the step and its effects together). Throwing rolls the whole step back;
/// <see cref="EffectRefusedException"/> says why in business terms.
/// </summary>
public interface IStepEffectHandler
{
    IReadOnlyCollection<string> Types { get; }
    void Apply(PreparedConnection connection, StepEffect effect, WorkflowInstance instance);
}
