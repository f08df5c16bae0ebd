using System.Text.Json;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Tasks;

/// <summary>
/// Keeps the <c>HumanTasks</c> table in step with the human-task bookmarks, inside the step's transaction: a created task
/// bookmark inserts its row, a changed one (removed and re-created with the same id: claim, escalation…) updates it, a
/// removed one closes it as Completed (resumed) or Cancelled. Returns what changed, for the change feed after commit.
/// </summary>
public static class TaskWriter
{
    public static List<TaskChange> Write(WriteTransaction c, StepCommit commit, DateTimeOffset now)
    {
        var changes = new List<TaskChange>();
        var removed = commit.RemovedBookmarkIds.Count == 0 ? null : commit.RemovedBookmarkIds.ToHashSet(StringComparer.Ordinal);
        var instance = commit.Instance;
        HashSet<string>? recreated = null;
        foreach (var b in commit.CreatedBookmarks)
        {
            if (b.Kind != BookmarkKinds.HumanTask) continue;
            var t = HumanTaskSpec.Of(b);
            var s = t.Subject;
            var changed = removed?.Contains(b.Id) == true;
            if (changed)
            {
                (recreated ??= new HashSet<string>(StringComparer.Ordinal)).Add(b.Id);
                c.Command("""
                    UPDATE HumanTasks SET ActivityId = @act, Title = @title, CandidateRole = @role, EscalatedTo = @esc, EscalatedAt = @escAt, Assignee = @assignee,
                        DueAt = @due, DueKey = @dueKey, Hours = @hours, RemainingKey = @remKey, FollowUpAt = @follow, Priority = @prio, Revision = @rev
                    WHERE Id = @id
                    """, ("@id", b.Id), ("@act", b.ActivityId), ("@title", t.Title), ("@role", t.Role), ("@esc", t.EscalatedTo), ("@escAt", t.EscalatedAt?.UtcTicks),
                    ("@assignee", t.Assignee), ("@due", t.DueAt?.UtcTicks), ("@dueKey", DueKey(t)), ("@hours", t.Hours ?? ""), ("@remKey", RemainingKey(t)),
                    ("@follow", t.FollowUpAt?.UtcTicks), ("@prio", t.Priority), ("@rev", t.Revision)).ExecuteNonQuery();
            }
            else
            {
                c.Command("""
                    INSERT INTO HumanTasks (Id, InstanceId, DefinitionId, ActivityId, ActivityType, Title, Instructions, OutcomesJson, ServiceCode, ServiceName,
                        CaseId, Reference, SubjectName, SubjectUserId, CandidateRole, EscalatedTo, EscalatedAt, Assignee, CreatedAt, DueAt, DueKey, Hours,
                        RemainingKey, FollowUpAt, Priority, Status, Revision)
                    VALUES (@id, @inst, @def, @act, @type, @title, @instr, @outcomes, @svc, @svcName, @case, @ref, @name, @user, @role, @esc, @escAt, @assignee,
                        @created, @due, @dueKey, @hours, @remKey, @follow, @prio, 'Open', @rev)
                    """, ("@id", b.Id), ("@inst", b.InstanceId), ("@def", instance.DefinitionId), ("@act", b.ActivityId), ("@type", b.ActivityType),
                    ("@title", t.Title), ("@instr", t.Instructions), ("@outcomes", JsonSerializer.Serialize(t.Outcomes)), ("@svc", s?.ServiceCode),
                    ("@svcName", s?.ServiceName), ("@case", s?.CaseId), ("@ref", s?.Reference), ("@name", s?.SubjectName), ("@user", s?.SubjectUserId),
                    ("@role", t.Role), ("@esc", t.EscalatedTo), ("@escAt", t.EscalatedAt?.UtcTicks), ("@assignee", t.Assignee), ("@created", b.CreatedAt.UtcTicks),
                    ("@due", t.DueAt?.UtcTicks), ("@dueKey", DueKey(t)), ("@hours", t.Hours ?? ""), ("@remKey", RemainingKey(t)),
                    ("@follow", t.FollowUpAt?.UtcTicks), ("@prio", t.Priority), ("@rev", t.Revision)).ExecuteNonQuery();
            }
            changes.Add(new TaskChange(b.Id, b.InstanceId, changed ? TaskChangeKind.Changed : TaskChangeKind.Created, t.Role, t.EscalatedTo, t.Assignee,
                s?.SubjectUserId, now));
        }
        if (removed is null) return changes;
        foreach (var id in commit.RemovedBookmarkIds)
        {
            if (recreated?.Contains(id) == true) continue;
            var entry = commit.Journal.LastOrDefault(e => e.BookmarkId == id && e.EventName is JournalEvents.BookmarkResumed or JournalEvents.BookmarkCancelled);
            var completed = entry?.EventName == JournalEvents.BookmarkResumed;
            var status = completed ? HumanTaskStatus.Completed : HumanTaskStatus.Cancelled;
            var rows = c.Command("UPDATE HumanTasks SET Status = @st, ClosedAt = @at, ClosedBy = @by WHERE Id = @id AND Status = 'Open'",
                ("@id", id), ("@st", status), ("@at", now.UtcTicks), ("@by", entry?.ActorId)).ExecuteNonQuery();
            if (rows > 0)
                changes.Add(new TaskChange(id, instance.Id, completed ? TaskChangeKind.Completed : TaskChangeKind.Cancelled, "", null, null, null, now));
        }
        return changes;
    }

    public static long DueKey(HumanTaskSpec t) => t.DueAt?.UtcTicks ?? long.MaxValue;
    public static long RemainingKey(HumanTaskSpec t) => t.DueAt is null ? long.MaxValue : t.DueWorkingMinute ?? long.MaxValue;
}
