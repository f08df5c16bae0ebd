using System.Diagnostics;
using Hangfire;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Workflows.Engine.Activities;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;
using Workflows.Scheduling;

/// <summary>
/// Workflow timers through the real schedulers, in a generic host wired like the back office (SQLite WAL file, migrations,
/// engine + store with the ScheduleOnCommit observer, AddScheduling: the outbox dispatcher, Quartz on the same file for
/// the calendar jobs, Hangfire in memory). A round:
///   1. starts N instances of "StartAt(due) → end": N timer bookmarks and N Pending ScheduledWork rows (no Quartz trigger
///      per timer), all due at one instant a little after they are all created; how long creating them took;
///   2. the process memory while they wait (after a full GC);
///   3. at the due instant the dispatcher claims them in batches from the outbox and resumes them in-process
///      (WorkflowRuntime.ResumeAsync, the resume's transaction marking the row Done); the rate from the due instant until
///      the last row is Done (end to end, and the median of per-second counts, from ScheduledWork.DoneAt);
///   4. the baseline, in the same process: N equal timer bookmarks made without the observer (no outbox, no triggers),
///      resumed straight through ResumeAsync with the same key and as many in parallel as Hangfire has workers.
/// Every round is checked in the database: each instance finished, exactly one BookmarkResumed per timer, every work row
/// Done after one attempt, claimed by this node, no per-work trigger in Quartz, no failed Hangfire job.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- timers [--timers 100000] [--rounds 1] [--warmup 1000]
///        [--lead seconds (creation start → due instant; estimated from the warm-up when absent)] [--keep]
///        [--Scheduling:Workers 4 ...: any SchedulingOptions]
///        [--provider PostgreSql --connection "Host=...;Username=...;Password=...;Database=postgres"]: the same on PostgreSQL: a
///        fresh database (wf_timers_xxxxxxxx, created through --connection, migrated under the start-up lock as the host
///        does, dropped at the end unless --keep) holding the workflow store, the outbox, Quartz (clustered) and Hangfire,
///        as Database:Provider = PostgreSql wires a node.
/// </summary>
static class TimersBenchmark
{
    const double Mb = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var n = (int)Bench.Arg(args, "--timers", 100_000);
        var rounds = (int)Bench.Arg(args, "--rounds", 1);
        var warmup = (int)Bench.Arg(args, "--warmup", 1_000);
        var lead = Bench.Arg(args, "--lead", 0);

        var postgres = Bench.ArgS(args, "--provider", "Sqlite").Equals("PostgreSql", StringComparison.OrdinalIgnoreCase);
        var suffix = Guid.CreateVersion7().ToString("N")[^8..];
        var dir = Path.Combine(Path.GetTempPath(), "wf-timers-" + suffix);
        DatabaseOptions db;
        string? server = null, database = null;
        if (postgres)
        {
            server = Bench.ArgS(args, "--connection", "");
            if (server.Length == 0) { Console.Error.WriteLine("--provider PostgreSql needs --connection \"Host=...;Username=...;Password=...;Database=...\""); return 2; }
            database = "wf_timers_" + suffix;
            await using (var admin = new NpgsqlConnection(server))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }
            db = new DatabaseOptions
            {
                Provider = DatabaseProvider.PostgreSql,
                PostgreSqlConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString,
            };
        }
        else
        {
            db = new DatabaseOptions { Path = Path.Combine(dir, "bench.db") };
            db.EnsureWal();
        }
        {
            // As the host's start-up (Startup.PrepareAsync): PostgreSQL is migrated under the advisory start-up lock.
            await using var startupLock = postgres
                ? await Workflows.Persistence.PostgreSql.StartupLock.AcquireAsync(db.RequirePostgreSql(),
                    Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None)
                : null;
            var ctxOptions = new DbContextOptionsBuilder<WorkflowsDbContext>();
            db.Configure(ctxOptions);
            await using var ctx = new WorkflowsDbContext(ctxOptions.Options);
            await ctx.Database.MigrateAsync();
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddCommandLine(args);
        // One log line per timer would measure the console; --Logging:LogLevel:Quartz Debug and the like still work.
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning).AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Services.AddSingleton(db);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddWorkflowEngine(new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly)); // as the back office, without the domain
        builder.Services.AddScheduling(builder.Configuration, db);
        using var host = builder.Build();
        await host.StartAsync();
        await host.Services.GetRequiredService<WorkDispatcher>().Recovered;

        var failed = false;
        await using (var run = await Run.CreateAsync(host.Services, db))
        {
            var where = postgres
                ? $"PostgreSQL {run.Raw.ServerVersion} (fsync={await run.Setting("fsync")}, synchronous_commit={await run.Setting("synchronous_commit")}; " +
                  $"Npgsql pool max {new NpgsqlConnectionStringBuilder(db.PostgreSqlConnectionString).MaxPoolSize})"
                : $"SQLite {run.Raw.ServerVersion} WAL";
            Console.WriteLine($"{Environment.ProcessorCount} cores; {where}; Hangfire workers {run.Options.Workers}, " +
                              $"Quartz threads {run.Options.QuartzThreads}; {rounds} round(s) of {n:N0} timers after a warm-up of {warmup:N0}");
            var w = await run.RoundAsync("warmup", warmup, TimeSpan.FromSeconds(10 + warmup / 200.0));
            failed |= w.Problems.Count > 0;
            var idle = Memory();
            Console.WriteLine($"memory, host idle after the warm-up: working set {idle.WorkingSet / Mb:N0} MB, GC heap {idle.Heap / Mb:N0} MB");

            var results = new List<Result>();
            for (var r = 1; r <= rounds; r++)
            {
                // The due instant must come after the last timer is in the outbox: estimated from the warm-up, with room to spare.
                var due = TimeSpan.FromSeconds(lead > 0 ? lead : 15 + 2 * n * w.Handed.TotalSeconds / warmup);
                var result = await run.RoundAsync($"r{r}", n, due);
                results.Add(result);
                failed |= result.Problems.Count > 0;
            }

            Console.WriteLine();
            Console.WriteLine($"medians over {rounds} round(s) of {n:N0} timers:");
            Console.WriteLine($"  created, in the outbox         : {Bench.Median(results.Select(x => x.Handed.TotalSeconds)),8:N1} s (created in {Bench.Median(results.Select(x => x.Created.TotalSeconds)):N1} s)");
            Console.WriteLine($"  memory while they wait         : working set {Bench.Median(results.Select(x => x.Waiting.WorkingSet / Mb)):N0} MB, GC heap {Bench.Median(results.Select(x => x.Waiting.Heap / Mb)):N0} MB");
            Console.WriteLine($"  claimed + resumed (outbox)     : {Bench.Median(results.Select(x => x.Rate)),8:N0}/s end to end, {Bench.Median(results.Select(x => x.RatePerSecondMedian)),8:N0}/s median per second");
            Console.WriteLine($"  baseline, ResumeAsync directly : {Bench.Median(results.Select(x => x.Baseline)),8:N0}/s end to end, {Bench.Median(results.Select(x => x.BaselinePerSecondMedian)),8:N0}/s median per second");
            Console.WriteLine($"  schedulers / baseline          : {Bench.Median(results.Select(x => x.Rate / x.Baseline)),8:P1}");
            Console.WriteLine(failed ? "CHECK FAILED (see above)" : "checks: every timer resumed exactly once, all work Done after one attempt, no per-work triggers, no failed jobs");
        }
        await host.StopAsync();
        if (postgres)
        {
            NpgsqlConnection.ClearAllPools();
            if (args.Contains("--keep")) Console.WriteLine($"database kept: {database}");
            else
            {
                await using var admin = new NpgsqlConnection(server);
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE {database} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync();
            }
        }
        else
        {
            SqliteConnection.ClearAllPools();
            if (args.Contains("--keep")) Console.WriteLine($"database kept: {db.Path}");
            else Directory.Delete(dir, recursive: true);
        }
        return failed ? 1 : 0;
    }

    static (long WorkingSet, long Heap) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var p = Process.GetCurrentProcess();
        return (p.WorkingSet64, GC.GetTotalMemory(false));
    }

    /// <summary>Counts per whole second from the first completion on; the last, partial second is left out.</summary>
    static List<double> PerSecond(IReadOnlyCollection<double> doneAtSeconds)
    {
        if (doneAtSeconds.Count == 0) return [];
        var first = doneAtSeconds.Min();
        var buckets = doneAtSeconds.GroupBy(t => (int)(t - first)).ToDictionary(g => g.Key, g => (double)g.Count());
        // Under a second in all: the one sample is the overall rate.
        if (buckets.Count == 1) return [doneAtSeconds.Count / Math.Max(doneAtSeconds.Max() - first, 0.001)];
        return Enumerable.Range(0, buckets.Keys.Max()).Select(k => buckets.GetValueOrDefault(k)).ToList();
    }

    sealed record Result(TimeSpan Created, TimeSpan Handed, (long WorkingSet, long Heap) Waiting, double Rate, double RatePerSecondMedian,
        double Baseline, double BaselinePerSecondMedian, List<string> Problems);

    sealed class Run(IServiceProvider sp, DatabaseOptions db, DbConnection raw) : IAsyncDisposable
    {
        public static async Task<Run> CreateAsync(IServiceProvider sp, DatabaseOptions db) => new(sp, db, await db.OpenConnectionAsync());

        /// <summary>The checks' own connection; its SQL is written once with EF's names and quoted for PostgreSQL by the dialect.</summary>
        public DbConnection Raw { get; } = raw;
        private readonly SqlDialect _dialect = SqlDialect.For(raw);

        public async Task<string> Setting(string name)
        {
            await using var cmd = Raw.CreateCommand();
            cmd.CommandText = $"SHOW {name}";
            return (string)(await cmd.ExecuteScalarAsync())!;
        }

        private void Bind(DbCommand cmd, string name, object value)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        public SchedulingOptions Options { get; } = sp.GetRequiredService<IOptions<SchedulingOptions>>().Value;
        private readonly WorkflowRuntime _runtime = sp.GetRequiredService<WorkflowRuntime>();

        // The baseline's runtime: the same connections (one writer), a store without the observer, so its timers get no
        // outbox rows and no triggers.
        private readonly WorkflowRuntime _direct = new(new WorkflowStore(sp.GetRequiredService<StoreConnections>()),
            sp.GetRequiredService<ActivityRegistry>(), sp.GetRequiredService<ExpressionEvaluator>(), TimeProvider.System, sp,
            sp.GetRequiredService<WorkflowRuntimeOptions>(), sp.GetRequiredService<ILogger<WorkflowRuntime>>());

        public async Task<Result> RoundAsync(string tag, int count, TimeSpan lead)
        {
            // 1. N instances waiting on one due instant; done when every row is in the outbox, Pending.
            var due = DateTimeOffset.UtcNow.Add(lead);
            due = new DateTimeOffset(due.Ticks - due.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            await PublishAsync($"timers-{tag}", due);
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < count; i++) await _runtime.StartAsync($"timers-{tag}", null, Actor.System);
            var created = sw.Elapsed;
            while (await Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE DueAt = @due AND State = 'Pending'", due) < count && DateTimeOffset.UtcNow < due)
                await Task.Delay(20);
            var handed = sw.Elapsed;
            var problems = new List<string>();
            if (DateTimeOffset.UtcNow >= due) problems.Add($"timers came due before all were in the outbox: use a larger --lead than {lead.TotalSeconds:N0} s");

            // 2. Memory while they wait.
            var waiting = Memory();
            Console.WriteLine($"[{tag}] {count:N0} timers created in {created.TotalSeconds:N1} s, all in the outbox after {handed.TotalSeconds:N1} s " +
                              $"({await Scalar("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_GROUP = 'work'")} per-work triggers, " +
                              $"{await Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE DueAt = @due AND State = 'Pending'", due)} rows Pending); " +
                              $"while they wait: working set {waiting.WorkingSet / Mb:N0} MB, GC heap {waiting.Heap / Mb:N0} MB");

            // 3. Due: wait for the last row to be Done (or Failed), then rate from DoneAt.
            if (due > DateTimeOffset.UtcNow) await Task.Delay(due - DateTimeOffset.UtcNow);
            while (await Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE DueAt = @due AND State IN ('Pending','Scheduled','Queued')", due) > 0)
                await Task.Delay(250);
            var drained = Memory();
            var doneAt = await DoneAtSeconds(due);
            var rate = count / doneAt.Max();
            var perSecond = PerSecond(doneAt);
            problems.AddRange(await VerifyAsync($"timers-{tag}", count, due));
            Console.WriteLine($"[{tag}] claimed from the outbox and resumed: first {doneAt.Min():N2} s after due, last {doneAt.Max():N1} s: " +
                              $"{rate:N0}/s end to end, median {Bench.Median(perSecond):N0}/s over {perSecond.Count} whole seconds; " +
                              $"after: working set {drained.WorkingSet / Mb:N0} MB, GC heap {drained.Heap / Mb:N0} MB");

            // 4. Baseline: equal timer bookmarks, resumed directly.
            await PublishAsync($"direct-{tag}", due.AddDays(1));
            var bookmarks = new string[count];
            for (var i = 0; i < count; i++) bookmarks[i] = (await _direct.StartAsync($"direct-{tag}", null, Actor.System)).Bookmarks[0].Id;
            var times = new double[count];
            sw.Restart();
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Options.Workers }, async (i, ct) =>
            {
                await _direct.ResumeAsync(bookmarks[i], new ResumeInput(), Actor.System, ScheduleOnCommit.TimerKey(bookmarks[i]), ct);
                times[i] = sw.Elapsed.TotalSeconds;
            });
            var baseline = count / sw.Elapsed.TotalSeconds;
            var baselinePerSecond = PerSecond(times);
            problems.AddRange(await VerifyAsync($"direct-{tag}", count, null));
            Console.WriteLine($"[{tag}] baseline, ResumeAsync directly ({Options.Workers} in parallel): {baseline:N0}/s end to end, " +
                              $"median {Bench.Median(baselinePerSecond):N0}/s; schedulers/baseline {rate / baseline:P1}");
            foreach (var p in problems) Console.WriteLine($"[{tag}] CHECK FAILED: {p}");
            return new Result(created, handed, waiting, rate, Bench.Median(perSecond), baseline, Bench.Median(baselinePerSecond), problems);
        }

        private async Task PublishAsync(string definitionId, DateTimeOffset due)
        {
            await using var scope = sp.CreateAsyncScope();
            var ctxOptions = new DbContextOptionsBuilder<WorkflowsDbContext>();
            db.Configure(ctxOptions);
            await using var ctx = new WorkflowsDbContext(ctxOptions.Options);
            var defs = new DefinitionStore(ctx, _runtime, TimeProvider.System, scope.ServiceProvider.GetRequiredService<ILogger<DefinitionStore>>());
            var model = WorkflowJson.Deserialize("""
                {"definitionId":"@id","name":"@id",
                 "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
                   {"id":"wait","type":"Elsa.StartAt","dateTime":{"expression":{"type":"Literal","value":"@due"}}}],
                  "connections":[]}}
                """.Replace("@id", definitionId).Replace("@due", due.ToString("O")));
            await defs.PublishAsync((await defs.SaveDraftAsync(model, Actor.System)).DefinitionId, Actor.System);
        }

        /// <summary>What must hold once a round's timers have fired; an empty list when it all does.</summary>
        private async Task<List<string>> VerifyAsync(string definitionId, int count, DateTimeOffset? due)
        {
            var problems = new List<string>();
            void Expect(string what, long actual, long expected)
            {
                if (actual != expected) problems.Add($"{definitionId}: {what} is {actual:N0}, expected {expected:N0}");
            }
            Expect("finished instances", await Scalar("SELECT COUNT(*) FROM WorkflowInstances WHERE DefinitionId = @def AND Status = 'Finished'", null, definitionId), count);
            const string resumed = $"""
                FROM JournalEntries j JOIN WorkflowInstances i ON i.Id = j.InstanceId
                WHERE i.DefinitionId = @def AND j.EventName = '{JournalEvents.BookmarkResumed}' AND j.ActivityType = 'Elsa.StartAt'
                """;
            Expect("BookmarkResumed entries", await Scalar("SELECT COUNT(*) " + resumed, null, definitionId), count);
            Expect("distinct timers resumed", await Scalar("SELECT COUNT(DISTINCT j.BookmarkId) " + resumed, null, definitionId), count);
            if (due is null) return problems;
            Expect("ScheduledWork rows", await Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE DueAt = @due", due), count);
            Expect("ScheduledWork rows Done", await Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE DueAt = @due AND State = 'Done'", due), count);
            Expect("attempts (1 per row: no retries)", await Scalar("SELECT SUM(Attempts) FROM ScheduledWork WHERE DueAt = @due", due), count);
            Expect("rows claimed by this node", await Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE DueAt = @due AND ClaimedBy = @node", due, node: Options.NodeName), count);
            Expect("per-work triggers in Quartz", await Scalar("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_GROUP = 'work'"), 0);
            Expect("failed Hangfire jobs", sp.GetRequiredService<JobStorage>().GetMonitoringApi().FailedCount(), 0);
            return problems;
        }

        private async Task<List<double>> DoneAtSeconds(DateTimeOffset due)
        {
            await using var cmd = Raw.CreateCommand();
            cmd.CommandText = _dialect.Sql("SELECT DoneAt FROM ScheduledWork WHERE DueAt = @due AND DoneAt IS NOT NULL");
            Bind(cmd, "@due", due.UtcTicks);
            var list = new List<double>();
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) list.Add((r.GetInt64(0) - due.UtcTicks) / (double)TimeSpan.TicksPerSecond);
            return list;
        }

        private async Task<long> Scalar(string sql, DateTimeOffset? due = null, string? definitionId = null, string? node = null)
        {
            await using var cmd = Raw.CreateCommand();
            cmd.CommandText = _dialect.Sql(sql);
            if (due is { } d) Bind(cmd, "@due", d.UtcTicks);
            if (definitionId is not null) Bind(cmd, "@def", definitionId);
            if (node is not null) Bind(cmd, "@node", node);
            // COUNT is a long on both; PostgreSQL's SUM of a bigint is numeric.
            return await cmd.ExecuteScalarAsync() is { } v and not DBNull ? Convert.ToInt64(v) : 0;
        }

        public ValueTask DisposeAsync() => Raw.DisposeAsync();
    }
}
