using Quartz;
using Workflows.Domain.Calendar;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// Quartz cron job, 08:00 Asia/Shanghai on the 1st: adds the work "summaries of last month". Its key is the month, so a
/// cron firing twice (or a node in a cluster firing it too) adds it once; the handler makes one summary per member.
/// </summary>
[DisallowConcurrentExecution]
public sealed class MonthlySummaryJob(ScheduledWorkStore store, WorkDispatcher dispatcher, TimeProvider clock) : IJob
{
    public static readonly JobKey Key = new("monthly-summaries", "workflows");
    public static readonly TriggerKey TriggerKey = new("monthly-summaries", "cron");

    public static IJobDetail Detail => JobBuilder.Create<MonthlySummaryJob>().WithIdentity(Key)
        .WithDescription("Adds the work of summarising the previous month for every COC member.").StoreDurably().Build();

    /// <summary>The cron trigger; built on the host's clock (Quartz computes the next 1st from it).</summary>
    public static ITrigger Trigger(string cron, TimeProvider clock) => TriggerBuilder.Create(clock).WithIdentity(TriggerKey).ForJob(Key).StartAt(clock.GetUtcNow())
        .WithCronSchedule(cron, c => c.InTimeZone(BusinessCalendar.Shanghai).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
        .Build();

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var fired = TimeZoneInfo.ConvertTime(context.ScheduledFireTimeUtc ?? clock.GetUtcNow(), BusinessCalendar.Shanghai);
        var month = new DateOnly(fired.Year, fired.Month, 1).AddMonths(-1);
        await AddRunAsync(store, month, null, clock, ct);
        dispatcher.Signal();
    }

    /// <summary>Adds a run of the month's summaries; a manual re-run passes its own request id (the summaries stay one per member).</summary>
    public static Task<bool> AddRunAsync(ScheduledWorkStore store, DateOnly month, string? requestId, TimeProvider clock, CancellationToken ct) =>
        store.AddAsync(requestId is null ? $"summaries:{month:yyyy-MM}" : $"summaries:{month:yyyy-MM}:{requestId}", WorkKinds.MonthlySummaries,
            clock.GetUtcNow(), new System.Text.Json.Nodes.JsonObject { ["month"] = month.ToString("yyyy-MM") }, ct);
}
