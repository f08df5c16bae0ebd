using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Workflows.Web.Tests;

/// <summary>Runs alone: two back-office processes and a PostgreSQL server are timing-sensitive on a 2-core machine.</summary>
[CollectionDefinition(nameof(MultiNode), DisableParallelization = true)]
public sealed class MultiNode;

/// <summary>
/// Scale-out: two real back-office processes on one SQLite data folder, Quartz clustered and Hangfire on one real
/// PostgreSQL database. Many timers are scheduled through both nodes, both nodes claim them from the outbox as they fall
/// due, one node is killed (SIGKILL) while it holds claimed timers, and the survivor takes them once their lease has run
/// out and finishes everything: each timer resumes its instance exactly once.
/// </summary>
[Collection(nameof(MultiNode))]
public sealed class ClusteredSchedulingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Instances = 40;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-cluster-" + Guid.NewGuid().ToString("N")[..8]);
    private string Workflows => Path.Combine(_data, "workflows");
    private TestPostgres? _postgres;
    private readonly List<BackOfficeProcess> _nodes = [];

    public async Task InitializeAsync()
    {
        // The database first: if the server is not there, nothing is left behind (DisposeAsync does not run then).
        if (TestPostgres.AdminConnectionString is not null) _postgres = await TestPostgres.CreateAsync();
        Directory.CreateDirectory(Workflows);
        await File.WriteAllTextAsync(Path.Combine(Workflows, "cluster-timer.json"), """
        {"definitionId":"cluster-timer","name":"Cluster timer",
         "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
           {"id":"wait","type":"Elsa.Delay","timeSpan":{"expression":{"type":"Literal","value":"PT5S"}}},
           {"id":"after","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"After the timer"}}}],
          "connections":[{"source":{"activity":"wait","port":"Done"},"target":{"activity":"after"}}]}}
        """);
    }

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes) n.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A node; <paramref name="holdWork"/> makes each timer it claims (and each Hangfire job it runs) wait that long
    /// first (test-only FaultInjection), so that it has work in flight when it is killed.</summary>
    private Task<BackOfficeProcess> StartNode(string name, TimeSpan? holdWork = null) => BackOfficeProcess.StartAsync(_data, Workflows,
    [
        .. holdWork is { } hold ? (string[])["--environment", "Acceptance", "--FaultInjection:HoldWork", hold.ToString("c")] : [],
        "--Scheduling:Store", "PostgreSql",
        "--Scheduling:PostgreSqlConnectionString", _postgres!.ConnectionString,
        "--Scheduling:NodeName", name,
        "--Logging:File", Path.Combine(_data, "logs", $"{name}-.log"),
        // Shorter than in production so that a dead node's work moves within seconds: its claims on due timers run out
        // after 10 s; Quartz takes a node for dead after 2 s + 8 s without a check-in; a Hangfire job it had fetched is
        // visible to others again after 10 s, and the lock it held on that job is removed after 10 s.
        "--Scheduling:ClaimLease", "00:00:10",
        "--Scheduling:ClusterCheckinInterval", "00:00:02",
        "--Scheduling:ClusterCheckinMisfireThreshold", "00:00:08",
        "--Scheduling:WorkInvisibilityTimeout", "00:00:10",
        "--Scheduling:StaleLockTimeout", "00:00:10",
        "--Scheduling:QueuePollInterval", "00:00:01",
    ]);

    private static async Task<HttpClient> Client(BackOfficeProcess node, string user)
    {
        var c = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    [PostgresFact]
    public async Task Two_nodes_fire_every_timer_once_and_the_survivor_finishes_the_killed_nodes_work()
    {
        var clock = Stopwatch.StartNew();
        // Both nodes start at once: the schema of Quartz and Hangfire is created by whichever wins.
        // Node A holds each timer it claims 3 s before resuming it, so that when it is killed some of its work is certainly in hand.
        Task<BackOfficeProcess>[] starting = [StartNode("node-a", TimeSpan.FromSeconds(3)), StartNode("node-b")];
        try { await Task.WhenAll(starting); }
        finally { _nodes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result)); } // stopped in DisposeAsync
        var (a, b) = (starting[0].Result, starting[1].Result);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: both nodes answer");
        var clients = new[] { await Client(a, "casemanager"), await Client(b, "casemanager") };

        // 40 instances, alternately through each node's API, spread out so that their timers fall due over a few seconds.
        var timers = new List<(string Instance, string Bookmark)>();
        for (var i = 0; i < Instances; i++)
        {
            var r = await clients[i % 2].SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "cluster-timer" }, $"start-{i}"));
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            var body = await r.Body();
            var bookmark = body.GetProperty("bookmarks")[0];
            Assert.Equal("Timer", bookmark.GetProperty("kind").GetString());
            timers.Add((body.GetProperty("instanceId").GetString()!, bookmark.GetProperty("id").GetString()!));
            await Task.Delay(50);
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {Instances} instances started");

        // Clustering is on: both nodes check in to the same Quartz scheduler.
        Assert.Equal(["node-a", "node-b"], await SchedulerInstances());

        // Kill node A once the first timers have done their work and while node A holds claimed timers it has not resumed.
        await Until(async () => (await WorkStates()).Count(s => s == "Done") >= 3 && (await ClaimedBy("node-a")).Count > 0, TimeSpan.FromSeconds(30),
            "the first timers to fire and node A to hold claimed work");
        a.Kill();
        var killedAt = clock.Elapsed;
        // What node A had in hand when it died (the process is gone: this is frozen): timers it claimed and had not resumed.
        var heldByA = await ClaimedBy("node-a");
        var atKill = await WorkStates();
        output.WriteLine($"{killedAt.TotalSeconds:0.0} s: node A killed; work {Summary(atKill)}; node A held [{string.Join(", ", heldByA)}]");
        Assert.True(heldByA.Count > 0, "node A had no work in flight when it was killed; the recovery checks would prove nothing");
        Assert.True(atKill.Count(s => s == "Done") < Instances, "the kill came after all the work was done; the test proves nothing");

        // The survivor does the rest: every timer's work is done and every instance waits at its task. Node A's claims
        // are node B's once their lease (10 s here) has run out.
        await Until(async () => (await WorkStates()).All(s => s == "Done") && await InstancesAtTask() == Instances, TimeSpan.FromSeconds(60),
            "every timer's work to be done by node B");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: all work done");
        await using (var db = OpenSqlite())
            foreach (var key in heldByA)
                Assert.Equal("node-b", Scalar(db, "SELECT ClaimedBy FROM ScheduledWork WHERE Key = @k", ("@k", key)));

        // Quartz (the calendar jobs) is clustered too: node B takes node A for dead and removes its check-in.
        await Until(async () => await SchedulerInstances() is ["node-b"], TimeSpan.FromSeconds(40), "node B to take node A for dead");
        Assert.Equal(0L, (await _postgres!.QueryAsync("SELECT COUNT(*) FROM qrtz_triggers WHERE trigger_group = 'work'", r => r.GetInt64(0))).Single());

        // Exactly once: one outbox row per timer bookmark, Done; one BookmarkResumed per timer bookmark in the journal.
        await using (var db = OpenSqlite())
        {
            foreach (var (instance, bookmark) in timers)
            {
                Assert.Equal("Done", Scalar(db, "SELECT State FROM ScheduledWork WHERE Key = @k", ("@k", $"timer:{bookmark}")));
                Assert.Equal(1L, Scalar(db, "SELECT COUNT(*) FROM JournalEntries WHERE InstanceId = @i AND EventName = 'BookmarkResumed' AND BookmarkId = @b",
                    ("@i", instance), ("@b", bookmark)));
                Assert.Equal(1L, Scalar(db, "SELECT COUNT(*) FROM JournalEntries WHERE InstanceId = @i AND EventName = 'BookmarkResumed'", ("@i", instance)));
            }
            Assert.Equal((long)Instances, Scalar(db, "SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer'"));
        }

        // Node B answers for everything (its API still works) and the instances started through node A are at their task too.
        var admin = await Client(b, "admin");
        var detail = await (await admin.GetAsync($"/api/workflow-instances/{timers[0].Instance}")).Body();
        Assert.Equal("after", detail.GetProperty("bookmarks")[0].GetProperty("activityId").GetString());

        b.Kill();
        var (exit, verify) = await BackOfficeProcess.RunCommandAsync("verify-journal", "--all", "--DataDirectory", _data);
        Assert.True(exit == 0, verify);
        Assert.Contains($"{Instances} intact, 0 broken", verify);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: journals verified");
    }

    /// <summary>The keys of the timers <paramref name="node"/> has claimed and not finished.</summary>
    private async Task<List<string>> ClaimedBy(string node)
    {
        await using var c = OpenSqlite();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Key FROM ScheduledWork WHERE Kind = 'workflow.timer' AND State = 'Queued' AND ClaimedBy = @n ORDER BY Key";
        cmd.Parameters.AddWithValue("@n", node);
        await using var r = await cmd.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await r.ReadAsync()) keys.Add(r.GetString(0));
        return keys;
    }

    private Task<List<string>> SchedulerInstances() =>
        _postgres!.QueryAsync("SELECT instance_name FROM qrtz_scheduler_state ORDER BY instance_name", r => r.GetString(0));

    private SqliteConnection OpenSqlite()
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(_data, "backoffice.db"), Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout=10000;";
        cmd.ExecuteNonQuery();
        return c;
    }

    private static object? Scalar(SqliteConnection c, string sql, params (string Name, object Value)[] args)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return cmd.ExecuteScalar();
    }

    private async Task<List<string>> WorkStates()
    {
        await using var c = OpenSqlite();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT State FROM ScheduledWork WHERE Kind = 'workflow.timer'";
        await using var r = await cmd.ExecuteReaderAsync();
        var states = new List<string>();
        while (await r.ReadAsync()) states.Add(r.GetString(0));
        return states;
    }

    private async Task<long> InstancesAtTask()
    {
        await using var c = OpenSqlite();
        return (long)Scalar(c, "SELECT COUNT(*) FROM Bookmarks WHERE ActivityId = 'after'")!;
    }

    private static string Summary(IEnumerable<string> states) =>
        string.Join(", ", states.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));

    private async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                foreach (var n in _nodes) output.WriteLine($"---- node on port {n.Port}:\n{Tail(n.Output)}");
                Assert.Fail($"Waited {timeout.TotalSeconds:0} s for {what}.\n{await Diagnostics()}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Where the unfinished work is: its outbox rows, Hangfire's queue and jobs, Quartz's triggers and firings.</summary>
    private async Task<string> Diagnostics()
    {
        var lines = new List<string>();
        await using (var c = OpenSqlite())
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT Key, State, Attempts, LastError FROM ScheduledWork WHERE State <> 'Done'";
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) lines.Add($"work {r.GetString(0)} {r.GetString(1)} attempts {r.GetInt32(2)} {(r.IsDBNull(3) ? "" : r.GetString(3))}");
        }
        lines.Add($"at the task: {await InstancesAtTask()}");
        async Task Add(string title, string sql)
        {
            try { lines.AddRange((await _postgres!.QueryAsync(sql, r => string.Join(" | ", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "null" : Convert.ToString(r.GetValue(i)))))).Select(l => $"{title}: {l}")); }
            catch (Exception e) { lines.Add($"{title}: {e.Message}"); }
        }
        await Add("jobqueue", "SELECT q.id, q.jobid, q.fetchedat, now(), j.statename, j.arguments FROM hangfire.jobqueue q LEFT JOIN hangfire.job j ON j.id = q.jobid");
        await Add("job", "SELECT j.id, j.statename, j.arguments FROM hangfire.job j WHERE j.statename <> 'Succeeded'");
        await Add("trigger", "SELECT trigger_name, trigger_group, trigger_state, next_fire_time FROM qrtz_triggers WHERE trigger_group <> 'cron'");
        await Add("fired", "SELECT instance_name, trigger_name, state, requests_recovery FROM qrtz_fired_triggers");
        await Add("lock", "SELECT resource, acquired, now() FROM hangfire.lock");
        await Add("scheduler", "SELECT instance_name, last_checkin_time FROM qrtz_scheduler_state");
        return string.Join("\n", lines);
    }

    private static string Tail(string text) => text.Length <= 20_000 ? text : text[^20_000..];
}
