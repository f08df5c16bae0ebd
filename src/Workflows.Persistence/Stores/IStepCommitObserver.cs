using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Stores;

/// <summary>
/// Sees every step the store commits: <see cref="OnCommitting"/> inside the step's transaction (to write rows that must
/// exist exactly when the step does, e.g. the scheduled work for a new timer), <see cref="OnCommitted"/> after it.
/// </summary>
public interface IStepCommitObserver
{
    void OnCommitting(StepTransaction step);
    void OnCommitted(StepCommit commit);
}
