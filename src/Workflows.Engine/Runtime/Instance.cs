using System.Text.Json.Nodes;

namespace Workflows.Engine.Runtime;

/// <summary>Elsa's instance status: Running until it finishes.</summary>
public enum WorkflowStatus { Running, Finished }

/// <summary>Elsa's sub-status; Faulted instances stay Running with an incident until retried or cancelled.</summary>
public enum WorkflowSubStatus { Pending, Executing, Suspended, Finished, Cancelled, Faulted }

/// <summary>Who acted: a signed-in user with the role they acted in, or the system (timers, imports).</summary>
public sealed record Actor(string Id, string Role)
{
    public static readonly Actor System = new("system", "system");
    public override string ToString() => $"{Id} ({Role})";
}

/// <summary>A running (or finished) workflow: which version it runs, its variables, its open bookmarks.</summary>
public sealed class WorkflowInstance
{
    public required string Id { get; init; }
    public required string DefinitionId { get; init; }
    public required string DefinitionVersionId { get; init; }
    public required int Version { get; init; }
    public string? Name { get; set; }
    public string? CorrelationId { get; init; }
    public WorkflowStatus Status { get; set; } = WorkflowStatus.Running;
    public WorkflowSubStatus SubStatus { get; set; } = WorkflowSubStatus.Pending;
    public InstanceState State { get; set; } = new();
    public List<Bookmark> Bookmarks { get; set; } = [];
    public Incident? Incident { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Optimistic-concurrency token: the store only accepts a step that read the current revision.</summary>
    public long Revision { get; set; }
    /// <summary>Sequence number of the last journal entry.</summary>
    public long JournalSequence { get; set; }
    /// <summary>Hash of the last journal entry; the next entry chains to it.</summary>
    public string LastJournalHash { get; set; } = JournalChain.GenesisHash;
    /// <summary>True until the first step commits.</summary>
    public bool IsNew { get; set; }
}

/// <summary>The serialised part of an instance: variables, input, join arrivals and, after a fault, the work still to do.</summary>
public sealed class InstanceState
{
    public Dictionary<string, JsonNode?> Variables { get; set; } = new(StringComparer.Ordinal);
    public JsonObject? Input { get; set; }
    /// <summary>Per join activity: the inbound connections that have arrived since it last fired.</summary>
    public Dictionary<string, List<string>> JoinArrivals { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Work scheduled but not yet run; only non-empty while the instance is faulted.</summary>
    public List<WorkItem> Pending { get; set; } = [];
    /// <summary>
    /// Per activity instance (its id): what the activity kept when it started and reads when it resumes, like Elsa's
    /// activity execution context properties (e.g. which question a consultation task answers, when several are open at
    /// once). Removed when the activity instance completes or is cancelled.
    /// </summary>
    public Dictionary<string, JsonObject> ActivityState { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>An activity scheduled to run, and the connection that scheduled it (for joins).</summary>
public sealed record WorkItem(string ActivityId, string? Via = null);

/// <summary>A point where an instance waits: a human task, a timer or an external event.</summary>
public sealed record Bookmark
{
    public required string Id { get; init; }
    public required string InstanceId { get; init; }
    public required string ActivityId { get; init; }
    public required string ActivityNodeId { get; init; }
    public required string ActivityType { get; init; }
    public required string ActivityInstanceId { get; init; }
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public string? CorrelationKey { get; init; }
    public DateTimeOffset? ResumeAt { get; init; }
    public JsonObject? Payload { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Why an instance is faulted, and what a retry will run again.</summary>
public sealed record Incident
{
    public required string ActivityId { get; init; }
    public required string ActivityNodeId { get; init; }
    public required string ActivityType { get; init; }
    public required string Message { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>Set when the fault happened while resuming a bookmark: retrying resumes it again with the same input.</summary>
    public Bookmark? ResumedBookmark { get; init; }
    public string? ResumeOutcome { get; init; }
    public JsonObject? ResumeData { get; init; }
}

/// <summary>What a start or resume command returns; also stored with its idempotency key.</summary>
public sealed record StepResult
{
    public required string InstanceId { get; init; }
    public required string DefinitionId { get; init; }
    public required int Version { get; init; }
    public required WorkflowStatus Status { get; init; }
    public required WorkflowSubStatus SubStatus { get; init; }
    public required IReadOnlyList<OpenBookmark> Bookmarks { get; init; }
    public string? Incident { get; init; }
    /// <summary>True when this result was stored earlier under the same idempotency key and the command did not run again.</summary>
    public bool Replayed { get; init; }

    public static StepResult From(WorkflowInstance i) => new()
    {
        InstanceId = i.Id,
        DefinitionId = i.DefinitionId,
        Version = i.Version,
        Status = i.Status,
        SubStatus = i.SubStatus,
        Bookmarks = i.Bookmarks.Select(b => new OpenBookmark(b.Id, b.Kind, b.Name, b.ActivityId, b.ResumeAt)).ToList(),
        Incident = i.Incident?.Message,
    };
}

public sealed record OpenBookmark(string Id, string Kind, string Name, string ActivityId, DateTimeOffset? ResumeAt);

/// <summary>A change to an open bookmark: its new payload, the journal entry that records why, and the effects committed with it.</summary>
public sealed record BookmarkChange(string EventName, JsonObject Payload, string Message, JsonObject? JournalPayload, IReadOnlyList<StepEffect> Effects);
