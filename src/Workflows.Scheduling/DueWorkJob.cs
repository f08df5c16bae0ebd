using Hangfire;
using Microsoft.Extensions.Logging;
using Quartz;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// The Quartz job that hands one piece of work, named by key, to Hangfire: the work moves to Queued in the outbox (only
/// from Pending) and goes to Hangfire. Due work is normally claimed in batches by <see cref="WorkDispatcher"/>, not fired
/// by a trigger per row; this job stays for a firing by hand (an operator, a test delivering work twice) and for a
/// per-work trigger of an earlier version that fires before the dispatcher removes it at startup. A delivery that finds
/// the work Queued or Done does nothing.
/// </summary>
public sealed class DueWorkJob(ScheduledWorkStore store, IBackgroundJobClient hangfire, ILogger<DueWorkJob> logger) : IJob
{
    public static readonly JobKey Key = new("scheduled-work", "workflows");

    public static readonly IJobDetail Detail = JobBuilder.Create<DueWorkJob>()
        .WithIdentity(Key)
        .WithDescription("Hands due scheduled work (timers, SLA deadlines, reminders) to Hangfire.")
        .StoreDurably()
        .RequestRecovery()
        .Build();

    public const string WorkKeyName = "workKey";

    /// <summary>The trigger group earlier versions scheduled one trigger per piece of work in (removed at startup).</summary>
    public const string TriggerGroup = "work";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct) =>
        // A recovery firing runs under a trigger of its own; the work's key is the name of the trigger it stands for.
        await HandOverAsync(context.MergedJobDataMap.GetString(WorkKeyName) ?? (context.Recovering ? context.RecoveringTriggerKey?.Name : null) ?? context.Trigger.Key.Name,
            ct, context.Recovering);

    /// <summary>
    /// What a firing does: returns true if it handed the work to Hangfire, false if the work was queued or done already
    /// (<paramref name="recovering"/>: a cluster peer re-runs a dead node's firing; see below).
    /// </summary>
    public async Task<bool> HandOverAsync(string key, CancellationToken ct, bool recovering = false)
    {
        if (!await store.MarkQueuedAsync(key, ct))
        {
            // A recovery firing (the node that ran this firing died, and a live node of the cluster runs it again) may
            // find the work Queued with no Hangfire job: the dead node marked it and died before enqueueing. Enqueue it
            // again; if the job did get enqueued, the second run finds the work done (or resumes with the same key).
            if (recovering && await store.GetByKeyAsync(key, ct) is { State: WorkStates.Queued } queued)
            {
                logger.LogInformation("Trigger {WorkKey} recovered from a failed node; handing its queued work to Hangfire again", key);
                WorkDispatcher.Enqueue(hangfire, queued);
                return true;
            }
            logger.LogInformation("Trigger {WorkKey} fired again; its work was queued or done already", key);
            return false;
        }
        var work = await store.GetByKeyAsync(key, ct);
        if (work is null) return false;
        WorkDispatcher.Enqueue(hangfire, work);
        return true;
    }
}
