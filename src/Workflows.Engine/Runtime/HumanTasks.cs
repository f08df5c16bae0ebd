using System.Globalization;
using System.Text.Json.Nodes;

namespace Workflows.Engine.Runtime;

/// <summary>
/// What a human task is about, supplied by the domain that runs the workflow (the engine knows no insurance): a category
/// (the service), the business key of the case (an application), a reference (a policy number), the display name of the
/// person it concerns (already masked) and, when the task is for that person to do, their user name (the task is bound to them).
/// </summary>
public sealed record TaskSubject(
    string? ServiceCode = null,
    string? ServiceName = null,
    string? CaseId = null,
    string? Reference = null,
    string? SubjectName = null,
    string? SubjectUserId = null);

/// <summary>
/// Supplies a task's <see cref="TaskSubject"/> when a task activity creates it. Registered by the domain; without one a
/// task has no subject.
/// </summary>
public interface ITaskSubjectSource
{
    TaskSubject? Describe(ActivityContext context);
}

/// <summary>
/// The typed content of a human-task bookmark: the only place that knows how it is kept in the bookmark's payload.
/// Everything else (lists, escalation, scheduling, the task table) reads and writes it through this record.
/// </summary>
public sealed record HumanTaskSpec
{
    public required string Title { get; init; }
    /// <summary>The candidate group: members of this role may claim and work the task.</summary>
    public required string Role { get; init; }
    public IReadOnlyList<string> Outcomes { get; init; } = [];
    public string? Instructions { get; init; }
    public DateTimeOffset? DueAt { get; init; }
    /// <summary>Name of the working-hours calendar the deadline counts in (e.g. OfficeDay); null without a deadline.</summary>
    public string? Hours { get; init; }
    /// <summary>The due instant as a working-time ordinal in <see cref="Hours"/> (minutes of working time since a fixed epoch), for sorting by remaining working time.</summary>
    public long? DueWorkingMinute { get; init; }
    /// <summary>When the assignee wants to look at the task again (follow-up date); set by the assignee.</summary>
    public DateTimeOffset? FollowUpAt { get; init; }
    public int Priority { get; init; }
    /// <summary>The group the task was escalated to after its deadline (its members may work it too).</summary>
    public string? EscalatedTo { get; init; }
    public DateTimeOffset? EscalatedAt { get; init; }
    /// <summary>The user who claimed the task, or to whom a supervisor assigned it; null while unclaimed.</summary>
    public string? Assignee { get; init; }
    /// <summary>Counts the task's changes (claim, release, assign, escalate…): the optimistic-concurrency token of the task.</summary>
    public long Revision { get; init; }
    public TaskSubject? Subject { get; init; }

    public JsonObject ToPayload()
    {
        var o = new JsonObject
        {
            ["title"] = Title,
            ["role"] = Role,
            ["outcomes"] = new JsonArray(Outcomes.Select(x => (JsonNode)x).ToArray()),
            ["instructions"] = Instructions,
        };
        if (DueAt is { } due) o["dueAt"] = due.ToString("O", CultureInfo.InvariantCulture);
        if (Hours is not null) o["hours"] = Hours;
        if (DueWorkingMinute is { } m) o["dueWorkingMinute"] = m;
        if (FollowUpAt is { } f) o["followUpAt"] = f.ToString("O", CultureInfo.InvariantCulture);
        if (Priority != 0) o["priority"] = Priority;
        if (EscalatedTo is not null) o["escalatedTo"] = EscalatedTo;
        if (EscalatedAt is { } e) o["escalatedAt"] = e.ToString("O", CultureInfo.InvariantCulture);
        if (Assignee is not null) o["assignee"] = Assignee;
        if (Revision != 0) o["revision"] = Revision;
        if (Subject is { } s)
            o["subject"] = new JsonObject
            {
                ["serviceCode"] = s.ServiceCode, ["serviceName"] = s.ServiceName, ["caseId"] = s.CaseId, ["reference"] = s.Reference,
                ["subjectName"] = s.SubjectName, ["subjectUserId"] = s.SubjectUserId,
            };
        return o;
    }

    public static HumanTaskSpec FromPayload(JsonObject? p, string fallbackTitle = "")
    {
        p ??= new JsonObject();
        return new HumanTaskSpec
        {
            Title = Str(p, "title") ?? fallbackTitle,
            Role = Str(p, "role") ?? "",
            Outcomes = p["outcomes"] is JsonArray a ? a.Select(x => x!.ToString()).ToList() : [],
            Instructions = Str(p, "instructions"),
            DueAt = Instant(p, "dueAt"),
            Hours = Str(p, "hours"),
            DueWorkingMinute = p["dueWorkingMinute"]?.GetValue<long>(),
            FollowUpAt = Instant(p, "followUpAt"),
            Priority = p["priority"]?.GetValue<int>() ?? 0,
            EscalatedTo = Str(p, "escalatedTo"),
            EscalatedAt = Instant(p, "escalatedAt"),
            Assignee = Str(p, "assignee"),
            Revision = p["revision"]?.GetValue<long>() ?? 0,
            Subject = p["subject"] is JsonObject s
                ? new TaskSubject(Str(s, "serviceCode"), Str(s, "serviceName"), Str(s, "caseId"), Str(s, "reference"), Str(s, "subjectName"), Str(s, "subjectUserId"))
                : null,
        };
    }

    /// <summary>The task of a human-task bookmark.</summary>
    public static HumanTaskSpec Of(Bookmark b) => FromPayload(b.Payload, b.Name);

    private static string? Str(JsonObject o, string k) => o[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static DateTimeOffset? Instant(JsonObject o, string k) =>
        Str(o, k) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;
}

/// <summary>Journal event names of task actions; each is a step of the instance, so the hash chain covers it.</summary>
public static class TaskEvents
{
    public const string Claimed = "TaskClaimed";
    public const string Released = "TaskReleased";
    public const string Assigned = "TaskAssigned";
    public const string FollowUpSet = "TaskFollowUpSet";
}
