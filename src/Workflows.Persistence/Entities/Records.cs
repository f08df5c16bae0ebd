using Microsoft.AspNetCore.Identity;

namespace Workflows.Persistence.Entities;

/// <summary>A back-office user (ASP.NET Core Identity). Members are linked to their insured person by <see cref="MemberId"/> in later issues.</summary>
public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";
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
/// Written in the same transaction as whatever caused it, then handed to Quartz (when it is due later) or Hangfire (when
/// it is due now); a row not yet Done is handed over again at startup. <see cref="Key"/> makes each piece of work unique.
/// </summary>
public sealed class ScheduledWorkRecord
{
    public string Id { get; set; } = "";
    public string Key { get; set; } = "";
    public string Kind { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public string PayloadJson { get; set; } = "{}";
    /// <summary>Pending → Scheduled (Quartz holds a trigger) → Queued (Hangfire holds a job) → Done, or Failed after the last retry.</summary>
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public string? Result { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DoneAt { get; set; }
}
