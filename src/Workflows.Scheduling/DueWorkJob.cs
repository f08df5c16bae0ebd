using Hangfire;
using Microsoft.Extensions.Logging;
using Quartz;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// The one Quartz job behind every timer, deadline and reminder trigger: when a trigger fires, the work it names moves to
/// Queued in the outbox and goes to Hangfire. A trigger delivered twice finds the work Queued or Done already and does
/// nothing. The job asks for recovery, so a firing cut off by a crash fires again after the restart.
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

    public static ITrigger TriggerFor(ScheduledWork work, TimeProvider clock) => TriggerBuilder.Create(clock)
        .WithIdentity(work.Key, "work")
        .ForJob(Key)
        .UsingJobData(WorkKeyName, work.Key)
        .StartAt(work.DueAt)
        .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
        .Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct) =>
        await HandOverAsync(context.MergedJobDataMap.GetString(WorkKeyName) ?? context.Trigger.Key.Name, ct);

    /// <summary>What a firing does: returns true if it handed the work to Hangfire, false if the work was queued or done already.</summary>
    public async Task<bool> HandOverAsync(string key, CancellationToken ct)
    {
        if (!await store.MarkQueuedAsync(key, ct))
        {
            logger.LogInformation("Trigger {WorkKey} fired again; its work was queued or done already", key);
            return false;
        }
        var work = await store.GetByKeyAsync(key, ct);
        if (work is null) return false;
        WorkDispatcher.Enqueue(hangfire, work.Id);
        return true;
    }
}
