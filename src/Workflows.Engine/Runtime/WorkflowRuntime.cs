using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workflows.Engine.Activities;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

public sealed record WorkflowRuntimeOptions
{
    public int MaxActivitiesPerStep { get; init; } = 1_000;
    public IReadOnlyList<string> SensitiveKeys { get; init; } = Redactor.DefaultSensitiveKeys;
    /// <summary>The keys that chain the journal (HMAC); unkeyed (plain SHA-256) unless the host loads a key ring.</summary>
    public JournalKeyRing JournalKeys { get; init; } = JournalKeyRing.Unkeyed;
}

/// <summary>
/// Starts, resumes and retries instances: load → run one step in memory → commit atomically. New instances run the
/// published version; a running instance always continues on the version it started on.
/// </summary>
public sealed class WorkflowRuntime(
    IWorkflowStore store,
    ActivityRegistry registry,
    ExpressionEvaluator evaluator,
    TimeProvider clock,
    IServiceProvider services,
    WorkflowRuntimeOptions options,
    ILogger<WorkflowRuntime> logger)
{
    private readonly ConcurrentDictionary<string, CompiledWorkflow> _compiled = new(StringComparer.Ordinal);
    private readonly Redactor _redactor = new(options.SensitiveKeys);

    public ActivityRegistry Registry => registry;
    public Redactor Redactor => _redactor;

    /// <summary>Starts a new instance of the published version of <paramref name="definitionId"/> and runs it to its first bookmark or its end.</summary>
    public async Task<StepResult> StartAsync(string definitionId, JsonElement? input, Actor actor, string? correlationId = null,
        string? idempotencyKey = null, CancellationToken ct = default, IReadOnlyList<StepEffect>? startEffects = null, string? commandFingerprint = null)
    {
        // The whole command: the definition, the input and the correlation id (or what the caller says the command was,
        // when its input carries ids it generated itself, as an application does).
        var fingerprint = commandFingerprint ?? $"start:{definitionId}:{Digest(input?.GetRawText(), correlationId)}";
        idempotencyKey = ScopeKey(idempotencyKey, actor);
        var versionId = await store.GetPublishedVersionIdAsync(definitionId, ct)
                        ?? throw new WorkflowNotFoundException($"Workflow '{definitionId}' has no published version.");
        var workflow = await CompiledVersionAsync(versionId, definitionId, ct);
        var definition = workflow.Definition;
        var now = clock.GetUtcNow();
        var instance = new WorkflowInstance
        {
            Id = Ids.New(),
            DefinitionId = definition.DefinitionId!,
            DefinitionVersionId = definition.Id!,
            Version = definition.Version,
            Name = definition.Name,
            CorrelationId = correlationId,
            CreatedAt = now,
            UpdatedAt = now,
            IsNew = true,
        };
        foreach (var v in definition.Variables)
            instance.State.Variables[v.Name] = v.Value?.DeepClone();
        if (input is { ValueKind: JsonValueKind.Object } i)
            instance.State.Input = System.Text.Json.Nodes.JsonObject.Create(i);

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instance.Id });
        var execution = NewExecution(workflow, instance, actor, ct);
        if (startEffects is not null) execution.Effects.AddRange(startEffects);
        await execution.StartAsync();
        var result = await CommitAsync(execution, expectedRevision: 0, idempotencyKey, fingerprint, ct);
        if (result.Replayed)
            logger.LogInformation("Start of {DefinitionId} answered from its idempotency record: {InstanceId}", definitionId, result.InstanceId);
        else
            logger.LogInformation("Started {DefinitionId} v{Version} as {InstanceId}: {SubStatus}", instance.DefinitionId, instance.Version, instance.Id, instance.SubStatus);
        return result;
    }

    /// <summary>
    /// Resumes the instance waiting on <paramref name="bookmarkId"/> and runs it to its next bookmark or its end.
    /// <paramref name="authorize"/> sees the bookmark before anything runs; it throws to refuse, or returns the acting principal.
    /// </summary>
    public async Task<StepResult> ResumeAsync(string bookmarkId, ResumeInput input, Actor actor, string? idempotencyKey,
        CancellationToken ct = default, Func<Bookmark, WorkflowInstance, Actor>? authorize = null)
    {
        var fingerprint = $"resume:{bookmarkId}:{Digest(JsonSerializer.Serialize(input, WorkflowJson.Options))}";
        idempotencyKey = ScopeKey(idempotencyKey, actor);
        // A command seen before is answered from its record. That is only looked up when the bookmark is gone (the usual
        // retry) or at commit (the key's unique constraint), so a first attempt costs no extra read.
        var instance = await store.LoadInstanceByBookmarkAsync(bookmarkId, ct);
        // A concurrent command may close the bookmark between the two reads of the load: treat that like "already gone".
        var bookmark = instance?.Bookmarks.FirstOrDefault(b => b.Id == bookmarkId);
        if (instance is null || bookmark is null)
        {
            if (await ReplayAsync(idempotencyKey, fingerprint, ct) is { } replay) return replay;
            throw await store.WasBookmarkClosedAsync(bookmarkId, ct)
                ? new BookmarkClosedException(bookmarkId)
                : new BookmarkNotFoundException(bookmarkId);
        }
        if (instance.SubStatus == WorkflowSubStatus.Faulted)
            throw new InstanceStateException($"Workflow instance {instance.Id} is faulted ({instance.Incident?.Message}); retry the incident first.");
        // The caller may check the bookmark (e.g. the task's role) and decide in which role the actor acts.
        if (authorize is not null) actor = authorize(bookmark, instance);
        // A human task's completion is checked against its form before anything runs: refused, nothing changes.
        if (bookmark.Kind == BookmarkKinds.HumanTask && services.GetService(typeof(IEnumerable<Activities.Forms.ITaskCompletionGuard>)) is IEnumerable<Activities.Forms.ITaskCompletionGuard> guards)
            foreach (var guard in guards) input = await guard.CheckAsync(bookmark, instance, input, ct);

        // Free text typed with it is kept encrypted outside the workflow, in this step's transaction; the workflow gets references.
        IReadOnlyList<StepEffect> kept = [];
        if (bookmark.Kind == BookmarkKinds.HumanTask && services.GetService(typeof(Activities.Forms.IFreeTextKeeper)) is Activities.Forms.IFreeTextKeeper keeper)
            (input, kept) = keeper.Split(bookmark, instance, input, actor);

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instance.Id });
        var revision = instance.Revision;
        var execution = NewExecution(await CompiledVersionAsync(instance.DefinitionVersionId, instance.DefinitionId, ct), instance, actor, ct);
        execution.Effects.AddRange(kept);
        await execution.ResumeAsync(bookmark, input);
        var result = await CommitAsync(execution, revision, idempotencyKey, fingerprint, ct);
        logger.LogInformation("Resumed {BookmarkKind} bookmark of {InstanceId}: {SubStatus}", bookmark.Kind, instance.Id, instance.SubStatus);
        return result;
    }

    /// <summary>Runs a faulted instance's failed activity again, then whatever was scheduled after it.</summary>
    public async Task<StepResult> RetryAsync(string instanceId, Actor actor, string? idempotencyKey = null, CancellationToken ct = default,
        IncidentCorrection? correction = null)
    {
        var fingerprint = $"retry:{instanceId}:{Digest(correction?.Input?.ToJsonString(), correction?.Variables?.ToJsonString())}";
        idempotencyKey = ScopeKey(idempotencyKey, actor);
        var instance = await LoadAsync(instanceId, ct);
        if (instance.SubStatus != WorkflowSubStatus.Faulted || instance.Incident is null)
            return await ReplayAsync(idempotencyKey, fingerprint, ct)
                   ?? throw new InstanceStateException($"Workflow instance {instanceId} has no incident to retry.");
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instance.Id });
        var revision = instance.Revision;
        var execution = NewExecution(await CompiledVersionAsync(instance.DefinitionVersionId, instance.DefinitionId, ct), instance, actor, ct);
        if (correction?.Variables is { } vars)
            foreach (var (name, _) in vars)
                if (!execution.HasVariable(name))
                    throw new ArgumentException($"The workflow has no variable '{name}'; only its declared variables can be corrected.");
        await execution.RetryAsync(correction);
        var result = await CommitAsync(execution, revision, idempotencyKey, fingerprint, ct);
        logger.LogInformation("Retried incident of {InstanceId}: {SubStatus}", instance.Id, instance.SubStatus);
        return result;
    }

    /// <summary>
    /// Cancels a running instance (its waiting bookmarks are cancelled, it ends as Cancelled), committing
    /// <paramref name="effects"/> with it — e.g. the quota a cancellation gives back or consumes.
    /// </summary>
    public async Task<StepResult> CancelAsync(string instanceId, string reason, Actor actor, IReadOnlyList<StepEffect>? effects = null,
        string? idempotencyKey = null, CancellationToken ct = default)
    {
        var fingerprint = $"cancel:{instanceId}:{Digest(reason)}";
        idempotencyKey = ScopeKey(idempotencyKey, actor);
        var instance = await LoadAsync(instanceId, ct);
        if (instance.Status == WorkflowStatus.Finished)
            return await ReplayAsync(idempotencyKey, fingerprint, ct)
                   ?? throw new InstanceStateException($"Workflow instance {instanceId} has already ended ({instance.SubStatus}).");
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instance.Id });
        var revision = instance.Revision;
        var execution = NewExecution(await CompiledVersionAsync(instance.DefinitionVersionId, instance.DefinitionId, ct), instance, actor, ct);
        if (effects is not null) execution.Effects.AddRange(effects);
        execution.Cancel(reason);
        var result = await CommitAsync(execution, revision, idempotencyKey, fingerprint, ct);
        logger.LogInformation("Cancelled {InstanceId}", instance.Id);
        return result;
    }

    /// <summary>
    /// Changes an open bookmark without resuming it (e.g. an SLA escalation raises a task's priority and reassigns it) as
    /// one journalled step with its effects. <paramref name="decide"/> sees the bookmark and returns the change, or null
    /// for none. Returns null when the bookmark is no longer open or nothing changed; keyed, so it happens once.
    /// </summary>
    public async Task<StepResult?> ChangeBookmarkAsync(string bookmarkId, Func<Bookmark, WorkflowInstance, BookmarkChange?> decide, Actor actor,
        string idempotencyKey, CancellationToken ct = default)
    {
        var fingerprint = $"change:{bookmarkId}";
        idempotencyKey = ScopeKey(idempotencyKey, actor)!;
        var instance = await store.LoadInstanceByBookmarkAsync(bookmarkId, ct);
        var bookmark = instance?.Bookmarks.FirstOrDefault(b => b.Id == bookmarkId);
        if (instance is null || bookmark is null) return await ReplayAsync(idempotencyKey, fingerprint, ct);
        if (decide(bookmark, instance) is not { } change) return null;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instance.Id });
        var revision = instance.Revision;
        var execution = NewExecution(await CompiledVersionAsync(instance.DefinitionVersionId, instance.DefinitionId, ct), instance, actor, ct);
        execution.ChangeBookmark(bookmark, change);
        var result = await CommitAsync(execution, revision, idempotencyKey, fingerprint, ct);
        logger.LogInformation("{EventName} on {BookmarkKind} bookmark of {InstanceId}", change.EventName, bookmark.Kind, instance.Id);
        return result;
    }

    /// <summary>What moving <paramref name="instance"/> to <paramref name="targetVersionId"/> would do (a dry run: nothing is stored).</summary>
    public async Task<InstanceMigrationPlan> PlanMigrationAsync(WorkflowInstance instance, string fromVersionId, string targetVersionId,
        IReadOnlyDictionary<string, string>? map, CancellationToken ct = default)
    {
        var from = await CompiledVersionAsync(fromVersionId, instance.DefinitionId, ct);
        var to = await CompiledVersionAsync(targetVersionId, instance.DefinitionId, ct);
        if (to.Definition.DefinitionId != instance.DefinitionId)
            throw new ArgumentException($"Version {targetVersionId} belongs to workflow '{to.Definition.DefinitionId}', not '{instance.DefinitionId}'.");
        return MigrationPlanner.Plan(instance, from, to, map);
    }

    /// <summary>
    /// Moves one waiting instance from <paramref name="fromVersionId"/> to <paramref name="targetVersionId"/> as one
    /// journalled step with <paramref name="actor"/>, guarded by the instance's revision: a task completed or a timer fired
    /// meanwhile makes the commit fail with <see cref="ConcurrencyConflictException"/> and nothing is stored (the caller
    /// plans again). Throws <see cref="MigrationRefusedException"/> when the instance cannot be moved (left as it is);
    /// returns the plan that was carried out, or the "already migrated" plan (nothing stored).
    /// </summary>
    public async Task<InstanceMigrationPlan> MigrateAsync(string instanceId, string fromVersionId, string targetVersionId,
        IReadOnlyDictionary<string, string>? map, Actor actor, CancellationToken ct = default)
    {
        var instance = await LoadAsync(instanceId, ct);
        var plan = await PlanMigrationAsync(instance, fromVersionId, targetVersionId, map, ct);
        if (plan.State == InstanceMigrationState.AlreadyMigrated) return plan;
        if (plan.State != InstanceMigrationState.Mappable) throw new MigrationRefusedException(plan);
        var to = await CompiledVersionAsync(targetVersionId, instance.DefinitionId, ct);
        var moved = new WorkflowInstance
        {
            Id = instance.Id,
            DefinitionId = instance.DefinitionId,
            DefinitionVersionId = to.Definition.Id!,
            Version = to.Definition.Version,
            Name = instance.Name,
            CorrelationId = instance.CorrelationId,
            Status = instance.Status,
            SubStatus = instance.SubStatus,
            State = instance.State,
            Bookmarks = instance.Bookmarks.ToList(),
            Incident = instance.Incident,
            CreatedAt = instance.CreatedAt,
            UpdatedAt = instance.UpdatedAt,
            FinishedAt = instance.FinishedAt,
            Revision = instance.Revision,
            JournalSequence = instance.JournalSequence,
            LastJournalHash = instance.LastJournalHash,
        };
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instance.Id });
        var execution = NewExecution(to, moved, actor, ct);
        execution.Migrate(plan, fromVersionId);
        await CommitAsync(execution, instance.Revision, null, "", ct);
        logger.LogInformation("Migrated {InstanceId} of {DefinitionId} from v{FromVersion} to v{ToVersion}", instance.Id, instance.DefinitionId, plan.FromVersion, plan.ToVersion);
        return plan;
    }

    /// <summary>Resumes every instance waiting for <paramref name="eventName"/> (optionally only those with the correlation key).</summary>
    public async Task<IReadOnlyList<StepResult>> TriggerEventAsync(string eventName, string? correlationKey, System.Text.Json.Nodes.JsonObject? data,
        Actor actor, string? idempotencyKey = null, CancellationToken ct = default)
    {
        var results = new List<StepResult>();
        foreach (var b in await store.FindEventBookmarksAsync(eventName, correlationKey, ct))
            results.Add(await ResumeAsync(b.Id, new ResumeInput(null, data), actor, idempotencyKey is null ? null : $"{idempotencyKey}:{b.Id}", ct));
        return results;
    }

    /// <summary>Resumes due timers; each resume is keyed by its bookmark, so a timer delivered twice resumes once.</summary>
    public async Task<int> ResumeDueTimersAsync(int take = 100, CancellationToken ct = default)
    {
        var count = 0;
        foreach (var b in await store.GetDueTimersAsync(clock.GetUtcNow(), take, ct))
        {
            try
            {
                await ResumeAsync(b.Id, new ResumeInput(), Actor.System, $"timer:{b.Id}", ct);
                count++;
            }
            catch (Exception e) when (e is ConcurrencyConflictException or BookmarkClosedException or InstanceStateException)
            {
                logger.LogInformation("Timer {BookmarkId} not resumed now: {Reason}", b.Id, e.Message);
            }
        }
        return count;
    }

    private CompiledWorkflow Compile(WorkflowDefinition definition) =>
        definition.Id is null
            ? CompiledWorkflow.Compile(definition, registry, evaluator)
            : _compiled.GetOrAdd(definition.Id, _ => CompiledWorkflow.Compile(definition, registry, evaluator));

    /// <summary>What publishing checks: the structure (<see cref="CompiledWorkflow.Validate"/>), then what can be evaluated
    /// before any case runs (<see cref="PublishChecks"/>: options, scripts over sample values).</summary>
    public IReadOnlyList<ValidationError> Validate(WorkflowDefinition definition)
    {
        var errors = CompiledWorkflow.Validate(definition, registry, evaluator);
        errors.AddRange(PublishChecks.Check(definition, registry, evaluator));
        return errors;
    }

    /// <summary>What saving a draft checks: the draft may be incomplete, but only of activity types the engine knows.</summary>
    public IReadOnlyList<ValidationError> ValidateDraft(WorkflowDefinition definition) => CompiledWorkflow.ValidateDraft(definition, registry);

    private async Task<WorkflowInstance> LoadAsync(string instanceId, CancellationToken ct) =>
        await store.LoadInstanceAsync(instanceId, ct) ?? throw new InstanceNotFoundException(instanceId);

    /// <summary>
    /// A version compiled once and kept: versions that can run (published, or once published) never change, since editing a
    /// published version creates the next one.
    /// </summary>
    private async ValueTask<CompiledWorkflow> CompiledVersionAsync(string versionId, string definitionId, CancellationToken ct)
    {
        if (_compiled.TryGetValue(versionId, out var compiled)) return compiled;
        var definition = await store.GetDefinitionVersionAsync(versionId, ct)
                         ?? throw new WorkflowNotFoundException($"Version {versionId} of workflow '{definitionId}' is missing.");
        return Compile(definition);
    }

    private WorkflowExecution NewExecution(CompiledWorkflow workflow, WorkflowInstance instance, Actor actor, CancellationToken ct) =>
        new(workflow, instance, actor, clock, services, evaluator, _redactor, options.MaxActivitiesPerStep, ct)
        {
            JournalKeys = options.JournalKeys,
            Versions = (services.GetService(typeof(IDecisionVersionSource)) as IDecisionVersionSource)?.Current,
        };

    private async Task<StepResult> CommitAsync(WorkflowExecution execution, long expectedRevision, string? key, string fingerprint, CancellationToken ct)
    {
        var instance = execution.Instance;
        instance.UpdatedAt = execution.Now;
        instance.Revision = expectedRevision + 1;
        var result = StepResult.From(instance);
        var command = key is null ? null : new IdempotencyRecord(key, fingerprint, instance.Id, JsonSerializer.Serialize(result, WorkflowJson.Options), execution.Now);
        try
        {
            await store.CommitAsync(new StepCommit(instance, expectedRevision, execution.CreatedBookmarks, execution.RemovedBookmarkIds, execution.Journal, command,
                execution.Effects), ct);
            instance.IsNew = false;
            return result with { CommittedEffects = execution.Effects.ToList(), CommittedAt = instance.UpdatedAt };
        }
        catch (DuplicateCommandException)
        {
            // This key was recorded before (a retry) or meanwhile (a concurrent duplicate): answer with that result,
            // or refuse if the key was used for a different command. Nothing of this run is stored.
            instance.Revision = expectedRevision;
            return await ReplayAsync(key, fingerprint, ct) ?? throw new ConcurrencyConflictException(instance.Id);
        }
        catch
        {
            instance.Revision = expectedRevision;
            throw;
        }
    }

    /// <summary>
    /// Idempotency keys belong to the caller: the same key sent by two users names two commands. The stored key is the
    /// actor's id and the key, so one caller can neither replay nor block another's command.
    /// </summary>
    private static string? ScopeKey(string? key, Actor actor)
    {
        if (key is null) return null;
        if (key.Length > 200) throw new IdempotencyKeyException("The Idempotency-Key header is longer than 200 characters.");
        if (key.Length == 0 || key.Any(char.IsControl))
            throw new IdempotencyKeyException("The Idempotency-Key header must be 1 to 200 printable characters.");
        return $"{actor.Id}\u001f{key}";
    }

    private static string ClientKey(string scoped) => scoped[(scoped.IndexOf('\u001f') + 1)..];

    /// <summary>A short digest of a command's parts, for its fingerprint.</summary>
    public static string Digest(params string?[] parts) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\u001e", parts.Select(p => p ?? "\u0000")))))[..32];

    private async Task<StepResult?> ReplayAsync(string? key, string fingerprint, CancellationToken ct)
    {
        if (key is null) return null;
        var stored = await store.FindCommandAsync(key, ct);
        if (stored is null) return null;
        if (stored.Fingerprint != fingerprint)
            throw new IdempotencyKeyException($"The Idempotency-Key '{ClientKey(key)}' was already used for a different request; send a new key for a new request.");
        return JsonSerializer.Deserialize<StepResult>(stored.ResultJson, WorkflowJson.Options)! with { Replayed = true };
    }
}

public sealed class WorkflowNotFoundException(string message) : Exception(message);
public sealed class InstanceNotFoundException(string id) : Exception($"Workflow instance {id} does not exist.");
public sealed class BookmarkNotFoundException(string id) : Exception($"There is no open task or bookmark with id {id}.");
public sealed class BookmarkClosedException(string id) : Exception($"Bookmark {id} was already resumed or cancelled.");
public sealed class InstanceStateException(string message) : Exception(message);
public sealed class IdempotencyKeyException(string message) : Exception(message);
