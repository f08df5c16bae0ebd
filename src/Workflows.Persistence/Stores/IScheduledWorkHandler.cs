namespace Workflows.Persistence.Stores;

/// <summary>The kinds of scheduled work; each has one <see cref="IScheduledWorkHandler"/>.</summary>
public static class WorkKinds
{
    /// <summary>A workflow timer (Delay, StartAt) is due: resume its instance.</summary>
    public const string WorkflowTimer = "workflow.timer";
    /// <summary>A task's service-level deadline passed: escalate it if it is still open.</summary>
    public const string SlaDeadline = "sla.deadline";
    /// <summary>A message in the notification outbox is to be delivered through its channel.</summary>
    public const string DeliverNotification = "notification.deliver";
    /// <summary>A reminder to a member (appointment, cancellation deadline, medication, missing documents).</summary>
    public const string Reminder = "reminder";
    /// <summary>The monthly summaries of one month, for every COC member.</summary>
    public const string MonthlySummaries = "summary.monthly";
    /// <summary>A policy's last day has passed: its services end (open applications closed, COC ended).</summary>
    public const string ContractEnd = "contract.end";
}

/// <summary>
/// Does one kind of scheduled work. Called by Hangfire, possibly more than once for the same work (a retry, a duplicate
/// delivery, a restart): the handler's effects must be keyed so that a second run changes nothing.
/// </summary>
public interface IScheduledWorkHandler
{
    string Kind { get; }
    /// <summary>Does the work; returns a short description of what happened (kept on the work's row).</summary>
    Task<string> RunAsync(ScheduledWork work, CancellationToken ct);
}
