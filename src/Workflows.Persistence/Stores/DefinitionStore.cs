using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Entities;

namespace Workflows.Persistence.Stores;

/// <summary>
/// Versioning of workflow definitions: save a draft, publish (retracting the previously published version), retract,
/// revert an old version into a new draft, list versions, import from <c>workflows/*.json</c>.
/// A version that was ever published is immutable; editing it creates the next version.
/// </summary>
public sealed class DefinitionStore(WorkflowsDbContext db, WorkflowRuntime runtime, TimeProvider clock, ILogger<DefinitionStore> logger)
{
    public const string SourceFile = "file";
    public const string SourceDesigner = "designer";
    public const string SourceRevert = "revert";

    public Task<List<DefinitionRecord>> ListLatestAsync(string? search, CancellationToken ct = default)
    {
        var q = db.Definitions.AsNoTracking().Where(d => d.IsLatest);
        if (!string.IsNullOrWhiteSpace(search)) q = q.Where(d => d.Name.Contains(search) || d.DefinitionId.Contains(search));
        return q.OrderBy(d => d.Name).ToListAsync(ct);
    }

    public Task<List<DefinitionRecord>> VersionsAsync(string definitionId, CancellationToken ct = default) =>
        db.Definitions.AsNoTracking().Where(d => d.DefinitionId == definitionId).OrderByDescending(d => d.Version).ToListAsync(ct);

    public Task<DefinitionRecord?> GetLatestAsync(string definitionId, CancellationToken ct = default) =>
        db.Definitions.AsNoTracking().FirstOrDefaultAsync(d => d.DefinitionId == definitionId && d.IsLatest, ct);

    public Task<DefinitionRecord?> GetPublishedAsync(string definitionId, CancellationToken ct = default) =>
        db.Definitions.AsNoTracking().FirstOrDefaultAsync(d => d.DefinitionId == definitionId && d.IsPublished, ct);

    public Task<DefinitionRecord?> GetVersionAsync(string definitionId, int version, CancellationToken ct = default) =>
        db.Definitions.AsNoTracking().FirstOrDefaultAsync(d => d.DefinitionId == definitionId && d.Version == version, ct);

    public Task<DefinitionRecord?> GetByVersionIdAsync(string versionId, CancellationToken ct = default) =>
        db.Definitions.AsNoTracking().FirstOrDefaultAsync(d => d.Id == versionId, ct);

    public async Task<bool> IsNameUniqueAsync(string name, string? exceptDefinitionId, CancellationToken ct = default) =>
        !await db.Definitions.AnyAsync(d => d.IsLatest && d.Name == name && d.DefinitionId != exceptDefinitionId, ct);

    /// <summary>
    /// Saves the model as the draft of its definition: the current draft is updated in place; if the latest version was
    /// ever published, a new version is created. A model without a definition id starts a new definition.
    /// </summary>
    public async Task<DefinitionRecord> SaveDraftAsync(WorkflowDefinition model, Actor actor, string source = SourceDesigner, CancellationToken ct = default)
    {
        Normalize(model);
        if (string.IsNullOrWhiteSpace(model.Name)) throw new DefinitionException("The workflow needs a name.");
        if (model.Name.Length > 200) throw new DefinitionException($"The workflow's name is {model.Name.Length:N0} characters long; at most 200 are allowed.");
        if (model.Description?.Length > 4000) throw new DefinitionException($"The description is {model.Description.Length:N0} characters long; at most 4,000 are allowed.");
        if (model.DefinitionId is { Length: > 100 }) throw new DefinitionException("The definitionId is longer than 100 characters.");
        if (runtime.ValidateDraft(model) is { Count: > 0 } unknown) throw new WorkflowValidationException(unknown);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var definitionId = string.IsNullOrWhiteSpace(model.DefinitionId) ? NewId() : model.DefinitionId!;
        if (!await IsNameUniqueAsync(model.Name!, definitionId, ct))
            throw new DefinitionConflictException($"Another workflow is already named '{model.Name}'.");
        var latest = await db.Definitions.FirstOrDefaultAsync(d => d.DefinitionId == definitionId && d.IsLatest, ct);
        var now = clock.GetUtcNow();
        // Saving the published version unchanged (e.g. the designer's Publish on a workflow nobody edited) is no new version.
        if (latest is { IsPublished: true } && latest.ContentHash == WorkflowJson.ContentHash(Flags(model.Clone(), latest))) return latest;
        DefinitionRecord record;
        if (latest is not null && latest.PublishedAt is null)
        {
            record = latest;
        }
        else
        {
            if (latest is not null) latest.IsLatest = false;
            record = new DefinitionRecord
            {
                Id = NewId(),
                DefinitionId = definitionId,
                Version = (latest?.Version ?? 0) + 1,
                IsLatest = true,
                CreatedAt = now,
                CreatedBy = actor.Id,
                Source = source,
            };
            db.Definitions.Add(record);
        }
        model.Id = record.Id;
        model.DefinitionId = definitionId;
        model.Version = record.Version;
        model.IsLatest = true;
        model.IsPublished = false;
        model.CreatedAt ??= now;
        Write(record, model);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Saved draft {DefinitionId} v{Version} ({Source}) by {ActorId}", definitionId, record.Version, source, actor.Id);
        return record;
    }

    /// <summary>Publishes the latest version after validating it; the previously published version is retracted.</summary>
    public async Task<(DefinitionRecord Record, bool AlreadyPublished)> PublishAsync(string definitionId, Actor actor, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var latest = await db.Definitions.FirstOrDefaultAsync(d => d.DefinitionId == definitionId && d.IsLatest, ct)
                     ?? throw new DefinitionNotFoundException(definitionId);
        if (latest.IsPublished) return (latest, true);
        var model = WorkflowJson.Deserialize(latest.Json);
        var errors = runtime.Validate(model);
        if (errors.Count > 0) throw new WorkflowValidationException(errors);

        foreach (var p in await db.Definitions.Where(d => d.DefinitionId == definitionId && d.IsPublished).ToListAsync(ct))
        {
            p.IsPublished = false;
            Write(p, Flags(WorkflowJson.Deserialize(p.Json), p));
        }
        latest.IsPublished = true;
        latest.PublishedAt = clock.GetUtcNow();
        Write(latest, Flags(model, latest));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Published {DefinitionId} v{Version} by {ActorId}", definitionId, latest.Version, actor.Id);
        return (latest, false);
    }

    /// <summary>Unpublishes the published version: no new instances start; running ones finish on it.</summary>
    public async Task<DefinitionRecord> RetractAsync(string definitionId, Actor actor, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var published = await db.Definitions.FirstOrDefaultAsync(d => d.DefinitionId == definitionId && d.IsPublished, ct)
                        ?? throw new DefinitionConflictException($"Workflow '{definitionId}' has no published version to retract.");
        published.IsPublished = false;
        Write(published, Flags(WorkflowJson.Deserialize(published.Json), published));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Retracted {DefinitionId} v{Version} by {ActorId}", definitionId, published.Version, actor.Id);
        return published;
    }

    /// <summary>Copies an old version into a new draft (the latest version), leaving history untouched.</summary>
    public async Task<DefinitionRecord> RevertAsync(string definitionId, int version, Actor actor, CancellationToken ct = default)
    {
        var old = await GetVersionAsync(definitionId, version, ct)
                  ?? throw new DefinitionNotFoundException($"{definitionId} v{version}");
        var model = WorkflowJson.Deserialize(old.Json);
        var latest = await GetLatestAsync(definitionId, ct);
        model.Name = latest?.Name ?? model.Name;
        return await SaveDraftAsync(model, actor, SourceRevert, ct);
    }

    /// <summary>Deletes every version of a definition that no instance ever ran.</summary>
    public async Task DeleteAsync(string definitionId, Actor actor, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var versions = await db.Definitions.Where(d => d.DefinitionId == definitionId).ToListAsync(ct);
        if (versions.Count == 0) throw new DefinitionNotFoundException(definitionId);
        if (await db.Instances.AnyAsync(i => i.DefinitionId == definitionId, ct))
            throw new DefinitionConflictException($"Workflow '{definitionId}' has instances; retract it instead of deleting it, so their history stays readable.");
        db.Definitions.RemoveRange(versions);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        logger.LogInformation("Deleted {DefinitionId} by {ActorId}", definitionId, actor.Id);
    }

    /// <summary>
    /// Imports a definition from <c>workflows/</c>: if its content equals the last version imported from file, nothing
    /// happens (analysts' later versions are kept); otherwise it becomes a new published version.
    /// </summary>
    public async Task<ImportOutcome> ImportFromFileAsync(WorkflowDefinition model, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(model.DefinitionId)) throw new DefinitionException("A workflow file must have a definitionId: it is the file's identity.");
        Normalize(model);
        var hash = WorkflowJson.ContentHash(model);
        var lastFromFile = await db.Definitions.AsNoTracking()
            .Where(d => d.DefinitionId == model.DefinitionId && d.Source == SourceFile)
            .OrderByDescending(d => d.Version).FirstOrDefaultAsync(ct);
        if (lastFromFile?.ContentHash == hash) return ImportOutcome.Unchanged;
        var errors = runtime.Validate(model);
        if (errors.Count > 0) throw new WorkflowValidationException(errors);
        var draft = await SaveDraftAsync(model, Actor.System, SourceFile, ct);
        await PublishAsync(draft.DefinitionId, Actor.System, ct);
        return lastFromFile is null ? ImportOutcome.Created : ImportOutcome.NewVersion;
    }

    /// <summary>Gives the root and every activity a nodeId (the designer needs them) and fills Elsa's defaults.</summary>
    public static void Normalize(WorkflowDefinition model)
    {
        var root = model.Root ??= ActivityNode.NewFlowchart();
        if (string.IsNullOrWhiteSpace(root.Id)) root.Id = "flowchart1";
        root.Type = ActivityNode.FlowchartType;
        root.NodeId ??= $"Workflow1:{root.Id}";
        root.Activities ??= [];
        root.Connections ??= [];
        root.CustomProperties ??= new();
        root.Metadata ??= new();
        foreach (var a in root.Activities)
        {
            if (string.IsNullOrWhiteSpace(a.Id)) a.Id = NewId()[..12];
            a.NodeId ??= $"{root.NodeId}:{a.Id}";
            a.CustomProperties ??= new();
            a.Metadata ??= new();
        }
        model.Options ??= new();
        model.CustomProperties ??= new();
        model.Inputs ??= [];
        model.Outputs ??= [];
        model.Outcomes ??= [];
        model.ToolVersion ??= "3.8.0";
        model.MaterializerName ??= "Json";
    }

    private static WorkflowDefinition Flags(WorkflowDefinition model, DefinitionRecord r)
    {
        model.Id = r.Id;
        model.DefinitionId = r.DefinitionId;
        model.Version = r.Version;
        model.IsLatest = r.IsLatest;
        model.IsPublished = r.IsPublished;
        return model;
    }

    private static void Write(DefinitionRecord r, WorkflowDefinition model)
    {
        model.IsLatest = r.IsLatest;
        model.IsPublished = r.IsPublished;
        r.Name = model.Name ?? r.DefinitionId;
        r.Description = model.Description;
        r.ContentHash = WorkflowJson.ContentHash(model);
        r.Json = WorkflowJson.Serialize(model);
    }

    private static string NewId() => Guid.NewGuid().ToString("N")[..16];
}

public enum ImportOutcome { Unchanged, Created, NewVersion }

public class DefinitionException(string message) : Exception(message);
public sealed class DefinitionConflictException(string message) : DefinitionException(message);
public sealed class DefinitionNotFoundException(string id) : DefinitionException($"Workflow definition '{id}' does not exist.");
