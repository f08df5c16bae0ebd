using Workflows.Engine.Runtime;

namespace Workflows.Web.Infrastructure;

/// <summary>Resumes instances whose timers (Delay, StartAt) are due. Timers live in the database, so they survive restarts.</summary>
public sealed class TimerPoller(WorkflowRuntime runtime, TimeProvider clock, IConfiguration config, ILogger<TimerPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(config.GetValue("Timers:PollMilliseconds", 1000));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await runtime.ResumeDueTimersAsync(100, stoppingToken) > 0) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                logger.LogError(e, "Resuming due timers failed; will try again");
            }
            try { await Task.Delay(interval, clock, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
