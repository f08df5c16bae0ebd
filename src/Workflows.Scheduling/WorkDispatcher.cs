using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// Runs due work from the ScheduledWork outbox. Every node claims due work in batches, with a lease
/// (<see cref="ScheduledWorkStore.ClaimDueAsync"/>: one conditional update per batch, so no two nodes get the same row):
/// workflow timers are resumed in this process, several at once, each resume marking its row Done in the resume's own
/// transaction; every other kind (SLA escalations, reminders, messages, summaries) is handed to Hangfire as one job each,
/// with Hangfire's retries. Work whose lease ran out (its node died between claim and resume) is claimed again by any
/// node; the resume's key <c>timer:{bookmark}</c> and the bookmark's closure make a second resume a no-op. Between
/// batches it sleeps until the next work falls due (at most <see cref="SchedulingOptions.SweepInterval"/>), or until a
/// step signals new work. Quartz keeps the calendar jobs (monthly summaries, evidence checkpoints), not one trigger per timer.
/// </summary>
public sealed class WorkDispatcher(ScheduledWorkStore store, ISchedulerFactory quartz, IBackgroundJobClient hangfire, TimeProvider clock,
    IOptions<SchedulingOptions> options, IServiceProvider services, ILogger<WorkDispatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ResumeTimer? _timers;
    private IInProcessWorkFilter[]? _filters;

    /// <summary>This dispatcher's node name (the claim's owner); a test may run a second dispatcher under another name.</summary>
    public string Node { get; init; } = options.Value.NodeName;

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
            // One node with Hangfire in memory: whatever was Queued belongs to a process that is gone (its claims and its
            // in-memory jobs died with it), so it is claimable again now. Clustered, another node may be running it: those
            // rows are claimed again only once their lease has run out (Hangfire's own jobs are durable on PostgreSQL).
            var released = o.UsesPostgreSql ? await store.ReleaseScheduledAsync(stoppingToken) : await store.ReleaseAllAtStartupAsync(stoppingToken);
            if (released > 0) logger.LogInformation("Released {Count} unfinished work items at startup; they run again as they fall due", released);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Releasing unfinished work at startup failed; the sweep will take what is due");
        }
        _recovered.TrySetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await ClaimAndRunAsync(o.DispatchBatch, stoppingToken);
                // Sleep until the next work falls due, at most one sweep interval (work added by another node, a lease
                // running out, a clock moved by a test); a step on this node that schedules work wakes it at once.
                var next = await store.NextDueAsync(stoppingToken);
                wait = next is { } due ? due - clock.GetUtcNow() : o.SweepInterval;
                if (wait > o.SweepInterval) wait = o.SweepInterval;
                if (wait < MinimumWait) wait = MinimumWait;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogError(e, "Claiming or running due work failed; will try again");
                wait = o.SweepInterval;
            }
            try { await _signal.WaitAsync(wait, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Due work that another node holds locked (PostgreSQL) is looked at again after this, not in a busy loop.</summary>
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The durable job behind triggers of earlier versions (and fired by hand in tests), and the monthly cron (kept if
    /// unchanged, so a missed 1st still fires). Per-work triggers left by earlier versions are removed: their rows are
    /// claimed like any other work.
    /// </summary>
    private async Task EnsureJobsAsync(SchedulingOptions o, CancellationToken ct)
    {
        var scheduler = await quartz.GetScheduler(ct);
        await scheduler.AddJob(DueWorkJob.Detail, new AddJobOptions { Replace = true }, ct);
        var legacy = await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(DueWorkJob.TriggerGroup), ct);
        if (legacy.Count > 0)
        {
            await scheduler.UnscheduleJobs(legacy, ct);
            logger.LogInformation("Removed {Count} per-work Quartz triggers of an earlier version; their work is claimed from the outbox", legacy.Count);
        }
        if (await scheduler.GetTrigger(MonthlySummaryJob.TriggerKey, ct) is not ICronTrigger cron || cron.CronExpressionString != o.MonthlySummaryCron)
            await scheduler.ScheduleJob(MonthlySummaryJob.Detail, MonthlySummaryJob.Trigger(o.MonthlySummaryCron, clock), new ScheduleJobOptions { Replace = true }, ct);
    }

    /// <summary>
    /// Claims due work (and work whose lease ran out) batch after batch until a batch comes back short, and runs it: the
    /// next batch is claimed as soon as the workers have taken the last timer of the previous one, so they never wait for
    /// a batch to drain. Returns how many rows it claimed.
    /// </summary>
    public async Task<int> ClaimAndRunAsync(int batch, CancellationToken ct)
    {
        var total = 0;
        async IAsyncEnumerable<ScheduledWork> Claimed()
        {
            while (!ct.IsCancellationRequested)
            {
                var now = clock.GetUtcNow();
                var claimed = await store.ClaimDueAsync(Node, now, now + options.Value.ClaimLease, batch, ct: ct);
                total += claimed.Count;
                foreach (var timer in await HandOverAsync(claimed, ct)) yield return timer;
                if (claimed.Count < batch) yield break;
            }
        }
        await RunTimersAsync(Claimed(), ct);
        if (total > 0) logger.LogDebug("Claimed and ran {Count} due work items", total);
        return total;
    }

    /// <summary>
    /// Runs work this node claimed: timers in this process (<see cref="SchedulingOptions.Workers"/> at once), the rest
    /// handed to Hangfire. Public for tests, which also run it on a stale claim to prove the second run resumes nothing.
    /// </summary>
    public async Task RunClaimedAsync(IReadOnlyList<ScheduledWork> claimed, CancellationToken ct) =>
        await RunTimersAsync((await HandOverAsync(claimed, ct)).ToAsyncEnumerable(), ct);

    /// <summary>Hands the claimed work that is not a timer to Hangfire (and clears its lease); returns the timers.</summary>
    private async Task<List<ScheduledWork>> HandOverAsync(IReadOnlyList<ScheduledWork> claimed, CancellationToken ct)
    {
        var timers = new List<ScheduledWork>(claimed.Count);
        List<string>? handed = null;
        foreach (var w in claimed)
        {
            if (w.Kind == WorkKinds.WorkflowTimer) { timers.Add(w); continue; }
            Enqueue(hangfire, w);
            (handed ??= []).Add(w.Id);
        }
        if (handed is not null) await store.HandedToHangfireAsync(handed, Node, ct);
        return timers;
    }

    private async Task RunTimersAsync(IAsyncEnumerable<ScheduledWork> timers, CancellationToken ct)
    {
        _timers ??= services.GetRequiredService<ResumeTimer>();
        _filters ??= services.GetServices<IInProcessWorkFilter>().ToArray();
        await Parallel.ForEachAsync(timers, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Workers, CancellationToken = ct },
            (w, _) => new ValueTask(RunTimerAsync(w, ct)));
    }

    private async Task RunTimerAsync(ScheduledWork work, CancellationToken ct)
    {
        try
        {
            foreach (var f in _filters!) await f.BeforeAsync(work, ct);
            // A resume is short and must not stop half-way on shutdown: it runs to its commit (or not at all).
            var (result, doneInStep) = await _timers!.ResumeAsync(work, CancellationToken.None);
            if (!doneInStep) await store.CompleteAsync(work.Id, result, CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down before it ran: the claim stays and is released at the next start (or after the lease, clustered).
        }
        catch (Exception e)
        {
            // Not resumed (e.g. a concurrent command changed the instance first): the attempt is recorded and Hangfire
            // retries it on its schedule, as any other work; the lease is cleared so no node claims it meanwhile.
            var final = work.Attempts + 1 >= options.Value.MaxAttempts;
            await store.FailAttemptAsync(work.Id, $"{e.GetType().Name}: {e.Message}", final, CancellationToken.None);
            logger.LogWarning(e, "Timer work {WorkKey} failed (attempt {Attempt}){Final}", work.Key, work.Attempts + 1, final ? "; no more retries" : "; Hangfire retries it");
            if (final) return;
            Enqueue(hangfire, work);
            await store.HandedToHangfireAsync([work.Id], Node, CancellationToken.None);
        }
    }

    public static void Enqueue(IBackgroundJobClient hangfire, ScheduledWork work) => Enqueue(hangfire, work.Id, JobNames.For(work));

    public static void Enqueue(IBackgroundJobClient hangfire, string workId, string description) =>
        hangfire.Enqueue<WorkRunner>(r => r.RunAsync(workId, description, CancellationToken.None));
}

/// <summary>Sees each piece of work this node runs in-process just before it runs (test-only fault injection holds it there).</summary>
public interface IInProcessWorkFilter
{
    Task BeforeAsync(ScheduledWork work, CancellationToken ct);
}
