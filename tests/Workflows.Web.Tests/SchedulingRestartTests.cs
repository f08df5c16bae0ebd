using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Workflows.Web.Tests;

/// <summary>
/// Timers scheduled, the process killed, started again: every timer fires once and every piece of scheduled work is done
/// once, whatever state it was in at the crash: waiting in the outbox (Pending), claimed by the dead process and not yet
/// resumed (Queued with a lease that has not run out), handed to the in-memory Hangfire queue that died with the process
/// (Queued, no lease), or a per-work Quartz trigger of an earlier version (Scheduled, its trigger left in the job store).
/// </summary>
public sealed class SchedulingRestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "wf-restart-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _workflows;

    public SchedulingRestartTests()
    {
        _workflows = Path.Combine(_data, "workflows");
        Directory.CreateDirectory(_workflows);
        File.WriteAllText(Path.Combine(_workflows, "restart-timer.json"), """
        {"definitionId":"restart-timer","name":"Restart timer",
         "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
           {"id":"wait","type":"Elsa.Delay","timeSpan":{"expression":{"type":"Literal","value":"PT6S"}}},
           {"id":"after","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"After the timer"}}}],
          "connections":[{"source":{"activity":"wait","port":"Done"},"target":{"activity":"after"}}]}}
        """);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private static async Task<HttpClient> Client(BackOfficeProcess host, string user)
    {
        var c = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await BackOfficeFactory.TokenFor(c, user));
        return c;
    }

    /// <summary>The host's database: its SQLite file (with the host's busy timeout) or, in the PostgreSQL leg, its database.</summary>
    private Workflows.Persistence.DatabaseOptions Database => BackOfficeProcess.DatabaseFor(_data);

    private long Scalar(string sql, params (string, object)[] args) =>
        Database.Long(sql, [.. args.Select(a => (a.Item1, (object?)a.Item2))]);

    private void Execute(string sql, params (string, object)[] args) =>
        Database.Execute(sql, [.. args.Select(a => (a.Item1, (object?)a.Item2))]);

    /// <summary>A per-work trigger as earlier versions scheduled them (group "work", on the durable scheduled-work job), due an hour ago.</summary>
    private void AddLegacyTrigger(string key)
    {
        var due = DateTimeOffset.UtcNow.AddHours(-1).UtcTicks; // Quartz's SQLite store keeps .NET ticks
        Execute("""
            INSERT INTO QRTZ_TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, JOB_NAME, JOB_GROUP, NEXT_FIRE_TIME, PREV_FIRE_TIME, PRIORITY,
                TRIGGER_STATE, TRIGGER_TYPE, START_TIME, MISFIRE_INSTR)
            VALUES ('workflows', @k, 'work', 'scheduled-work', 'workflows', @due, -1, 5, 'WAITING', 'SIMPLE', @due, 1)
            """, ("@k", key), ("@due", due));
        Execute("""
            INSERT INTO QRTZ_SIMPLE_TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, REPEAT_COUNT, REPEAT_INTERVAL, TIMES_TRIGGERED)
            VALUES ('workflows', @k, 'work', 0, 0, 0)
            """, ("@k", key));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_NAME = @k", ("@k", key)));
    }

    [Fact]
    public async Task After_a_kill_every_timer_fires_once_and_every_piece_of_work_is_done_once()
    {
        var instances = new List<string>();
        var host = await BackOfficeProcess.StartAsync(_data, _workflows);
        try
        {
            var cm = await Client(host, "casemanager");
            for (var i = 0; i < 6; i++)
            {
                var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "restart-timer" }, $"start-{i}"))).Body();
                instances.Add(started.GetProperty("instanceId").GetString()!);
            }
        }
        finally
        {
            host.Kill();
        }
        // The timers wait in the outbox (no Quartz trigger per timer).
        Assert.Equal(6, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer' AND State = 'Pending'"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_GROUP = 'work'"));

        // While it is down, put three timers where a crash can leave them: one claimed by the dead process and not yet
        // resumed, one handed on and lost, and one as an earlier version left it: Scheduled, with a Quartz trigger of its own.
        var keys = new List<string>();
        keys.AddRange(Database.Rows("SELECT Key FROM ScheduledWork WHERE Kind = 'workflow.timer' ORDER BY Key").Select(r => (string)r[0]!));
        if (!Database.IsPostgreSql)
        {
            // One node, Hangfire in memory: a claim with a lease that runs for another hour, and work queued in the
            // in-memory Hangfire queue that died with the process. The starting node releases both at once.
            Execute("UPDATE ScheduledWork SET State = 'Queued', ClaimedBy = 'dead-node', LockedUntil = @until WHERE Key = @k",
                ("@k", keys[0]), ("@until", DateTimeOffset.UtcNow.AddHours(1).UtcTicks));
            Execute("UPDATE ScheduledWork SET State = 'Queued', LockedUntil = NULL WHERE Key = @k", ("@k", keys[1]));
        }
        else
        {
            // PostgreSQL: a starting node cannot tell a dead node's claim from a live one's, and Hangfire's queue is durable
            // (nothing is lost with the process), so claims are taken again when their lease runs out
            // (docs/operations.md): one whose lease runs out 10 s from now, one whose lease ran out while the host was down.
            Execute("UPDATE ScheduledWork SET State = 'Queued', ClaimedBy = 'dead-node', LockedUntil = @until WHERE Key = @k",
                ("@k", keys[0]), ("@until", DateTimeOffset.UtcNow.AddSeconds(10).UtcTicks));
            Execute("UPDATE ScheduledWork SET State = 'Queued', ClaimedBy = 'dead-node', LockedUntil = @until WHERE Key = @k",
                ("@k", keys[1]), ("@until", DateTimeOffset.UtcNow.AddMinutes(-1).UtcTicks));
        }
        Execute("UPDATE ScheduledWork SET State = 'Scheduled' WHERE Key = @k", ("@k", keys[2]));
        AddLegacyTrigger(keys[2]);

        host = await BackOfficeProcess.StartAsync(_data, _workflows);
        try
        {
            var until = DateTime.UtcNow.AddSeconds(45);
            while (Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer' AND State = 'Done'") < 6 && DateTime.UtcNow < until)
                await Task.Delay(200);
            Assert.True(Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer' AND State = 'Done'") == 6, host.Output);

            var auditor = await Client(host, "auditor");
            foreach (var id in instances)
            {
                var instance = await (await auditor.GetAsync($"/api/workflow-instances/{id}")).Body();
                Assert.Equal("after", instance.GetProperty("bookmarks")[0].GetProperty("activityId").GetString());
                var journal = await (await auditor.GetAsync($"/api/workflow-instances/{id}/journal")).Body();
                Assert.Single(journal.EnumerateArray(), e => e.GetProperty("eventName").GetString() == "BookmarkResumed");
                var verify = await (await auditor.GetAsync($"/api/workflow-instances/{id}/journal/verify")).Body();
                Assert.True(verify.GetProperty("isValid").GetBoolean());
            }
            // Each piece of work ran to completion exactly once (its first and only attempt), claimed by the new process;
            // the earlier version's trigger was removed at startup.
            Assert.Equal(6, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer' AND Attempts = 1"));
            Assert.Equal(0, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer' AND ClaimedBy = 'dead-node'"));
            Assert.Equal(0, Scalar("SELECT COUNT(*) FROM QRTZ_TRIGGERS WHERE TRIGGER_GROUP = 'work'"));
            Assert.Equal(0, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE State <> 'Done' AND Kind = 'workflow.timer'"));
        }
        finally
        {
            host.Kill();
        }
    }
}
