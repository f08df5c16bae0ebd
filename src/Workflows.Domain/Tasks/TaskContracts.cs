using System.Text.Json.Nodes;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Tasks;

// The staff workspace's task contract (issue 9). Screens and endpoints use only these types; the rule of who may work
// a task lives in one place, the ITaskService implementation. See docs/workspace.md.

/// <summary>The inbox views. Each is a SQL query over the open tasks, with its count.</summary>
public enum TaskView
{
    /// <summary>我的任务: claimed by or assigned to me (or to someone I stand in for).</summary>
    Mine,
    /// <summary>待认领: unclaimed, in one of my groups (roles, or the group it was escalated to).</summary>
    Unclaimed,
    /// <summary>我可处理的: everything I may work — mine and the unclaimed ones of my groups.</summary>
    Workable,
    /// <summary>已逾期: workable and past due.</summary>
    Overdue,
    /// <summary>今日到期: workable and due today (Asia/Shanghai), not yet overdue.</summary>
    DueToday,
    /// <summary>Supervisors' board: all open tasks.</summary>
    AllOpen,
    /// <summary>Supervisors' board: all open tasks past due.</summary>
    AllOverdue,
    /// <summary>Supervisors' board: all open escalated tasks.</summary>
    AllEscalated,
}

public enum TaskSort
{
    /// <summary>Remaining working time on the task's service hours and the business calendar (tasks without a deadline last).</summary>
    RemainingWorkingTime,
    Due,
    /// <summary>Creation order (the task id is time-ordered).</summary>
    Created,
    /// <summary>Highest priority first, then due.</summary>
    Priority,
}

/// <summary>Status filter of open tasks.</summary>
public enum TaskStatusFilter { Unclaimed, Claimed, Escalated }

/// <summary>Who is asking: the user and their roles.</summary>
public sealed record TaskCaller(string UserName, IReadOnlyCollection<string> Roles)
{
    public bool IsIn(string role) => Roles.Contains(role, StringComparer.Ordinal);
}

/// <summary>Filters; every one optional. Member matches the masked name's prefix or the applicant's user name exactly.</summary>
public sealed record TaskFilter(
    string? ServiceCode = null,
    TaskStatusFilter? Status = null,
    int? MinPriority = null,
    DateTimeOffset? DueFrom = null,
    DateTimeOffset? DueTo = null,
    string? PolicyNumber = null,
    string? Member = null);

/// <summary>A page request. <see cref="After"/> is the opaque cursor of the previous page (keyset paging).</summary>
public sealed record TaskQuery(
    TaskView View = TaskView.Workable,
    TaskFilter? Filter = null,
    TaskSort Sort = TaskSort.RemainingWorkingTime,
    bool Descending = false,
    int PageSize = 50,
    string? After = null);

public sealed record TaskPage(IReadOnlyList<TaskItem> Items, string? Next);

/// <summary>One task as lists and the task pane show it. Dates are UTC; screens show them in Asia/Shanghai.</summary>
public sealed record TaskItem(
    string Id,
    string InstanceId,
    string DefinitionId,
    string ActivityId,
    string ActivityType,
    string Title,
    string? Instructions,
    IReadOnlyList<string> Outcomes,
    string? ServiceCode,
    string? ServiceName,
    string? ApplicationId,
    string? PolicyNumber,
    /// <summary>The member's name, masked (张*).</summary>
    string? MemberName,
    string CandidateRole,
    string? EscalatedTo,
    DateTimeOffset? EscalatedAt,
    string? Assignee,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DueAt,
    DateTimeOffset? FollowUpAt,
    int Priority,
    /// <summary>Open, Completed or Cancelled.</summary>
    string Status,
    /// <summary>The task's optimistic-concurrency token; send it back as expectedRevision.</summary>
    long Revision,
    /// <summary>Working minutes left until due on the task's service hours (negative when overdue); null without a deadline.</summary>
    long? RemainingWorkingMinutes,
    /// <summary>The service hours the deadline counts in (OfficeDay, HospitalDay, Hotline).</summary>
    string? Hours,
    /// <summary>True when the caller may claim it now (unclaimed, in their groups).</summary>
    bool CanClaim,
    /// <summary>True when the caller may complete it now (claimed by them, or unclaimed in their groups: claim and complete in one go).</summary>
    bool CanComplete)
{
    /// <summary>The candidate role, under the name the task list has always used.</summary>
    public string Role => CandidateRole;
}

public sealed record TaskCounts(int Mine, int Unclaimed, int Workable, int Overdue, int DueToday);

public enum TaskBulkAction { Claim, Release, Reassign }

/// <summary>A bulk action; <see cref="ExpectedRevisions"/> optionally gives, per task id, the revision the screen showed.</summary>
public sealed record TaskBulkRequest(TaskBulkAction Action, IReadOnlyList<string> TaskIds, string? Assignee = null,
    IReadOnlyDictionary<string, long>? ExpectedRevisions = null);

/// <summary>The result for one task of a bulk action: 200, or the status and message a single action would have had.</summary>
public sealed record TaskActionResult(string TaskId, int Status, string? Error, string? Assignee, long? Revision);

public sealed record TaskDelegation(long Id, string Delegator, string Delegate, DateOnly From, DateOnly To, bool ActiveToday);

public sealed record TaskDelegationRequest(string? Delegate, DateOnly? From, DateOnly? To);

public sealed record SavedTaskFilter(long Id, string Name, TaskView View, TaskFilter? Filter, TaskSort Sort, bool Descending);

public sealed record SavedTaskFilterRequest(string? Name, TaskView View, TaskFilter? Filter, TaskSort Sort = TaskSort.RemainingWorkingTime, bool Descending = false);

/// <summary>Supervisors' board: open work per person and per group.</summary>
public sealed record TaskBoard(IReadOnlyList<PersonWorkload> People, IReadOnlyList<GroupWorkload> Groups, int Open, int Overdue, int Escalated);

public sealed record PersonWorkload(string UserName, int Open, int Overdue, int Escalated, int DueToday);

public sealed record GroupWorkload(string Role, int Unclaimed, int Claimed, int Overdue, int Escalated);

/// <summary>
/// The staff workspace's tasks: lists, counts, and every action on a task. Owns "who may work this": a user may work an
/// open task assigned to them or to someone they stand in for (an active out-of-office delegation), or an unclaimed task
/// of one of their roles or of the group it was escalated to. A task for the Member role is bound to that member: any
/// other caller gets "not found". Actions are journalled on the task's instance with the actor and guarded by the task's
/// revision and the instance's; a lost race is <see cref="TaskConflictException"/> (409) naming who has the task.
/// </summary>
public interface ITaskService
{
    Task<TaskPage> ListAsync(TaskCaller caller, TaskQuery query, CancellationToken ct = default);
    Task<TaskCounts> CountAsync(TaskCaller caller, TaskFilter? filter = null, CancellationToken ct = default);
    /// <summary>The task if the caller may see it (may work it, or is a supervisor); otherwise <see cref="TaskNotFoundException"/>.</summary>
    Task<TaskItem> GetAsync(TaskCaller caller, string taskId, CancellationToken ct = default);

    Task<TaskItem> ClaimAsync(TaskCaller caller, string taskId, long? expectedRevision = null, CancellationToken ct = default);
    Task<TaskItem> ReleaseAsync(TaskCaller caller, string taskId, long? expectedRevision = null, CancellationToken ct = default);
    /// <summary>Supervisor: assigns (or reassigns) the task to a user who may work it; null assignee returns it to its group.</summary>
    Task<TaskItem> AssignAsync(TaskCaller caller, string taskId, string? assignee, long? expectedRevision = null, CancellationToken ct = default);
    /// <summary>The assignee sets (or clears) the follow-up date.</summary>
    Task<TaskItem> SetFollowUpAsync(TaskCaller caller, string taskId, DateTimeOffset? followUpAt, long? expectedRevision = null, CancellationToken ct = default);
    Task<IReadOnlyList<TaskActionResult>> BulkAsync(TaskCaller caller, TaskBulkRequest request, CancellationToken ct = default);
    /// <summary>Completes the task (resumes its workflow). The caller must hold it, or it must be unclaimed in their groups (claim and complete in one go).</summary>
    Task<StepResult> CompleteAsync(TaskCaller caller, string taskId, string? outcome, JsonObject? data, string idempotencyKey, CancellationToken ct = default);

    Task<IReadOnlyList<TaskDelegation>> DelegationsAsync(TaskCaller caller, CancellationToken ct = default);
    Task<TaskDelegation> SetDelegationAsync(TaskCaller caller, TaskDelegationRequest request, CancellationToken ct = default);
    Task RemoveDelegationAsync(TaskCaller caller, long id, CancellationToken ct = default);

    Task<IReadOnlyList<SavedTaskFilter>> SavedFiltersAsync(TaskCaller caller, CancellationToken ct = default);
    Task<SavedTaskFilter> SaveFilterAsync(TaskCaller caller, SavedTaskFilterRequest request, CancellationToken ct = default);
    Task RemoveFilterAsync(TaskCaller caller, long id, CancellationToken ct = default);

    /// <summary>Supervisor: workload per person and per group.</summary>
    Task<TaskBoard> BoardAsync(TaskCaller caller, CancellationToken ct = default);
}

/// <summary>No such open task for this caller (also when it exists but is bound to another member): 404.</summary>
public sealed class TaskNotFoundException(string taskId) : Exception($"没有编号为 {taskId} 的待办任务，或您无权查看。 There is no open task {taskId} for you.")
{
    public string TaskId { get; } = taskId;
}

/// <summary>Someone else has the task, or it changed since it was read: 409, naming who has it.</summary>
public sealed class TaskConflictException(string message, string? heldBy, long? revision) : Exception(message)
{
    public string? HeldBy { get; } = heldBy;
    public long? Revision { get; } = revision;
}

/// <summary>The caller may see the task but not do this to it (e.g. release a task someone else holds, assign without being a supervisor): 403.</summary>
public sealed class TaskActionForbiddenException(string message) : Exception(message);

/// <summary>A request that makes no sense (unknown assignee, a delegation ending before it starts…): 400 naming the field.</summary>
public sealed class TaskRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
