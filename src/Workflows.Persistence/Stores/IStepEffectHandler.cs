using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Stores;

/// <summary>
/// Applies step effects of the given types inside the step's transaction (<see cref="StepTransaction"/>: no other
/// transaction, no commit: the store commits the step and its effects together). Throwing rolls the whole step back;
/// <see cref="EffectRefusedException"/> says why in business terms. SQL written here must run on every provider
/// (docs/architecture.md, "Raw SQL on both providers").
/// </summary>
public interface IStepEffectHandler
{
    IReadOnlyCollection<string> Types { get; }
    void Apply(StepTransaction step, StepEffect effect);
}
