using Hangfire;
using Microsoft.Extensions.Logging;
using Quartz;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// The one Quartz job behind every timer, deadline and reminder trigger: when a trigger fires, the work it names moves to
/// Queued in the outbox and goes to Hangfire. A trigger delivered twice finds the work Queued or Done already and does
/// nothing. The job asks for recovery, so a firing cut off by a crash fires again after the restart or, clustered, at
/// once on a live node.
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

    public static ITrigger TriggerFor(ScheduledWork work) => TriggerBuilder.Create()
        .WithIdentity(work.Key, "work")
        .ForJob(Key)
        .UsingJobData(WorkKeyName, work.Key)
        .StartAt(work.DueAt)
        .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
        .Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        // A recovery firing runs under a trigger of its own; the work's key is the name of the trigger it stands for.
        var key = context.MergedJobDataMap.GetString(WorkKeyName) ?? (context.Recovering ? context.RecoveringTriggerKey?.Name : null) ?? context.Trigger.Key.Name;
        if (!await store.MarkQueuedAsync(key, ct))
        {
            // A recovery firing (the node that ran this firing died, and a live node of the cluster runs it again) may
            // find the work Queued with no Hangfire job: the dead node marked it and died before enqueueing. Enqueue it
            // again; if the job did get enqueued, the second run finds the work done (or resumes with the same key).
            if (context.Recovering && await store.GetByKeyAsync(key, ct) is { State: WorkStates.Queued } queued)
            {
                logger.LogInformation("Trigger {WorkKey} recovered from a failed node; handing its queued work to Hangfire again", key);
                WorkDispatcher.Enqueue(hangfire, queued.Id);
                return;
            }
            logger.LogInformation("Trigger {WorkKey} fired again; its work was queued or done already", key);
            return;
        }
        var work = await store.GetByKeyAsync(key, ct);
        if (work is null) return;
        WorkDispatcher.Enqueue(hangfire, work.Id);
    }
}
