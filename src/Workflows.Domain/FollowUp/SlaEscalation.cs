using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.FollowUp;

/// <summary>
/// A task's service-level deadline passed (SLA 超时). If the task is still open it is escalated, in one workflow step:
/// its priority is raised, it is reassigned to the supervisor group (the original role may still complete it), the
/// breach is journalled on the instance and recorded for the SLA report, and the supervisors are notified. The step
/// carries the key "sla:{task}", so a deadline delivered twice escalates once.
/// </summary>
public sealed class SlaEscalation(WorkflowRuntime runtime, TimeProvider clock) : IScheduledWorkHandler
{
    /// <summary>The staff group escalated tasks go to (服务主管).</summary>
    public const string SupervisorGroup = "Supervisor";

    public string Kind => WorkKinds.SlaDeadline;

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct)
    {
        var bookmarkId = work.Payload["bookmarkId"]!.GetValue<string>();
        var result = await runtime.ChangeBookmarkAsync(bookmarkId, (task, instance) => Escalate(task, instance, clock.GetUtcNow()),
            Actor.System, work.Key, ct);
        return result is null ? "the task was done before its deadline" : result.Replayed ? "escalated before" : $"escalated to {SupervisorGroup}";
    }

    /// <summary>The escalation of an open task whose deadline has passed, or null (not escalated: not due yet, or escalated already).</summary>
    public static BookmarkChange? Escalate(Bookmark task, WorkflowInstance instance, DateTimeOffset now)
    {
        if (task.Kind != BookmarkKinds.HumanTask) return null;
        var spec = HumanTaskSpec.Of(task);
        if (spec.EscalatedAt is not null || spec.DueAt is not { } dueAt || now < dueAt) return null;
        var priority = spec.Priority + 1;
        var changed = (spec with { Priority = priority, EscalatedTo = SupervisorGroup, EscalatedAt = now, Revision = spec.Revision + 1 }).ToPayload();
        var title = spec.Title;
        var role = spec.Role;
        var breach = new JsonObject
        {
            ["bookmarkId"] = task.Id, ["definitionId"] = instance.DefinitionId, ["applicationId"] = instance.CorrelationId,
            ["activityType"] = task.ActivityType, ["title"] = title, ["role"] = role, ["escalatedTo"] = SupervisorGroup,
            ["dueAt"] = dueAt.ToString("O"), ["breachedAt"] = now.ToString("O"),
        };
        var local = TimeZoneInfo.ConvertTime(dueAt, Calendar.BusinessCalendar.Shanghai);
        var notice = new NotificationRequest($"sla:{task.Id}", "sla-breach",
            $"任务“{title}”已超过服务时限（{local:yyyy-MM-dd HH:mm}），已升级至服务主管。",
            $"Task \"{title}\" missed its deadline ({local:yyyy-MM-dd HH:mm} Beijing time) and was escalated to the supervisors.",
            RecipientRole: SupervisorGroup, ApplicationId: instance.CorrelationId, InstanceId: instance.Id);
        return new BookmarkChange(JournalEvents.TaskEscalated, changed,
            $"SLA breached: due {dueAt:O}, still open at {now:O}; priority {priority}, escalated to {SupervisorGroup}.",
            new JsonObject { ["dueAt"] = dueAt.ToString("O"), ["priority"] = priority, ["escalatedTo"] = SupervisorGroup },
            [new StepEffect(FollowUpEffects.SlaBreach, breach, task.ActivityId), new StepEffect(FollowUpEffects.Notify, notice.ToJson(), task.ActivityId)]);
    }
}

/// <summary>Follow-up effects applied inside a workflow step's transaction: an SLA breach recorded, a message stored.</summary>
public sealed class FollowUpEffects(NotificationOutbox outbox, TimeProvider clock) : IStepEffectHandler
{
    public const string SlaBreach = "sla.breach";
    public const string Notify = "notification.send";

    public IReadOnlyCollection<string> Types { get; } = [SlaBreach, Notify];

    public void Apply(StepTransaction c, StepEffect effect)
    {
        var instance = c.Instance;
        var d = effect.Data;
        switch (effect.Type)
        {
            case SlaBreach:
                c.Command("""
                    INSERT INTO SlaBreaches (BookmarkId, InstanceId, ApplicationId, DefinitionId, ActivityType, TaskTitle, Role, EscalatedTo, DueAt, BreachedAt)
                    VALUES (@b, @i, @app, @def, @type, @title, @role, @to, @due, @at) ON CONFLICT (BookmarkId) DO NOTHING
                    """, ("@b", S(d, "bookmarkId")), ("@i", instance.Id), ("@app", d["applicationId"]?.GetValue<string>()), ("@def", S(d, "definitionId")),
                    ("@type", S(d, "activityType")), ("@title", S(d, "title")), ("@role", S(d, "role")), ("@to", S(d, "escalatedTo")),
                    ("@due", Ticks(d, "dueAt")), ("@at", Ticks(d, "breachedAt"))).ExecuteNonQuery();
                break;
            case Notify:
                outbox.Add(c, NotificationRequest.FromJson(d), clock.GetUtcNow());
                break;
        }
    }

    private static string S(JsonObject d, string k) => d[k]?.GetValue<string>() ?? "";
    private static long Ticks(JsonObject d, string k) => DateTimeOffset.Parse(S(d, k), CultureInfo.InvariantCulture).UtcTicks;
}

/// <summary>The SLA report: breaches per service (with its name) and task in a period, how many are still open; and the breached tasks behind a line.</summary>
public static class SlaReport
{
    public sealed record Line(string DefinitionId, string ActivityType, string TaskTitle, int Breaches, int StillOpen, string ServiceName = "");
    public sealed record Report(DateTimeOffset From, DateTimeOffset To, int Breaches, int StillOpen, IReadOnlyList<Line> Lines);

    /// <summary>One breached task: when it was due and breached, and what became of it (open and with whom, or closed by whom).</summary>
    public sealed record BreachedTask(string TaskId, string InstanceId, string? ApplicationId, string DefinitionId, string ServiceName, string ActivityType,
        string TaskTitle, string Role, string EscalatedTo, DateTimeOffset DueAt, DateTimeOffset BreachedAt, string Status, string? Assignee,
        string? ClosedBy, DateTimeOffset? ClosedAt);

    /// <summary>The service's Chinese name from the catalogue (a service workflow's definition id is its service code), else the id.</summary>
    public static string ServiceName(string definitionId, Catalogue.ServiceCatalogue? catalogue = null) =>
        (catalogue ?? Catalogue.ServiceCatalogue.Default).TryGet(definitionId, out var s) ? s.NameZh : definitionId;

    public static async Task<Report> BuildAsync(DomainDbContext db, WorkflowsDbContext engine, DateTimeOffset from, DateTimeOffset to, CancellationToken ct,
        Catalogue.ServiceCatalogue? catalogue = null)
    {
        var breaches = await db.SlaBreaches.AsNoTracking().Where(b => b.BreachedAt >= from && b.BreachedAt < to).ToListAsync(ct);
        var ids = breaches.Select(b => b.BookmarkId).ToList();
        var open = (await engine.HumanTasks.AsNoTracking().Where(t => ids.Contains(t.Id) && t.Status == Persistence.Tasks.HumanTaskStatus.Open)
            .Select(t => t.Id).ToListAsync(ct)).ToHashSet();
        var lines = breaches.GroupBy(b => (b.DefinitionId, b.ActivityType, b.TaskTitle))
            .Select(g => new Line(g.Key.DefinitionId, g.Key.ActivityType, g.Key.TaskTitle, g.Count(), g.Count(b => open.Contains(b.BookmarkId)),
                ServiceName(g.Key.DefinitionId, catalogue)))
            .OrderByDescending(l => l.Breaches).ThenBy(l => l.DefinitionId).ToList();
        return new Report(from, to, breaches.Count, breaches.Count(b => open.Contains(b.BookmarkId)), lines);
    }

    /// <summary>The drill-down: the breached tasks of the period, optionally of one service and task type, newest breach first (at most <paramref name="take"/>).</summary>
    public static async Task<IReadOnlyList<BreachedTask>> TasksAsync(DomainDbContext db, WorkflowsDbContext engine, DateTimeOffset from, DateTimeOffset to,
        string? definitionId, string? activityType, int take, CancellationToken ct, Catalogue.ServiceCatalogue? catalogue = null)
    {
        var q = db.SlaBreaches.AsNoTracking().Where(b => b.BreachedAt >= from && b.BreachedAt < to);
        if (!string.IsNullOrEmpty(definitionId)) q = q.Where(b => b.DefinitionId == definitionId);
        if (!string.IsNullOrEmpty(activityType)) q = q.Where(b => b.ActivityType == activityType);
        var breaches = await q.OrderByDescending(b => b.BreachedAt).Take(take).ToListAsync(ct);
        var ids = breaches.Select(b => b.BookmarkId).ToList();
        var tasks = await engine.HumanTasks.AsNoTracking().Where(t => ids.Contains(t.Id)).ToDictionaryAsync(t => t.Id, ct);
        return breaches.Select(b =>
        {
            var t = tasks.GetValueOrDefault(b.BookmarkId);
            return new BreachedTask(b.BookmarkId, b.InstanceId, b.ApplicationId, b.DefinitionId, ServiceName(b.DefinitionId, catalogue), b.ActivityType, b.TaskTitle,
                b.Role, b.EscalatedTo, b.DueAt, b.BreachedAt, t?.Status ?? Persistence.Tasks.HumanTaskStatus.Completed, t?.Assignee, t?.ClosedBy, t?.ClosedAt);
        }).ToList();
    }
}
