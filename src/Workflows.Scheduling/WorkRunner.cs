using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// The Hangfire job that does one piece of scheduled work through its kind's handler and records the outcome on the
/// work's row. Work that is Done is not run again; a failure is retried by Hangfire and, after the last attempt, the
/// work is marked Failed for staff to look at and re-queue.
/// </summary>
public sealed class WorkRunner(ScheduledWorkStore store, IEnumerable<IScheduledWorkHandler> handlers, IOptions<SchedulingOptions> options,
    ILogger<WorkRunner> logger)
{
    private readonly Dictionary<string, IScheduledWorkHandler> _handlers = handlers.ToDictionary(h => h.Kind);

    /// <summary>
    /// The job as enqueued: <paramref name="description"/> (what it does and which case it concerns, see
    /// <see cref="JobNames"/>) is what Hangfire's dashboard shows as the job's name; the work itself is read by id.
    /// </summary>
    [System.ComponentModel.DisplayName("{1}")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 10, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public Task RunAsync(string workId, string description, CancellationToken ct) => RunAsync(workId, ct);

    /// <summary>Jobs enqueued before jobs had names (kept so they still run after an upgrade).</summary>
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 10, 60, 300, 900], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string workId, CancellationToken ct)
    {
        var work = await store.GetAsync(workId, ct);
        if (work is null || work.State is WorkStates.Done or WorkStates.Failed) return;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["WorkKey"] = work.Key, ["WorkKind"] = work.Kind });
        if (!_handlers.TryGetValue(work.Kind, out var handler))
        {
            await store.FailAttemptAsync(work.Id, $"No handler for work of kind '{work.Kind}'.", final: true, ct);
            logger.LogError("No handler for work of kind {WorkKind}", work.Kind);
            return;
        }
        try
        {
            var result = await handler.RunAsync(work, ct);
            if (await store.CompleteAsync(work.Id, result, ct))
                logger.LogInformation("Work {WorkKey} done: {Result}", work.Key, result);
        }
        catch (Exception e)
        {
            var final = work.Attempts + 1 >= options.Value.MaxAttempts;
            await store.FailAttemptAsync(work.Id, $"{e.GetType().Name}: {e.Message}", final, CancellationToken.None);
            logger.LogWarning(e, "Work {WorkKey} failed (attempt {Attempt}){Final}", work.Key, work.Attempts + 1, final ? "; no more retries" : "; will retry");
            if (!final) throw;
        }
    }
}
