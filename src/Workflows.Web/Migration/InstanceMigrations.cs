using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Runtime;
using Workflows.Persistence;

namespace Workflows.Web.Migration;

/// <summary>
/// What an analyst asks: move the waiting cases of <see cref="DefinitionId"/> from version <see cref="FromVersion"/> to
/// <see cref="ToVersion"/> (the published one), each waiting activity to the activity with the same id, or to the one
/// <see cref="Map"/> names (source activity id → target activity id).
/// </summary>
public sealed record MigrationRequest(string DefinitionId, int FromVersion, int ToVersion, Dictionary<string, string>? Map = null, int? BatchSize = null);

/// <summary>The dry run: per instance what maps, what cannot and why, and the due dates that are kept.</summary>
public sealed record MigrationReport(string DefinitionId, int FromVersion, int ToVersion, int Total, int Mappable, int Unmappable, int NotWaiting, int AlreadyMigrated,
    IReadOnlyList<InstanceMigrationPlan> Instances);

public enum MigrationRunState { Running, Finished, Cancelled, Failed }

/// <summary>A migration run and its progress, as the API and the screen show it.</summary>
public sealed record MigrationRunStatus(string RunId, string DefinitionId, int FromVersion, int ToVersion, string StartedBy, DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt, MigrationRunState State, int Total, int Processed, int Migrated, int Unmappable, int Skipped, int Retried, int Batches,
    IReadOnlyList<InstanceMigrationPlan> Refused, string? Error);

/// <summary>A request that cannot be carried out: which field, and why, in words.</summary>
public sealed class MigrationRequestException(string field, string message, int status = 400) : Exception(message)
{
    public string Field { get; } = field;
    public int Status { get; } = status;
}

/// <summary>
/// Moves waiting cases from one version of a workflow to another: the dry run, and the run itself in batches. Each case
/// is moved in its own step guarded by its revision (<see cref="WorkflowRuntime.MigrateAsync"/>), so the engine keeps
/// running meanwhile: a case that a task completion or a timer changed first is planned again and moved, or reported.
/// A run is resumable: cases already moved are skipped, so running the same request again finishes what was left.
/// </summary>
public sealed class InstanceMigrations(WorkflowRuntime runtime, IDbContextFactory<WorkflowsDbContext> dbs, IWorkflowStore store,
    ILogger<InstanceMigrations> logger)
{
    public const int DefaultBatchSize = 100;
    public const int MaxBatchSize = 1_000;
    private const int MaxAttempts = 5;

    /// <summary>The two versions' ids, checking the request; throws <see cref="MigrationRequestException"/> naming the field.</summary>
    public async Task<(string FromVersionId, string ToVersionId)> ResolveAsync(MigrationRequest request, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(request.DefinitionId))
            throw new MigrationRequestException("definitionId", "请选择流程 · Name the workflow (definitionId).");
        if (request.BatchSize is < 1 or > MaxBatchSize)
            throw new MigrationRequestException("batchSize", $"每批数量须在 1 到 {MaxBatchSize} 之间 · batchSize must be between 1 and {MaxBatchSize}.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var versions = await db.Definitions.AsNoTracking().Where(d => d.DefinitionId == request.DefinitionId)
            .Select(d => new { d.Id, d.Version, d.IsPublished, d.Json }).ToListAsync(ct);
        if (versions.Count == 0)
            throw new MigrationRequestException("definitionId", $"没有流程“{request.DefinitionId}” · There is no workflow '{request.DefinitionId}'.", 404);
        var from = versions.FirstOrDefault(v => v.Version == request.FromVersion)
                   ?? throw new MigrationRequestException("fromVersion", $"流程没有版本 {request.FromVersion} · The workflow has no version {request.FromVersion}.");
        var to = versions.FirstOrDefault(v => v.Version == request.ToVersion)
                 ?? throw new MigrationRequestException("toVersion", $"流程没有版本 {request.ToVersion} · The workflow has no version {request.ToVersion}.");
        if (request.ToVersion <= request.FromVersion)
            throw new MigrationRequestException("toVersion", $"目标版本须比版本 {request.FromVersion} 新 · toVersion must be later than fromVersion ({request.FromVersion}).");
        if (!to.IsPublished)
            throw new MigrationRequestException("toVersion",
                $"只能迁移到已发布的版本；版本 {request.ToVersion} 未发布 · Cases move only to the published version; version {request.ToVersion} is not published.");
        if (request.Map is { Count: > 0 } map)
        {
            var fromIds = Workflows.Engine.Model.WorkflowJson.Deserialize(from.Json).Root.Activities?.Select(a => a.Id).ToHashSet(StringComparer.Ordinal) ?? [];
            var toIds = Workflows.Engine.Model.WorkflowJson.Deserialize(to.Json).Root.Activities?.Select(a => a.Id).ToHashSet(StringComparer.Ordinal) ?? [];
            foreach (var (source, target) in map)
            {
                if (!fromIds.Contains(source))
                    throw new MigrationRequestException($"map.{source}", $"版本 {request.FromVersion} 没有环节“{source}” · Version {request.FromVersion} has no activity '{source}'.");
                if (string.IsNullOrWhiteSpace(target) || !toIds.Contains(target))
                    throw new MigrationRequestException($"map.{source}", $"版本 {request.ToVersion} 没有环节“{target}” · Version {request.ToVersion} has no activity '{target}'.");
            }
        }
        return (from.Id, to.Id);
    }

    /// <summary>Plans every case still on the source version; stores nothing.</summary>
    public async Task<MigrationReport> DryRunAsync(MigrationRequest request, CancellationToken ct = default)
    {
        var (fromId, toId) = await ResolveAsync(request, ct);
        var plans = new List<InstanceMigrationPlan>();
        string? after = null;
        while (true)
        {
            var ids = await WaitingIdsAsync(request.DefinitionId, fromId, after, MaxBatchSize, ct);
            if (ids.Count == 0) break;
            foreach (var id in ids)
                if (await store.LoadInstanceAsync(id, ct) is { } instance)
                    plans.Add(await runtime.PlanMigrationAsync(instance, fromId, toId, request.Map, ct));
            after = ids[^1];
        }
        return new MigrationReport(request.DefinitionId, request.FromVersion, request.ToVersion, plans.Count,
            plans.Count(p => p.State == InstanceMigrationState.Mappable), plans.Count(p => p.State == InstanceMigrationState.Unmappable),
            plans.Count(p => p.State == InstanceMigrationState.NotWaiting),
            plans.Count(p => p.State == InstanceMigrationState.AlreadyMigrated), plans);
    }

    /// <summary>How many running cases the source version has (the run's total).</summary>
    public async Task<int> CountAsync(string definitionId, string fromVersionId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Instances.CountAsync(i => i.DefinitionId == definitionId && i.DefinitionVersionId == fromVersionId && i.Status == nameof(WorkflowStatus.Running), ct);
    }

    /// <summary>
    /// Moves every mappable case, <paramref name="progress"/> told after each batch. Cases that cannot be moved are left
    /// as they are and reported; a conflict with a concurrent step is planned again (up to five times).
    /// </summary>
    public async Task RunAsync(MigrationRequest request, Actor actor, MigrationProgress progress, CancellationToken ct = default)
    {
        var (fromId, toId) = await ResolveAsync(request, ct);
        var batchSize = request.BatchSize ?? DefaultBatchSize;
        progress.Total = await CountAsync(request.DefinitionId, fromId, ct);
        string? after = null;
        while (!ct.IsCancellationRequested)
        {
            // Keyset paging by id over the cases still on the source version: a moved case leaves the set, a refused one
            // stays behind the cursor, so the run ends and never visits a case twice.
            var ids = await WaitingIdsAsync(request.DefinitionId, fromId, after, batchSize, ct);
            if (ids.Count == 0) break;
            foreach (var id in ids)
            {
                ct.ThrowIfCancellationRequested();
                await MoveOneAsync(id, fromId, toId, request.Map, actor, progress, ct);
                progress.Processed++;
            }
            after = ids[^1];
            progress.Batches++;
            logger.LogInformation("Migration of {DefinitionId} v{From}→v{To}: {Processed}/{Total} processed, {Migrated} moved, {Unmappable} left",
                request.DefinitionId, request.FromVersion, request.ToVersion, progress.Processed, progress.Total, progress.Migrated, progress.Unmappable);
        }
        ct.ThrowIfCancellationRequested();
    }

    private async Task MoveOneAsync(string id, string fromId, string toId, Dictionary<string, string>? map, Actor actor, MigrationProgress progress, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var plan = await runtime.MigrateAsync(id, fromId, toId, map, actor, ct);
                if (plan.State == InstanceMigrationState.AlreadyMigrated) progress.Skipped++;
                else progress.Migrated++;
                return;
            }
            catch (MigrationRefusedException e)
            {
                // Left as it is: a waiting activity has no place in the target version (reported), or the case ended or
                // faulted meanwhile (nothing to move).
                if (e.Plan.State == InstanceMigrationState.Unmappable) progress.Unmappable++;
                else progress.Skipped++;
                progress.AddRefused(e.Plan);
                return;
            }
            catch (ConcurrencyConflictException) when (attempt < MaxAttempts)
            {
                // A task was completed or a timer fired on this case meanwhile: plan again on what it is now.
                progress.Retried++;
            }
            catch (InstanceNotFoundException)
            {
                progress.Skipped++;
                return;
            }
        }
    }

    private async Task<List<string>> WaitingIdsAsync(string definitionId, string versionId, string? after, int take, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var q = db.Instances.AsNoTracking().Where(i => i.DefinitionId == definitionId && i.DefinitionVersionId == versionId && i.Status == nameof(WorkflowStatus.Running));
        if (after is not null) q = q.Where(i => string.Compare(i.Id, after) > 0);
        return await q.OrderBy(i => i.Id).Select(i => i.Id).Take(take).ToListAsync(ct);
    }
}

/// <summary>The counters of one run (written by the run, read by the screen and the API).</summary>
public sealed class MigrationProgress
{
    private readonly ConcurrentQueue<InstanceMigrationPlan> _refused = new();
    public int Total { get; set; }
    public int Processed { get; set; }
    public int Migrated { get; set; }
    public int Unmappable { get; set; }
    public int Skipped { get; set; }
    public int Retried { get; set; }
    public int Batches { get; set; }
    public IReadOnlyList<InstanceMigrationPlan> Refused => _refused.ToArray();
    public void AddRefused(InstanceMigrationPlan plan) => _refused.Enqueue(plan);
}

/// <summary>
/// Runs migrations in the background of the host (one per workflow at a time) and keeps their progress for the API and
/// the screen. Progress lives in memory; what was moved is in the database, so a run stopped by a restart is resumed by
/// starting the same request again.
/// </summary>
public sealed class MigrationRuns(IServiceScopeFactory scopes, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<MigrationRuns> logger)
{
    private sealed class Run
    {
        public required string Id { get; init; }
        public required MigrationRequest Request { get; init; }
        public required Actor Actor { get; init; }
        public required DateTimeOffset StartedAt { get; init; }
        public MigrationProgress Progress { get; } = new();
        public volatile MigrationRunState State = MigrationRunState.Running;
        public DateTimeOffset? FinishedAt;
        public string? Error;
        public Task Task = Task.CompletedTask;
    }

    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>Checks the request, then starts the run; refuses (409) while another run of the same workflow is going.</summary>
    public async Task<MigrationRunStatus> StartAsync(MigrationRequest request, Actor actor, CancellationToken ct = default)
    {
        await using (var scope = scopes.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<InstanceMigrations>().ResolveAsync(request, ct);
        Run run;
        lock (_gate)
        {
            if (_runs.Values.FirstOrDefault(r => r.State == MigrationRunState.Running && r.Request.DefinitionId == request.DefinitionId) is { } busy)
                throw new MigrationRequestException("definitionId",
                    $"该流程正在迁移（{busy.Id}），请等待完成 · A migration of this workflow is running ({busy.Id}); wait for it to finish.", 409);
            run = new Run { Id = Ids.New(), Request = request, Actor = actor, StartedAt = clock.GetUtcNow() };
            _runs[run.Id] = run;
        }
        run.Task = Task.Run(async () =>
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<InstanceMigrations>().RunAsync(request, actor, run.Progress, lifetime.ApplicationStopping);
                run.State = MigrationRunState.Finished;
            }
            catch (OperationCanceledException)
            {
                run.State = MigrationRunState.Cancelled;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Migration run {RunId} of {DefinitionId} failed", run.Id, request.DefinitionId);
                run.Error = "迁移中断，已迁移的案件保持迁移；请重新开始以继续 · The run stopped; cases already moved stay moved. Start it again to continue.";
                run.State = MigrationRunState.Failed;
            }
            finally
            {
                run.FinishedAt = clock.GetUtcNow();
            }
        });
        return Status(run);
    }

    public MigrationRunStatus? Get(string runId) => _runs.TryGetValue(runId, out var run) ? Status(run) : null;

    /// <summary>Waits for a run to end (tests and the command line).</summary>
    public Task WaitAsync(string runId) => _runs.TryGetValue(runId, out var run) ? run.Task : Task.CompletedTask;

    private static MigrationRunStatus Status(Run r) => new(r.Id, r.Request.DefinitionId, r.Request.FromVersion, r.Request.ToVersion, r.Actor.Id, r.StartedAt,
        r.FinishedAt, r.State, r.Progress.Total, r.Progress.Processed, r.Progress.Migrated, r.Progress.Unmappable, r.Progress.Skipped, r.Progress.Retried,
        r.Progress.Batches, r.Progress.Refused, r.Error);
}
