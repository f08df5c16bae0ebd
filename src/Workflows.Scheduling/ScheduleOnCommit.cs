using System.Globalization;
using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// Turns what a workflow step creates into scheduled work, inside the step's own transaction: a timer bookmark (Delay,
/// StartAt) becomes a <see cref="WorkKinds.WorkflowTimer"/>, a task with a due time (its SLA) an
/// <see cref="WorkKinds.SlaDeadline"/>. After the commit the dispatcher is told there is work to hand to Quartz.
/// </summary>
public sealed class ScheduleOnCommit(WorkDispatcher dispatcher) : IStepCommitObserver
{
    public void OnCommitting(PreparedConnection c, StepCommit commit)
    {
        var now = commit.Instance.UpdatedAt;
        foreach (var b in commit.CreatedBookmarks)
        {
            if (b.Kind == BookmarkKinds.Timer && b.ResumeAt is { } at)
                ScheduledWorkStore.Add(c, TimerKey(b.Id), WorkKinds.WorkflowTimer, at, Payload(b), now);
            else if (b.Payload?["dueAt"]?.GetValue<string>() is { } due &&
                     DateTimeOffset.TryParse(due, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dueAt))
                ScheduledWorkStore.Add(c, SlaKey(b.Id), WorkKinds.SlaDeadline, dueAt, Payload(b), now);
        }
    }

    public void OnCommitted(StepCommit commit)
    {
        if (commit.CreatedBookmarks.Count > 0) dispatcher.Signal();
    }

    public static string TimerKey(string bookmarkId) => $"timer:{bookmarkId}";
    public static string SlaKey(string bookmarkId) => $"sla:{bookmarkId}";

    private static JsonObject Payload(Bookmark b) => new() { ["bookmarkId"] = b.Id, ["instanceId"] = b.InstanceId };
}
