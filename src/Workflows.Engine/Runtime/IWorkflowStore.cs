using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>
/// What the runtime needs from storage. <see cref="CommitAsync"/> is the heart: one execution step's instance state,
/// bookmarks, journal entries and idempotency record are written in one transaction, or not at all.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>The version id of the published version of a definition, or null if none is published.</summary>
    Task<string?> GetPublishedVersionIdAsync(string definitionId, CancellationToken ct = default);
    Task<WorkflowDefinition?> GetDefinitionVersionAsync(string versionId, CancellationToken ct = default);
    Task<WorkflowInstance?> LoadInstanceAsync(string instanceId, CancellationToken ct = default);
    /// <summary>The instance waiting on the bookmark (with all its bookmarks), read on one connection; null if no such bookmark is open.</summary>
    Task<WorkflowInstance?> LoadInstanceByBookmarkAsync(string bookmarkId, CancellationToken ct = default);
    /// <summary>True if the journal shows this bookmark was resumed or cancelled already.</summary>
    Task<bool> WasBookmarkClosedAsync(string bookmarkId, CancellationToken ct = default);
    Task<StoredCommand?> FindCommandAsync(string idempotencyKey, CancellationToken ct = default);

    /// <summary>
    /// Atomically stores a step. Throws <see cref="ConcurrencyConflictException"/> if the instance's revision is no longer
    /// <see cref="StepCommit.ExpectedRevision"/>, and <see cref="DuplicateCommandException"/> if the idempotency key was recorded meanwhile.
    /// </summary>
    Task CommitAsync(StepCommit commit, CancellationToken ct = default);

    Task<IReadOnlyList<Bookmark>> GetDueTimersAsync(DateTimeOffset now, int take, CancellationToken ct = default);
    Task<IReadOnlyList<Bookmark>> FindEventBookmarksAsync(string eventName, string? correlationKey, CancellationToken ct = default);
    Task<IReadOnlyList<JournalEntry>> GetJournalAsync(string instanceId, CancellationToken ct = default);
}

/// <summary>One step to store: the instance after the step, what changed in its bookmarks, the new journal entries, the effects.</summary>
public sealed record StepCommit(
    WorkflowInstance Instance,
    long ExpectedRevision,
    IReadOnlyList<Bookmark> CreatedBookmarks,
    IReadOnlyList<string> RemovedBookmarkIds,
    IReadOnlyList<JournalEntry> Journal,
    IdempotencyRecord? Command,
    IReadOnlyList<StepEffect>? Effects = null);

/// <summary>
/// A change outside the engine's own tables that an activity asks for (e.g. reserve a quota, record an application's
/// status): applied by an <see cref="IStepEffectHandler"/> inside the step's transaction, so it happens exactly when the step does.
/// </summary>
public sealed record StepEffect(string Type, System.Text.Json.Nodes.JsonObject Data, string ActivityId);

/// <summary>A domain object that may refuse an effect at commit (e.g. a quota used up meanwhile); the whole step is then not stored.</summary>
public sealed class EffectRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>A command's idempotency key with a fingerprint of what it asked, and the result it produced.</summary>
public sealed record IdempotencyRecord(string Key, string Fingerprint, string InstanceId, string ResultJson, DateTimeOffset CreatedAt);

public sealed record StoredCommand(string Key, string Fingerprint, string InstanceId, string ResultJson);

/// <summary>Another command changed the instance first; this one was not applied and may be retried.</summary>
public sealed class ConcurrencyConflictException(string instanceId)
    : Exception($"Workflow instance {instanceId} was changed by another command at the same time; this command was not applied. Reload and try again.")
{
    public string InstanceId { get; } = instanceId;
}

/// <summary>The idempotency key was recorded by a concurrent duplicate of this command.</summary>
public sealed class DuplicateCommandException(string key) : Exception($"Command {key} was already recorded.")
{
    public string Key { get; } = key;
}
