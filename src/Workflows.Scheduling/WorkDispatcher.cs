using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// Hands work from the ScheduledWork outbox to the schedulers: work due later becomes a Quartz trigger, work due now a
/// Hangfire job. At startup it hands over again whatever a previous process left unfinished (Pending rows, and Queued
/// rows whose in-memory Hangfire job died with that process), so a restart loses nothing; handlers are idempotent, so
/// handing something over twice does nothing twice. Clustered (PostgreSql), all work goes through Quartz triggers and
/// Hangfire's jobs are durable, so nothing is re-queued at startup: Quartz recovers a dead node's firings.
/// </summary>
public sealed class WorkDispatcher(ScheduledWorkStore store, ISchedulerFactory quartz, IBackgroundJobClient hangfire, TimeProvider clock,
    IOptions<SchedulingOptions> options, ILogger<WorkDispatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the startup hand-over is done (tests and the benchmark wait for it).</summary>
    public Task Recovered => _recovered.Task;

    /// <summary>There is new Pending work: look now rather than at the next sweep.</summary>
    public void Signal()
    {
        // Called after every step that scheduled something: when a signal is already pending (the usual case under load),
        // there is nothing to do, and no exception to throw and catch on the request's path.
        if (_signal.CurrentCount > 0) return;
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // signalled meanwhile
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        try
        {
            await EnsureJobsAsync(o, stoppingToken);
            // Hangfire in memory lost the jobs of Queued work with the previous process. On PostgreSQL they are still
            // there (a dead node's job runs elsewhere after WorkInvisibilityTimeout), and re-queueing them would only
            // run every peer's in-flight work a second time.
            if (!o.UsesPostgreSql)
            {
                var requeued = await RequeueQueuedAsync(stoppingToken);
                if (requeued > 0) logger.LogInformation("Handed {Count} unfinished work items to Hangfire again after a restart", requeued);
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Re-queueing unfinished work at startup failed; the sweep will try the pending work");
        }
        _recovered.TrySetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchPendingAsync(o.DispatchBatch, stoppingToken) == o.DispatchBatch) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogError(e, "Handing scheduled work to Quartz/Hangfire failed; will try again");
            }
            try { await _signal.WaitAsync(o.SweepInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>The durable job behind all work triggers, and the monthly cron (kept if unchanged, so a missed 1st still fires).</summary>
    private async Task EnsureJobsAsync(SchedulingOptions o, CancellationToken ct)
    {
        var scheduler = await quartz.GetScheduler(ct);
        await scheduler.AddJob(DueWorkJob.Detail, new AddJobOptions { Replace = true }, ct);
        if (await scheduler.GetTrigger(MonthlySummaryJob.TriggerKey, ct) is not ICronTrigger cron || cron.CronExpressionString != o.MonthlySummaryCron)
            await scheduler.ScheduleJob(MonthlySummaryJob.Detail, MonthlySummaryJob.Trigger(o.MonthlySummaryCron, clock), new ScheduleJobOptions { Replace = true }, ct);
    }

    /// <summary>Hands one batch of Pending work over; returns how many rows it took.</summary>
    public async Task<int> DispatchPendingAsync(int batch, CancellationToken ct)
    {
        var pending = await store.ListInStateAsync(WorkStates.Pending, batch, ct);
        if (pending.Count == 0) return 0;
        var now = clock.GetUtcNow();
        // Clustered, work due now goes through a Quartz trigger too (it fires at once): a node that dies between marking
        // work Queued and enqueueing it then leaves a firing that Quartz recovers on a live node (see DueWorkJob).
        // Enqueueing directly would leave a Queued row no one hands over, as no node re-queues at startup.
        var clustered = options.Value.UsesPostgreSql;
        var later = pending.Where(w => clustered || w.DueAt > now).ToList();
        var due = pending.Where(w => !clustered && w.DueAt <= now).ToList();
        if (later.Count > 0)
        {
            var scheduler = await quartz.GetScheduler(ct);
            var triggers = later.Select(w => (ITrigger)DueWorkJob.TriggerFor(w, clock)).ToList();
            // Replace: a trigger that exists already (handed over before a crash) is the same trigger.
            await scheduler.ScheduleJobs(new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>> { [DueWorkJob.Detail] = triggers },
                new ScheduleJobOptions { Replace = true }, ct);
            // A trigger that fired meanwhile has moved its row to Queued already; this only moves rows still Pending.
            await store.MoveAsync(later.Select(w => w.Id).ToList(), WorkStates.Pending, WorkStates.Scheduled, ct);
        }
        if (due.Count > 0)
        {
            var ids = due.Select(w => w.Id).ToList();
            await store.MoveAsync(ids, WorkStates.Pending, WorkStates.Queued, ct);
            foreach (var w in due) Enqueue(hangfire, w);
        }
        logger.LogDebug("Dispatched {Later} triggers and {Due} jobs", later.Count, due.Count);
        return pending.Count;
    }

    private async Task<int> RequeueQueuedAsync(CancellationToken ct)
    {
        // Queued rows at startup belong to in-memory jobs of the previous process (one node: only used without
        // PostgreSQL). Paged in creation order, so a large backlog is handed over in the order it was queued.
        var total = 0;
        string? after = null;
        while (await store.IdsInStateAsync(WorkStates.Queued, after, 1000, ct) is { Count: > 0 } ids)
        {
            foreach (var id in ids)
                if (await store.GetAsync(id, ct) is { } work) Enqueue(hangfire, work);
            total += ids.Count;
            after = ids[^1];
        }
        return total;
    }

    public static void Enqueue(IBackgroundJobClient hangfire, ScheduledWork work) => Enqueue(hangfire, work.Id, JobNames.For(work));

    public static void Enqueue(IBackgroundJobClient hangfire, string workId, string description) =>
        hangfire.Enqueue<WorkRunner>(r => r.RunAsync(workId, description, CancellationToken.None));
}
