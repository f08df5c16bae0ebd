using System.ComponentModel.DataAnnotations;

namespace Workflows.Scheduling;

/// <summary>Configuration section "Scheduling".</summary>
public sealed class SchedulingOptions
{
    /// <summary>
    /// Where Quartz keeps its triggers and Hangfire its queue. Sqlite (default): Quartz in the back office's SQLite file,
    /// Hangfire in memory (the ScheduledWork outbox makes that safe). PostgreSql: both on PostgreSQL, Quartz clustered,
    /// so several back-office nodes share the schedule and each trigger fires on one node. When Database:Provider is
    /// PostgreSql this is PostgreSql whatever it says.
    /// </summary>
    [RegularExpression("(?i)Sqlite|PostgreSql", ErrorMessage = "Scheduling:Store must be Sqlite or PostgreSql.")]
    public string Store { get; set; } = "Sqlite";

    /// <summary>The PostgreSQL connection string when <see cref="Store"/> is PostgreSql; empty on a PostgreSQL back office: Database:ConnectionString.</summary>
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>This node's name in the cluster and in Hangfire's server list.</summary>
    [Required(ErrorMessage = "Scheduling:NodeName must not be empty.")]
    public string NodeName { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// Hangfire workers running work in parallel; also how many claimed timers a node resumes at once. When the setting
    /// is absent it follows the provider (<see cref="DefaultWorkers"/>, applied by AddScheduling): this initial value is
    /// SQLite's.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Scheduling:Workers must be between 1 and 1000.")]
    public int Workers { get; set; } = DefaultWorkers(postgreSql: false);

    /// <summary>
    /// <see cref="Workers"/> when not configured. SQLite: 2 × processor count, at least 2 (one writer: more resumes in
    /// flight only queue for it). PostgreSQL: 4 × processor count, at least 8: every statement of a resume is a round trip
    /// to the server, so the rate follows the resumes in flight (docs/operations.md, "Timers through the outbox":
    /// 4 and 8 workers measured on both providers in one sitting).
    /// </summary>
    public static int DefaultWorkers(bool postgreSql) =>
        postgreSql ? Math.Max(8, Environment.ProcessorCount * 4) : Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>Quartz threads firing triggers (each only hands its work to Hangfire, so few are needed).</summary>
    [Range(1, 1000, ErrorMessage = "Scheduling:QuartzThreads must be between 1 and 1000.")]
    public int QuartzThreads { get; set; } = 4;

    /// <summary>How long Quartz waits before looking again when nothing is due (at least 1 s).</summary>
    public TimeSpan QuartzIdleWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest the dispatcher sleeps before looking for due work again: it sleeps until the next work falls due and is
    /// woken by steps that add work, so this bounds how late it notices work added by another node or a claim whose lease ran out.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Clustered (PostgreSql): how often each node records in Quartz's scheduler state that it is alive. A node that
    /// misses its check-in by <see cref="ClusterCheckinMisfireThreshold"/> is taken for dead, and a live node recovers
    /// the firings it had in hand.
    /// </summary>
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Clustered: how late a check-in may be before the node is taken for dead (raise it past the worst pause: GC, VM, failover).</summary>
    public TimeSpan ClusterCheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// PostgreSql: how long a Hangfire job fetched by a node that then died stays invisible before another node runs it.
    /// Sliding: a live node keeps extending it while the job runs, so it only bounds how long a dead node's work waits.
    /// </summary>
    public TimeSpan WorkInvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// PostgreSql: how old a Hangfire lock must be to be taken for a dead node's and removed. Hangfire holds a job's
    /// lock while a worker has it, and a node killed meanwhile never releases it: until then no other node can run that
    /// job (Hangfire.PostgreSql's default is 10 minutes). Keep it above the longest piece of work.
    /// </summary>
    public TimeSpan StaleLockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>PostgreSql: how often an idle Hangfire worker looks for jobs another node enqueued (its own node wakes it at once).</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a node's claim on due work lasts. Work still claimed after this (its node died or stalled between claim
    /// and resume) is claimed again by any node; a second resume of the same timer is answered from the first. Keep it
    /// well above the time a batch takes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Scheduling:ClaimLease must be between 1 second and 1 day.")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many due rows a node claims per batch (one conditional update).</summary>
    [Range(1, 100_000, ErrorMessage = "Scheduling:DispatchBatch must be between 1 and 100000.")]
    public int DispatchBatch { get; set; } = 500;

    /// <summary>Attempts (first run plus retries) before a piece of work is marked Failed for staff to look at.</summary>
    [Range(1, 100, ErrorMessage = "Scheduling:MaxAttempts must be between 1 and 100.")]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Cron of the monthly summaries, in Asia/Shanghai: 08:00 on the 1st.</summary>
    [Required(ErrorMessage = "Scheduling:MonthlySummaryCron must be a Quartz cron expression.")]
    public string MonthlySummaryCron { get; set; } = "0 0 8 1 * ?";

    public bool UsesPostgreSql => string.Equals(Store, "PostgreSql", StringComparison.OrdinalIgnoreCase);
}
