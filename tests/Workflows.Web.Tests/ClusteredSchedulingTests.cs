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
/// PostgreSQL database. Many timers are scheduled through both nodes, one node is killed (SIGKILL) while they fire, and
/// the survivor finishes everything: each timer resumes its instance exactly once.
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

    /// <summary>A node; <paramref name="holdWork"/> makes each Hangfire job it runs wait that long first (test-only
    /// FaultInjection), so that it has work in flight when it is killed.</summary>
    private Task<BackOfficeProcess> StartNode(string name, TimeSpan? holdWork = null) => BackOfficeProcess.StartAsync(_data, Workflows,
    [
        .. holdWork is { } hold ? (string[])["--environment", "Acceptance", "--FaultInjection:HoldWork", hold.ToString("c")] : [],
        "--Scheduling:Store", "PostgreSql",
        "--Scheduling:PostgreSqlConnectionString", _postgres!.ConnectionString,
        "--Scheduling:NodeName", name,
        "--Logging:File", Path.Combine(_data, "logs", $"{name}-.log"),
        // Shorter than in production so that a dead node's work moves within seconds: Quartz takes a node for dead after
        // 2 s + 8 s without a check-in; a Hangfire job it had fetched is visible to others again after 10 s, and the
        // lock it held on that job is removed after 10 s.
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
        // Node A holds each job 3 s before running it, so that when it is killed some of its work is certainly in hand.
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

        // Kill node A once the first timers have done their work and while node A is running jobs of its own.
        await Until(async () => (await WorkStates()).Count(s => s == "Done") >= 3 && (await ProcessingOn("node-a")).Count > 0, TimeSpan.FromSeconds(30),
            "the first timers to fire and node A to be running work");
        a.Kill();
        var killedAt = clock.Elapsed;
        // What node A had in hand when it died (the process is gone: this is frozen): Hangfire jobs it was processing, and
        // Quartz firings it had acquired or was executing. The recovery checks below are about exactly this work.
        var heldByA = await ProcessingOn("node-a");
        var firingsOfA = await _postgres!.QueryAsync(
            "SELECT trigger_name || ' ' || state FROM qrtz_fired_triggers WHERE instance_name = 'node-a'", r => r.GetString(0));
        var lastStateAtKill = (await _postgres.QueryAsync("SELECT COALESCE(MAX(id), 0) FROM hangfire.state", r => r.GetInt64(0))).Single();
        var atKill = await WorkStates();
        output.WriteLine($"{killedAt.TotalSeconds:0.0} s: node A killed; work {Summary(atKill)}; node A was processing jobs [{string.Join(", ", heldByA)}], " +
                         $"its firings: [{string.Join(", ", firingsOfA)}]");
        Assert.True(heldByA.Count > 0, "node A had no work in flight when it was killed; the recovery checks would prove nothing");
        Assert.True(atKill.Count(s => s == "Done") < Instances, "the kill came after all the work was done; the test proves nothing");

        // The survivor does the rest: every timer's work is done and every instance waits at its task.
        await Until(async () => (await WorkStates()).All(s => s == "Done") && await InstancesAtTask() == Instances, TimeSpan.FromSeconds(60),
            "every timer's work to be done by node B");
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: all work done");

        // Node B's cluster manager noticed node A had died and took over its in-flight firings: it removes a dead node's
        // check-in once it has recovered that node's jobs, and nothing of node A is left in Quartz's fired triggers.
        await Until(async () => await SchedulerInstances() is ["node-b"], TimeSpan.FromSeconds(40), "node B to recover node A's firings");
        Assert.Empty(await _postgres.QueryAsync("SELECT trigger_name FROM qrtz_fired_triggers WHERE instance_name = 'node-a'", r => r.GetString(0)));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: node B recovered node A");
        foreach (var line in b.Output.Split('\n').Where(l => l.Contains("ClusterManager") || l.Contains("recovered from a failed node")))
            output.WriteLine("  node B: " + line.Trim());

        // Hangfire: node B ran work after the kill, and no job is left in the queue (none stuck with the dead node).
        var byBAfterKill = await _postgres.QueryAsync(
            $"SELECT COUNT(*) FROM hangfire.state WHERE name = 'Processing' AND data->>'ServerId' LIKE 'node-b:%' AND id > {lastStateAtKill}",
            r => r.GetInt64(0));
        Assert.True(byBAfterKill.Single() > 0, "node B ran no work after node A was killed");
        // Every job node A was processing when it died was taken over and finished by node B.
        await Until(async () => (await _postgres.QueryAsync(
                $"SELECT COUNT(*) FROM hangfire.job WHERE id IN ({string.Join(",", heldByA)}) AND statename <> 'Succeeded'", r => r.GetInt64(0))).Single() == 0,
            TimeSpan.FromSeconds(40), "node B to finish the jobs node A was running");
        foreach (var job in heldByA)
            Assert.True((await _postgres.QueryAsync(
                $"SELECT COUNT(*) FROM hangfire.state WHERE jobid = {job} AND name = 'Processing' AND data->>'ServerId' LIKE 'node-b:%' AND id > {lastStateAtKill}",
                r => r.GetInt64(0))).Single() > 0, $"job {job}, in hand on node A at the kill, was not run by node B");
        // A job node A had fetched (and perhaps finished, without removing it from the queue) is node B's once its
        // invisibility has run out; B runs it (finding the work done) and the queue empties.
        await Until(async () => (await _postgres.QueryAsync("SELECT COUNT(*) FROM hangfire.jobqueue", r => r.GetInt64(0))).Single() == 0,
            TimeSpan.FromSeconds(30), "Hangfire's queue to empty");

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

    /// <summary>The Hangfire jobs whose current state is Processing on <paramref name="node"/>.</summary>
    private Task<List<long>> ProcessingOn(string node) => _postgres!.QueryAsync(
        $"SELECT j.id FROM hangfire.job j JOIN hangfire.state s ON s.id = j.stateid WHERE j.statename = 'Processing' AND s.data->>'ServerId' LIKE '{node}:%' ORDER BY j.id",
        r => r.GetInt64(0));

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
