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
/// <see cref="WorkKinds.SlaDeadline"/>. After the commit the dispatcher is told there is new work. A step that resumes a
/// timer with the scheduler's key (<c>timer:{bookmark}</c>) marks that timer's work Done in the same transaction: the
/// firing costs no write of its own, and the work is Done exactly when the instance moved on.
/// </summary>
public sealed class ScheduleOnCommit(WorkDispatcher dispatcher) : IStepCommitObserver
{
    public void OnCommitting(StepTransaction c)
    {
        var commit = c.Commit;
        foreach (var b in New(commit))
            if (WorkFor(b) is { } work)
                ScheduledWorkStore.Add(c, work.Key, work.Kind, work.DueAt, Payload(b), commit.Instance.UpdatedAt);
        if (ResumedTimer(commit) is { } timer)
            ScheduledWorkStore.CompleteInStep(c, TimerKey(timer), ResumedResult(commit.Instance.SubStatus));
    }

    /// <summary>The timer bookmark this step resumed under the scheduler's key, if it did (the key is scoped: "{actor}\u001ftimer:{id}").</summary>
    private static string? ResumedTimer(StepCommit commit)
    {
        if (commit.Command?.Key is not { } key || commit.RemovedBookmarkIds.Count == 0) return null;
        var at = key.IndexOf(TimerKeyMark, StringComparison.Ordinal);
        if (at < 0) return null;
        var bookmarkId = key[(at + TimerKeyMark.Length)..];
        return commit.RemovedBookmarkIds.Contains(bookmarkId) ? bookmarkId : null;
    }

    private const string TimerKeyMark = "\u001ftimer:";

    public static string ResumedResult(WorkflowSubStatus subStatus) => $"resumed: {subStatus}";

    /// <summary>Wakes the dispatcher only for steps that scheduled something (most steps create plain tasks).</summary>
    public void OnCommitted(StepCommit commit)
    {
        if (New(commit).Any(b => WorkFor(b) is not null)) dispatcher.Signal();
    }

    /// <summary>Bookmarks the step created; a changed one (a task claimed or escalated: removed and re-created) keeps the work it had.</summary>
    private static IEnumerable<Bookmark> New(StepCommit commit) =>
        commit.RemovedBookmarkIds.Count == 0 ? commit.CreatedBookmarks : commit.CreatedBookmarks.Where(b => !commit.RemovedBookmarkIds.Contains(b.Id));

    /// <summary>The scheduled work a new bookmark needs: a timer's wake-up, a task's deadline, or none.</summary>
    private static (string Key, string Kind, DateTimeOffset DueAt)? WorkFor(Bookmark b)
    {
        if (b.Kind == BookmarkKinds.Timer && b.ResumeAt is { } at) return (TimerKey(b.Id), WorkKinds.WorkflowTimer, at);
        if (b.Kind == BookmarkKinds.HumanTask && HumanTaskSpec.Of(b).DueAt is { } dueAt)
            return (SlaKey(b.Id), WorkKinds.SlaDeadline, dueAt);
        return null;
    }

    public static string TimerKey(string bookmarkId) => $"timer:{bookmarkId}";
    public static string SlaKey(string bookmarkId) => $"sla:{bookmarkId}";

    private static JsonObject Payload(Bookmark b) => new() { ["bookmarkId"] = b.Id, ["instanceId"] = b.InstanceId };
}
