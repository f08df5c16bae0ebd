using Microsoft.AspNetCore.Identity;

namespace Workflows.Persistence.Entities;

/// <summary>
/// A back-office user (ASP.NET Core Identity): staff, created by an Admin, or a member (insured, guardian, agent), created
/// by the policy feed and matched to their person by <see cref="IdNumberHash"/>, a keyed hash of the ID number (the plain
/// number is never stored here).
/// </summary>
public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
    /// <summary>Members only: HMAC-SHA256 of the normalised ID number under the installation's key (hex); unique.</summary>
    public string? IdNumberHash { get; set; }
    /// <summary>Members only: when they set their password with a one-time code. Null: not activated yet (cannot sign in).</summary>
    public DateTimeOffset? ActivatedAt { get; set; }
    /// <summary>Disabled users cannot sign in, and their sessions and tokens stop working at once.</summary>
    public DateTimeOffset? DisabledAt { get; set; }
    public DateTimeOffset? LastSignInAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A one-time code sent to a member to activate the account or reset the password. Only a keyed hash of the code is
/// stored; it expires, is used once, and dies after a few wrong tries.
/// </summary>
public sealed class OneTimeCodeRecord
{
    public string Id { get; set; } = "";
    public string UserId { get; set; } = "";
    /// <summary>activate or reset.</summary>
    public string Purpose { get; set; } = "";
    public string CodeHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public int FailedAttempts { get; set; }
}

/// <summary>One change an Admin made to users, roles or policies: who, when, what, to whom. Never holds passwords or ID numbers.</summary>
public sealed class AdminAuditRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Actor { get; set; } = "";
    /// <summary>user-created, user-disabled, user-enabled, password-reset, roles-changed, policy-amended, admin-created…</summary>
    public string Action { get; set; } = "";
    /// <summary>The user name or policy number changed.</summary>
    public string Target { get; set; } = "";
    /// <summary>What changed, in words (e.g. "roles: Specialist → Specialist, CaseManager").</summary>
    public string Detail { get; set; } = "";
}

/// <summary>One version of a workflow definition; <see cref="Json"/> is the full Elsa 3 JSON.</summary>
public sealed class DefinitionRecord
{
    public string Id { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public int Version { get; set; }
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool IsLatest { get; set; }
    public bool IsPublished { get; set; }
    public string ContentHash { get; set; } = "";
    public string Json { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    /// <summary>Where the version came from: file (workflows/), designer, api, revert.</summary>
    public string Source { get; set; } = "";
}

public sealed class InstanceRecord
{
    public string Id { get; set; } = "";
    public string DefinitionId { get; set; } = "";
    public string DefinitionVersionId { get; set; } = "";
    public int Version { get; set; }
    public string? Name { get; set; }
    public string? CorrelationId { get; set; }
    public string Status { get; set; } = "";
    public string SubStatus { get; set; } = "";
    public string StateJson { get; set; } = "{}";
    public string? IncidentJson { get; set; }
    public long Revision { get; set; }
    public long JournalSequence { get; set; }
    public string LastJournalHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public sealed class BookmarkRecord
{
    public string Id { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public string ActivityId { get; set; } = "";
    public string ActivityNodeId { get; set; } = "";
    public string ActivityType { get; set; } = "";
    public string ActivityInstanceId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string? CorrelationKey { get; set; }
    public DateTimeOffset? ResumeAt { get; set; }
    public string? PayloadJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Append-only: SQLite triggers refuse UPDATE and DELETE on this table.</summary>
public sealed class JournalRecord
{
    public long Id { get; set; }
    public string InstanceId { get; set; } = "";
    public long Sequence { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public string EventName { get; set; } = "";
    public string? ActivityId { get; set; }
    public string? ActivityNodeId { get; set; }
    public string? ActivityType { get; set; }
    public string? ActivityName { get; set; }
    public string? ActivityInstanceId { get; set; }
    public string? BookmarkId { get; set; }
    public string DefinitionVersionId { get; set; } = "";
    public int Version { get; set; }
    public string ActorId { get; set; } = "";
    public string ActorRole { get; set; } = "";
    public string? Message { get; set; }
    public string? PayloadJson { get; set; }
    public string PreviousHash { get; set; } = "";
    public string Hash { get; set; } = "";
}

/// <summary>An executed command's idempotency key and its result: a retry with the same key returns this result.</summary>
public sealed class CommandRecord
{
    public string Key { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public string ResultJson { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The access trail: who called which endpoint, when, with what result. Auditors read it; nothing deletes it.</summary>
public sealed class AccessLogRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string UserId { get; set; } = "";
    public string? UserName { get; set; }
    public string Roles { get; set; } = "";
    public string Method { get; set; } = "";
    public string Path { get; set; } = "";
    public int StatusCode { get; set; }
    public string? InstanceId { get; set; }
    /// <summary>What was read or revealed and why, when the endpoint says (e.g. "reveal idNumber: 核实身份"); never the value itself.</summary>
    public string? Detail { get; set; }
}

/// <summary>
/// One piece of scheduled or queued work (the outbox): a workflow timer, an SLA deadline, a reminder, a summary run.
/// Written in the same transaction as whatever caused it; once due, a node claims it in a batch (a conditional update:
/// Queued, <see cref="ClaimedBy"/>, <see cref="LockedUntil"/>) and runs it, or hands it to Hangfire. A claim whose lease
/// ran out (its node died) is claimed again by any node. <see cref="Key"/> makes each piece of work unique.
/// </summary>
public sealed class ScheduledWorkRecord
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public string Kind { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public string PayloadJson { get; set; } = "{}";
    /// <summary>
    /// Pending (waiting for <see cref="DueAt"/>) → Queued (claimed by a node, or held by Hangfire) → Done, or Failed after the
    /// last retry. Scheduled (a Quartz trigger per row) is only found in databases from before the claim path; it is
    /// moved back to Pending at startup.
    /// </summary>
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public string? Result { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DoneAt { get; set; }
    /// <summary>The node (Scheduling:NodeName) that last claimed the work; kept after it is done, for the record.</summary>
    public string? ClaimedBy { get; set; }
    /// <summary>
    /// While Queued: the end of the claiming node's lease; after it any node may claim the work again (the node died or
    /// stalled). Null when the work is not claimed in-process (Pending, Done, or Queued in Hangfire's hands).
    /// </summary>
    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>
/// The state of an instance right after one committed step (its journal up to <see cref="Sequence"/>): status and
/// variables, sensitive values masked. Auditors open it as "the state at this step". Append-only, like the journal.
/// </summary>
public sealed class StateSnapshotRecord
{
    public long Id { get; set; }
    public string InstanceId { get; set; } = "";
    /// <summary>The last journal entry of the step.</summary>
    public long Sequence { get; set; }
    public DateTimeOffset At { get; set; }
    public string Status { get; set; } = "";
    public string SubStatus { get; set; } = "";
    public string VariablesJson { get; set; } = "{}";
    public string? Incident { get; set; }
}

/// <summary>
/// A legal hold on a case (instance) or on a member: while it is active nothing about the subject may be deleted, by
/// retention or by request. Placing and releasing are recorded (who, when, why); holds are never deleted.
/// </summary>
public sealed class LegalHoldRecord
{
    public string Id { get; set; } = "";
    /// <summary>Case (a workflow instance id) or Member (a member's user name).</summary>
    public string SubjectKind { get; set; } = "";
    public string SubjectId { get; set; } = "";
    public string Reason { get; set; } = "";
    public string PlacedBy { get; set; } = "";
    public DateTimeOffset PlacedAt { get; set; }
    public string? ReleasedBy { get; set; }
    public DateTimeOffset? ReleasedAt { get; set; }
    public string? ReleaseReason { get; set; }
}
