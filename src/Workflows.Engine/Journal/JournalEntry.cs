using System.Text.Json.Nodes;

namespace Workflows.Engine.Runtime;

/// <summary>
/// One append-only journal record. Every entry carries the hash of the previous entry of its instance,
/// so editing or deleting any entry breaks the chain at that point.
/// </summary>
public sealed record JournalEntry
{
    public required string InstanceId { get; init; }
    public required long Sequence { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string EventName { get; init; }
    public string? ActivityId { get; init; }
    public string? ActivityNodeId { get; init; }
    public string? ActivityType { get; init; }
    public string? ActivityName { get; init; }
    public string? ActivityInstanceId { get; init; }
    public string? BookmarkId { get; init; }
    public required string DefinitionVersionId { get; init; }
    public required int Version { get; init; }
    public required string ActorId { get; init; }
    public required string ActorRole { get; init; }
    public string? Message { get; init; }
    /// <summary>Inputs, outputs or resume data, with sensitive values already redacted.</summary>
    public JsonObject? Payload { get; init; }
    public required string PreviousHash { get; init; }
    public required string Hash { get; init; }
}

/// <summary>The journal's event names.</summary>
public static class JournalEvents
{
    public const string WorkflowStarted = "WorkflowStarted";
    public const string WorkflowFinished = "WorkflowFinished";
    public const string WorkflowFaulted = "WorkflowFaulted";
    public const string WorkflowCancelled = "WorkflowCancelled";
    public const string ActivityStarted = "Started";
    public const string ActivityCompleted = "Completed";
    public const string ActivityFaulted = "Faulted";
    public const string BookmarkCreated = "BookmarkCreated";
    public const string BookmarkResumed = "BookmarkResumed";
    public const string BookmarkCancelled = "BookmarkCancelled";
    public const string IncidentRetried = "IncidentRetried";
    /// <summary>Before a retry, staff corrected the instance's input or variables (the entry lists the fields, not the values).</summary>
    public const string IncidentDataCorrected = "IncidentDataCorrected";
    /// <summary>A task's service-level deadline passed while it was open: it was escalated.</summary>
    public const string TaskEscalated = "TaskEscalated";
    /// <summary>A waiting instance was moved to another version of its workflow (one entry per instance, with the actor).</summary>
    public const string InstanceMigrated = "InstanceMigrated";
}
