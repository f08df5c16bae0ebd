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

    /// <summary>
    /// How late a work trigger may be and still be fired by the normal acquisition, oldest first. A late trigger fires
    /// now either way (FireNow), but past the store's default of 60 s it is left to the misfire handler, which re-times
    /// a few at a time: a backlog larger than a minute's firing (100,000 timers due at once, or the timers of a longer
    /// outage) then drained at ~25/s, the rest re-timed over and over, instead of ~250/s.
    /// </summary>
    public static readonly TimeSpan LateFiringWindow = TimeSpan.FromDays(30);

    public static ITrigger TriggerFor(ScheduledWork work) => TriggerBuilder.Create()
        .WithIdentity(work.Key, "work")
        .ForJob(Key)
        .UsingJobData(WorkKeyName, work.Key)
        .StartAt(work.DueAt)
        .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
        .WithMisfireThreshold(LateFiringWindow)
        .Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var key = context.MergedJobDataMap.GetString(WorkKeyName) ?? context.Trigger.Key.Name;
        if (!await store.MarkQueuedAsync(key, ct))
        {
            logger.LogInformation("Trigger {WorkKey} fired again; its work was queued or done already", key);
            return;
        }
        var work = await store.GetByKeyAsync(key, ct);
        if (work is null) return;
        WorkDispatcher.Enqueue(hangfire, work.Id);
    }
}
