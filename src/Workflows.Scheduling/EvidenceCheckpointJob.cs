using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;
using Workflows.Persistence.Evidence;

namespace Workflows.Scheduling;

/// <summary>
/// Quartz job, every <see cref="EvidenceOptions.CheckpointInterval"/>: signs the chain heads of all instances as a
/// Merkle root and writes it as a new file in the checkpoint directory (outside the database, for WORM storage).
/// Clustered, Quartz fires it on one node; a second firing with nothing new journaled writes nothing.
/// </summary>
[DisallowConcurrentExecution]
public sealed class EvidenceCheckpointJob(CheckpointStore checkpoints) : IJob
{
    public static readonly JobKey Key = new("evidence-checkpoint", "workflows");
    public static readonly TriggerKey TriggerKey = new("evidence-checkpoint", "interval");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct) => await checkpoints.WriteAsync(ct);

    /// <summary>Registers the job and schedules it at start (replacing the trigger if the interval changed).</summary>
    public static IServiceCollection AddEvidenceCheckpoints(IServiceCollection services)
    {
        services.AddTransient<EvidenceCheckpointJob>();
        services.AddHostedService<Schedule>();
        return services;
    }

    private sealed class Schedule(ISchedulerFactory quartz, EvidenceOptions options, TimeProvider clock) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken ct)
        {
            var scheduler = await quartz.GetScheduler(ct);
            var detail = JobBuilder.Create<EvidenceCheckpointJob>().WithIdentity(Key).WithDescription("Signs the journal chain heads of all instances (evidence checkpoint).")
                .StoreDurably().Build();
            if (await scheduler.GetTrigger(TriggerKey, ct) is ISimpleTrigger t && t.RepeatInterval == options.CheckpointInterval) return;
            var trigger = TriggerBuilder.Create(clock).WithIdentity(TriggerKey).ForJob(Key).StartAt(clock.GetUtcNow().Add(options.CheckpointInterval))
                .WithSimpleSchedule(s => s.WithInterval(options.CheckpointInterval).RepeatForever()).Build();
            await scheduler.ScheduleJob(detail, trigger, new ScheduleJobOptions { Replace = true }, ct);
        }
    }
}
