using Hangfire.Server;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// Test-only fault injection, from the <c>FaultInjection</c> section, so crash tests kill the process at a named point
/// instead of after a random delay (refused in the Production environment, like the acceptance clock):
/// <list type="bullet">
/// <item><c>KillAt</c> = <c>before-commit</c> (inside the step's transaction, after its writes, before COMMIT) or
/// <c>after-commit</c> (committed, before the response is written), for the command sent with the Idempotency-Key
/// <c>KillOnKey</c>: the process SIGKILLs itself there, exactly like a crash.</item>
/// <item><c>HoldWork</c> = a duration: each Hangfire job, and each timer the node claimed, waits that long before it runs,
/// so a node has work in flight when a test kills it.</item>
/// </list>
/// </summary>
public sealed record FaultInjectionOptions(string? KillAt, string? KillOnKey, TimeSpan? HoldWork)
{
    public const string BeforeCommit = "before-commit";
    public const string AfterCommit = "after-commit";

    public bool IsConfigured => KillAt is not null || HoldWork is not null;

    public static FaultInjectionOptions From(IConfiguration config)
    {
        var s = config.GetSection("FaultInjection");
        var killAt = s["KillAt"];
        if (killAt is not (null or BeforeCommit or AfterCommit))
            throw new InvalidOperationException($"FaultInjection:KillAt must be {BeforeCommit} or {AfterCommit} (was '{killAt}').");
        if (killAt is not null && string.IsNullOrEmpty(s["KillOnKey"]))
            throw new InvalidOperationException("FaultInjection:KillAt needs FaultInjection:KillOnKey, the Idempotency-Key of the command to die in.");
        TimeSpan? hold = s["HoldWork"] is { } h ? TimeSpan.Parse(h, System.Globalization.CultureInfo.InvariantCulture) : null;
        return new(killAt, s["KillOnKey"], hold);
    }

    public static void Add(WebApplicationBuilder builder)
    {
        var options = From(builder.Configuration);
        if (!options.IsConfigured) return;
        if (builder.Environment.IsProduction())
            throw new InvalidOperationException("FaultInjection (a test-only setting that kills the process or delays work) is refused in the Production environment.");
        if (options.KillAt is not null) builder.Services.AddSingleton<IStepCommitObserver>(new KillAtCommitPoint(options));
        if (options.HoldWork is { } delay)
        {
            Hangfire.GlobalJobFilters.Filters.Add(new HoldWorkFilter(delay));
            builder.Services.AddSingleton<Workflows.Scheduling.IInProcessWorkFilter>(new HoldClaimedWork(delay));
        }
    }
}

/// <summary>Kills the process at the configured point of the command with the configured key.</summary>
internal sealed class KillAtCommitPoint(FaultInjectionOptions options) : IStepCommitObserver
{
    private bool Matches(StepCommit commit) => commit.Command?.Key is { } k && k.EndsWith("\u001f" + options.KillOnKey, StringComparison.Ordinal);

    public void OnCommitting(StepTransaction step)
    {
        if (options.KillAt == FaultInjectionOptions.BeforeCommit && Matches(step.Commit)) Die();
    }

    public void OnCommitted(StepCommit commit)
    {
        if (options.KillAt == FaultInjectionOptions.AfterCommit && Matches(commit)) Die();
    }

    private void Die()
    {
        Console.Error.WriteLine($"FaultInjection: killing the process at {options.KillAt} of the command keyed '{options.KillOnKey}'.");
        Console.Error.Flush();
        System.Diagnostics.Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}

/// <summary>Holds every Hangfire job for a while before it runs (the job is Processing on this node meanwhile).</summary>
internal sealed class HoldWorkFilter(TimeSpan delay) : IServerFilter
{
    public void OnPerforming(PerformingContext context) => Thread.Sleep(delay);
    public void OnPerformed(PerformedContext context) { }
}

/// <summary>Holds every timer this node claimed for a while before resuming it (the claim is the node's meanwhile).</summary>
internal sealed class HoldClaimedWork(TimeSpan delay) : Workflows.Scheduling.IInProcessWorkFilter
{
    public Task BeforeAsync(ScheduledWork work, CancellationToken ct) => Task.Delay(delay, ct);
}
