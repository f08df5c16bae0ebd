using System.Text.Json.Nodes;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Studio;

/// <summary>
/// One instance as Elsa Studio's viewer sees it, read from the engine's store: the instance, its hash-chained journal, and
/// the activity executions the journal records (Elsa keeps those in a table of their own; here each is the run of one
/// activity instance id, from its Started entry to its Completed, Faulted or cancelled bookmark).
/// </summary>
public sealed class InstanceHistory
{
    /// <summary>Journal payloads as staff see them: masked by key and by content again on reading (entries written before content masking hold raw text).</summary>
    private static System.Text.Json.Nodes.JsonObject? Masked(System.Text.Json.Nodes.JsonObject? payload) =>
        payload is null ? null : Workflows.Engine.Runtime.Redactor.Default.RedactObject(payload);

    /// <summary>Workflow-level journal entries carry this activity type, which Studio's journal leaves out.</summary>
    public const string WorkflowActivityType = "Elsa.Workflow";
    public const string WorkflowNodeId = "Workflow1";

    public required WorkflowInstance Instance { get; init; }
    public required IReadOnlyList<JournalEntry> Journal { get; init; }
    public IReadOnlyList<ActivityExecution> Executions => _executions ??= Derive();
    private IReadOnlyList<ActivityExecution>? _executions;

    public static async Task<InstanceHistory> LoadAsync(IWorkflowStore store, string instanceId, CancellationToken ct)
    {
        var instance = await store.LoadInstanceAsync(instanceId, ct) ?? throw new InstanceNotFoundException(instanceId);
        return new InstanceHistory { Instance = instance, Journal = await store.GetJournalAsync(instanceId, ct) };
    }

    /// <summary>Elsa's <c>WorkflowExecutionLogRecord</c> for a journal entry.</summary>
    public LogRecord ToLogRecord(JournalEntry e) => new(
        Id: $"{e.InstanceId}:{e.Sequence}",
        WorkflowInstanceId: e.InstanceId,
        ActivityInstanceId: e.ActivityInstanceId ?? e.InstanceId,
        ParentActivityInstanceId: e.ActivityInstanceId is null ? null : e.InstanceId,
        ActivityId: e.ActivityId ?? WorkflowNodeId,
        ActivityType: e.ActivityType ?? WorkflowActivityType,
        ActivityTypeVersion: 1,
        ActivityName: e.ActivityName ?? Instance.Name,
        NodeId: e.ActivityNodeId ?? WorkflowNodeId,
        Timestamp: e.Timestamp,
        Sequence: e.Sequence,
        EventName: e.EventName,
        Message: e.Message,
        // The role that acted, not the user: the viewer is open to more roles than the raw journal (ReadJournal).
        Source: e.ActorRole,
        ActivityState: Masked(e.Payload)?["inputs"]?.DeepClone().AsObject(),
        Payload: Masked(e.Payload)?.DeepClone().AsObject());

    public sealed record LogRecord(string Id, string WorkflowInstanceId, string ActivityInstanceId, string? ParentActivityInstanceId, string ActivityId,
        string ActivityType, int ActivityTypeVersion, string? ActivityName, string NodeId, DateTimeOffset Timestamp, long Sequence, string EventName,
        string? Message, string? Source, JsonObject? ActivityState, JsonObject? Payload);

    private List<ActivityExecution> Derive()
    {
        var byId = new Dictionary<string, ActivityExecution>(StringComparer.Ordinal);
        var order = new List<ActivityExecution>();
        foreach (var e in Journal.Where(e => e.ActivityInstanceId is not null && e.ActivityId is not null && !e.EventName.StartsWith("Workflow", StringComparison.Ordinal)))
        {
            if (!byId.TryGetValue(e.ActivityInstanceId!, out var x))
            {
                byId[e.ActivityInstanceId!] = x = new ActivityExecution
                {
                    Id = e.ActivityInstanceId!,
                    WorkflowInstanceId = e.InstanceId,
                    ActivityId = e.ActivityId!,
                    ActivityNodeId = e.ActivityNodeId ?? e.ActivityId!,
                    ActivityType = e.ActivityType ?? "",
                    ActivityName = e.ActivityName,
                    StartedAt = e.Timestamp,
                };
                order.Add(x);
            }
            switch (e.EventName)
            {
                case JournalEvents.ActivityStarted:
                    x.StartedAt = e.Timestamp;
                    x.ActivityState = Masked(e.Payload)?["inputs"]?.DeepClone().AsObject() ?? [];
                    break;
                case JournalEvents.BookmarkCreated:
                    x.HasBookmarks = true;
                    x.Payload["bookmark"] = Masked(e.Payload)?.DeepClone();
                    break;
                case JournalEvents.BookmarkResumed:
                    x.Payload["resumed"] = Masked(e.Payload)?.DeepClone();
                    break;
                case JournalEvents.BookmarkCancelled:
                    x.Status = "Canceled";
                    x.CompletedAt = e.Timestamp;
                    break;
                case JournalEvents.ActivityCompleted:
                    x.Status = "Completed";
                    x.CompletedAt = e.Timestamp;
                    x.Exception = null;
                    x.Payload["outcomes"] = Masked(e.Payload)?["outcomes"]?.DeepClone();
                    if (Masked(e.Payload)?["output"] is JsonObject output) x.Outputs = output.DeepClone().AsObject();
                    break;
                case JournalEvents.ActivityFaulted:
                    x.Status = "Faulted";
                    x.AggregateFaultCount++;
                    x.Exception = new JsonObject { ["type"] = "ActivityFault", ["message"] = e.Message, ["stackTrace"] = null, ["innerException"] = null };
                    break;
            }
        }
        return order;
    }

    /// <summary>The node ids of activities waiting on an open bookmark now.</summary>
    public HashSet<string> BlockedNodeIds() => Instance.Bookmarks.Select(b => b.ActivityNodeId).ToHashSet(StringComparer.Ordinal);
}

/// <summary>Elsa's <c>ActivityExecutionRecord</c>.</summary>
public sealed class ActivityExecution
{
    public required string Id { get; init; }
    public required string WorkflowInstanceId { get; init; }
    public required string ActivityId { get; init; }
    public required string ActivityNodeId { get; init; }
    public required string ActivityType { get; init; }
    public int ActivityTypeVersion => 1;
    public string? ActivityName { get; init; }
    public JsonObject ActivityState { get; set; } = [];
    public JsonObject Payload { get; } = [];
    public JsonObject? Outputs { get; set; }
    public JsonObject Properties { get; } = [];
    public JsonObject Metadata { get; } = [];
    public JsonObject? Exception { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public bool HasBookmarks { get; set; }
    /// <summary>Elsa's ActivityStatus: Running, Completed, Canceled, Faulted.</summary>
    public string Status { get; set; } = "Running";
    public int AggregateFaultCount { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? SchedulingActivityExecutionId => null;
    public string? SchedulingActivityId => null;
    public string? SchedulingWorkflowInstanceId => null;
    /// <summary>Our flowcharts are flat: every activity runs directly in the root flowchart.</summary>
    public int CallStackDepth => 1;

    public Summary ToSummary() => new(Id, WorkflowInstanceId, ActivityId, ActivityNodeId, ActivityType, ActivityTypeVersion, ActivityName, StartedAt,
        HasBookmarks, Status, CompletedAt, Metadata);

    public sealed record Summary(string Id, string WorkflowInstanceId, string ActivityId, string ActivityNodeId, string ActivityType, int ActivityTypeVersion,
        string? ActivityName, DateTimeOffset StartedAt, bool HasBookmarks, string Status, DateTimeOffset? CompletedAt, JsonObject Metadata);
}
