using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quartz;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;
using Workflows.Scheduling;

namespace Workflows.Web.Tests;

/// <summary>The real host (fake clock) with a workflow of one one-hour timer before a task.</summary>
public sealed class TimerClaimFactory : ScenarioFactory
{
    public TimerClaimFactory()
    {
        var dir = Path.Combine(DataDirectory, "claim-workflows");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "claim-timer.json"), """
        {"definitionId":"claim-timer","name":"Claim timer",
         "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
           {"id":"wait","type":"Elsa.Delay","timeSpan":{"expression":{"type":"Literal","value":"PT1H"}}},
           {"id":"after","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"After the timer"}}}],
          "connections":[{"source":{"activity":"wait","port":"Done"},"target":{"activity":"after"}}]}}
        """);
        WorkflowsDirectory = dir;
    }
}

/// <summary>
/// Due timers claimed in batches from the outbox, on one real SQLite file: a node killed between claim and resume leaves
/// its claim, which another node takes once the lease has run out and resumes once; the dead node's late run resumes
/// nothing (the engine's bookmark closure and the resume's key are the final guard); two nodes claiming at the same time
/// never resume a timer twice.
/// </summary>
public sealed class TimerClaimTests(TimerClaimFactory factory) : IClassFixture<TimerClaimFactory>
{
    private ScheduledWorkStore Work => factory.Services.GetRequiredService<ScheduledWorkStore>();
    private Workflows.Scheduling.SchedulingOptions Options => factory.Services.GetRequiredService<IOptions<Workflows.Scheduling.SchedulingOptions>>().Value;

    /// <summary>Starts <paramref name="count"/> instances waiting on a one-hour timer; returns their timer work, all due at one instant.</summary>
    private async Task<List<ScheduledWork>> StartTimersAsync(int count)
    {
        await factory.Services.GetRequiredService<WorkDispatcher>().Recovered;
        var runtime = factory.Services.GetRequiredService<WorkflowRuntime>();
        var work = new List<ScheduledWork>();
        for (var i = 0; i < count; i++)
        {
            var started = await runtime.StartAsync("claim-timer", null, Actor.System);
            work.Add((await Work.GetByKeyAsync(ScheduleOnCommit.TimerKey(started.Bookmarks[0].Id)))!);
        }
        Assert.All(work, w => Assert.Equal(WorkStates.Pending, w.State));
        Assert.Single(work.Select(w => w.DueAt).Distinct());
        return work;
    }

    /// <summary>A second dispatcher in this process, as another node would run it: its own name and its own clock.</summary>
    private WorkDispatcher Node(string name, TimeProvider clock) => new(Work, factory.Services.GetRequiredService<ISchedulerFactory>(),
        factory.Services.GetRequiredService<IBackgroundJobClient>(), clock, Microsoft.Extensions.Options.Options.Create(Options),
        factory.Services, factory.Services.GetRequiredService<ILogger<WorkDispatcher>>()) { Node = name };

    private long Scalar(string sql, params (string, object)[] args)
    {
        return factory.Database.Long(sql, [.. args.Select(a => (a.Item1, (object?)a.Item2))]);
    }

    private long Resumes(string bookmarkId) =>
        Scalar("SELECT COUNT(*) FROM JournalEntries WHERE BookmarkId = @b AND EventName = 'BookmarkResumed'", ("@b", bookmarkId));

    private static string BookmarkOf(ScheduledWork w) => w.Payload["bookmarkId"]!.GetValue<string>();

    private static async Task Eventually(Func<Task<bool>> done, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > until) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Every statement that looks unfinished work up by state uses the partial index of unfinished work, on the test's
    /// provider. SQLite takes a partial index only when the query repeats the index's own terms: with
    /// <c>"State" = 'Pending'</c> alone, every claim and every "when is the next work due" scanned the whole outbox
    /// (finished rows included, one or more per application) inside the single writer, and the host's CPU per application
    /// grew with the table. On PostgreSQL sequential scans are switched off for the session, so a plan that cannot use the
    /// index still shows one.
    /// </summary>
    [Fact]
    public void Every_lookup_of_unfinished_work_by_state_uses_the_index_of_unfinished_work()
    {
        using var c = factory.Database.Connect();
        var pg = c is not Microsoft.Data.Sqlite.SqliteConnection;
        if (pg) { using var off = c.Command("SET enable_seqscan = off"); off.ExecuteNonQuery(); }
        var values = new Dictionary<string, object> { ["@now"] = 0L, ["@until"] = 0L, ["@take"] = 10, ["@node"] = "node-a" };
        var lookups = ScheduledWorkStore.OpenWorkLookups(pg);
        Assert.Equal(5, lookups.Count);
        foreach (var sql in lookups)
        {
            var args = System.Text.RegularExpressions.Regex.Matches(sql, "@[a-z]+").Select(m => m.Value).Distinct().Select(n => (n, (object?)values[n])).ToArray();
            using var explain = c.Command((pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql, args);
            using var r = explain.ExecuteReader();
            var plan = new List<string>();
            while (r.Read()) plan.Add(r.GetString(pg ? 0 : 3));
            var text = string.Join("\n", plan);
            Assert.True(text.Contains("IX_ScheduledWork_Open"), $"no use of the index of unfinished work in the plan of\n{sql}\n{text}");
            Assert.False(pg ? text.Contains("Seq Scan") : System.Text.RegularExpressions.Regex.IsMatch(text, @"\bSCAN ScheduledWork\b"), $"a scan of the whole outbox in the plan of\n{sql}\n{text}");
        }
    }

    [Fact]
    public async Task A_claim_left_by_a_killed_node_is_taken_by_another_node_after_its_lease_and_resumed_once()
    {
        var work = await StartTimersAsync(12);
        var due = work[0].DueAt;
        var lease = Options.ClaimLease;

        // The node that dies: it claims the due timers (its clock has reached the due instant; the host's has not yet),
        // and is killed before it resumes any of them: its claim stays in the outbox.
        var claimed = await Work.ClaimDueAsync("node-dead", due, due + lease, 500);
        Assert.Equal(work.Select(w => w.Key).Order(), claimed.Select(w => w.Key).Order());
        Assert.Equal(12, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE ClaimedBy = 'node-dead' AND State = 'Queued' AND LockedUntil = @u",
            ("@u", (due + lease).UtcTicks)));

        // The host's dispatcher (the live node) sees them due but claimed: while the lease runs, it leaves them alone.
        factory.Clock.SetUtcNow(due + TimeSpan.FromSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(2)); // four sweeps of the host (0.5 s in tests)
        Assert.All(work, w => Assert.Equal(0, Resumes(BookmarkOf(w))));
        Assert.Equal(12, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE ClaimedBy = 'node-dead' AND State = 'Queued'"));

        // The lease runs out: the live node claims them again and resumes each once.
        factory.Clock.SetUtcNow(due + lease + TimeSpan.FromSeconds(1));
        var live = factory.Services.GetRequiredService<WorkDispatcher>().Node;
        await Eventually(async () => (await Task.WhenAll(work.Select(w => Work.GetAsync(w.Id)))).All(w => w!.State == WorkStates.Done),
            "the live node to resume the dead node's timers");
        foreach (var w in work)
        {
            var row = (await Work.GetAsync(w.Id))!;
            Assert.Equal(1, Resumes(BookmarkOf(w)));
            Assert.Equal(1, row.Attempts);
            Assert.StartsWith("resumed: ", row.Result);
            Assert.Equal(live, (string)Scalar2("SELECT ClaimedBy FROM ScheduledWork WHERE Id = @id", w.Id));
        }
        Assert.All(work, w => Assert.Equal(1, Scalar("SELECT COUNT(*) FROM Bookmarks WHERE InstanceId = @i AND ActivityId = 'after'",
            ("@i", w.Payload["instanceId"]!.GetValue<string>())))); // each instance moved on to its task

        // The dead node was only stalled, not dead: it wakes up after its lease and runs what it had claimed. Nothing
        // resumes a second time: each bookmark is closed, the resume's key answers from the first run's record.
        await Node("node-dead", factory.Clock).RunClaimedAsync(claimed, CancellationToken.None);
        foreach (var w in work)
        {
            Assert.Equal(1, Resumes(BookmarkOf(w)));
            var row = (await Work.GetAsync(w.Id))!;
            Assert.Equal((WorkStates.Done, 1), (row.State, row.Attempts));
            Assert.StartsWith("resumed: ", row.Result); // the first run's outcome stands
        }
        // Every journal still verifies.
        var auditor = await factory.ClientAs("Auditor");
        foreach (var w in work)
        {
            var instance = w.Payload["instanceId"]!.GetValue<string>();
            var verify = await (await auditor.GetAsync($"/api/workflow-instances/{instance}/journal/verify")).Body();
            Assert.True(verify.GetProperty("isValid").GetBoolean());
        }
    }

    [Fact]
    public async Task Two_nodes_claiming_the_same_due_timers_at_once_resume_each_exactly_once()
    {
        var work = await StartTimersAsync(120);
        var due = work[0].DueAt;
        // Two more nodes whose clocks have reached the due instant (the host's has not): both claim in batches of 10 at
        // the same time, each running its own claims in-process.
        var later = new SettableClock(due + TimeSpan.FromSeconds(1));
        var (b, c) = (Node("node-b", later), Node("node-c", later));
        var lease = due + Options.ClaimLease;
        // Each node's first batch is claimed at the same moment (a thread each, released together), so both hold claims
        // whatever the scheduler does next: the batches never overlap.
        using var start = new Barrier(2);
        var first = await Task.WhenAll(
            Task.Run(() => { start.SignalAndWait(); return Work.ClaimDueAsync("node-b", later.GetUtcNow(), lease, 10); }),
            Task.Run(() => { start.SignalAndWait(); return Work.ClaimDueAsync("node-c", later.GetUtcNow(), lease, 10); }));
        Assert.All(first, batch => Assert.Equal(10, batch.Count));
        Assert.Empty(first[0].Select(w => w.Id).Intersect(first[1].Select(w => w.Id)));
        // Then both run what they hold and go on claiming the rest in batches of 10, at the same time.
        var rest = await Task.WhenAll(
            Task.Run(async () => { await b.RunClaimedAsync(first[0], CancellationToken.None); return await b.ClaimAndRunAsync(10, CancellationToken.None); }),
            Task.Run(async () => { await c.RunClaimedAsync(first[1], CancellationToken.None); return await c.ClaimAndRunAsync(10, CancellationToken.None); }));
        var claimed = new[] { first[0].Count + rest[0], first[1].Count + rest[1] };
        Assert.Equal(120, claimed.Sum());

        foreach (var w in work)
        {
            Assert.Equal(1, Resumes(BookmarkOf(w)));
            var row = (await Work.GetAsync(w.Id))!;
            Assert.Equal((WorkStates.Done, 1), (row.State, row.Attempts));
        }
        Assert.Equal(claimed[0], Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE ClaimedBy = 'node-b' AND State = 'Done'"));
        Assert.Equal(claimed[1], Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE ClaimedBy = 'node-c' AND State = 'Done'"));
    }

    private object Scalar2(string sql, string id)
    {
        return factory.Database.Scalar(sql, ("@id", id))!;
    }
}
