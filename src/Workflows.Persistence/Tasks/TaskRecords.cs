namespace Workflows.Persistence.Tasks;

/// <summary>
/// A human task as a row (table <c>HumanTasks</c>): written by the step store in the same transaction as the step that
/// creates, changes or closes its bookmark, so the task list is never ahead of or behind the workflow. Open tasks are
/// listed from partial indexes (Status = 'Open'); closed rows stay as the record of who did what.
/// The subject columns are the engine's neutral <see cref="Engine.Runtime.TaskSubject"/>: for the health services
/// CaseId is the application, Reference the policy number, SubjectName the member's masked name, SubjectUserId the applicant.
/// </summary>
public sealed class HumanTaskRecord
{
    /// <summary>The bookmark's id.</summary>
    public string Id { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public string ActivityId { get; set; } = "";
    public string ActivityType { get; set; } = "";
    public string Title { get; set; } = "";
    public string? Instructions { get; set; }
    /// <summary>The outcomes offered, as a JSON array.</summary>
    public string OutcomesJson { get; set; } = "[]";
    public string? ServiceCode { get; set; }
    public string? ServiceName { get; set; }
    public string? CaseId { get; set; }
    public string? Reference { get; set; }
    public string? SubjectName { get; set; }
    public string? SubjectUserId { get; set; }
    /// <summary>The candidate group (role).</summary>
    public string CandidateRole { get; set; } = "";
    public string? EscalatedTo { get; set; }
    public DateTimeOffset? EscalatedAt { get; set; }
    public string? Assignee { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    /// <summary>Sort key of the due time: UTC ticks, or long.MaxValue without a deadline (so keyset paging never meets NULL).</summary>
    public long DueKey { get; set; }
    /// <summary>The working-hours calendar of the deadline ("" without one).</summary>
    public string Hours { get; set; } = "";
    /// <summary>Working-time ordinal of the due time in <see cref="Hours"/>, or long.MaxValue without a deadline.</summary>
    public long RemainingKey { get; set; }
    public DateTimeOffset? FollowUpAt { get; set; }
    public int Priority { get; set; }
    /// <summary>Open, Completed or Cancelled (<see cref="HumanTaskStatus"/>).</summary>
    public string Status { get; set; } = HumanTaskStatus.Open;
    public long Revision { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public string? ClosedBy { get; set; }
}

public static class HumanTaskStatus
{
    public const string Open = "Open";
    public const string Completed = "Completed";
    public const string Cancelled = "Cancelled";
}

/// <summary>
/// An out-of-office delegation: from <see cref="From"/> to <see cref="To"/> (Asia/Shanghai dates, inclusive) the delegate
/// sees and may work the delegator's tasks, those assigned to them and those of their groups (roles, captured when set).
/// </summary>
public sealed class TaskDelegationRecord
{
    public long Id { get; set; }
    public string Delegator { get; set; } = "";
    public string Delegate { get; set; } = "";
    /// <summary>The delegator's roles when the delegation was set, comma-separated.</summary>
    public string DelegatorRoles { get; set; } = "";
    public DateOnly From { get; set; }
    public DateOnly To { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A user's saved inbox filter (kept on the server, so it follows them to any browser).</summary>
public sealed class SavedTaskFilterRecord
{
    public long Id { get; set; }
    public string UserName { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>The view, filter and sort as JSON (the contract's SavedTaskFilter shape).</summary>
    public string QueryJson { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
}
