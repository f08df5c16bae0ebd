using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Tasks;

public enum TaskChangeKind { Created, Changed, Completed, Cancelled }

/// <summary>A task was created, changed (claimed, released, assigned, escalated…) or closed; raised after the step committed.</summary>
public sealed record TaskChange(string TaskId, string InstanceId, TaskChangeKind Kind, string CandidateRole, string? EscalatedTo, string? Assignee,
    string? SubjectUserId, DateTimeOffset At);

/// <summary>
/// In-process notification of task changes, raised after each step's commit (never for a step that was rolled back), for
/// live refresh of inboxes. Handlers run on the committing thread: they must be quick and must not throw (exceptions are
/// swallowed so a screen cannot break a commit's caller).
/// </summary>
public interface ITaskChangeFeed
{
    /// <summary>Subscribes; dispose the result to unsubscribe.</summary>
    IDisposable Subscribe(Action<TaskChange> handler);
}

/// <summary>The feed, fed by the step store after each commit with the task rows that commit wrote.</summary>
public sealed class TaskChangeFeed : ITaskChangeFeed
{
    private readonly object _gate = new();
    private Action<TaskChange>[] _handlers = [];

    public IDisposable Subscribe(Action<TaskChange> handler)
    {
        lock (_gate) _handlers = [.. _handlers, handler];
        return new Subscription(() => { lock (_gate) _handlers = _handlers.Where(h => h != handler).ToArray(); });
    }

    public void Publish(IReadOnlyList<TaskChange> changes)
    {
        var handlers = _handlers;
        if (handlers.Length == 0) return;
        foreach (var change in changes)
        foreach (var h in handlers)
        {
            try { h(change); }
            catch { /* a subscriber's failure is its own; the step is committed */ }
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) dispose(); }
    }
}
