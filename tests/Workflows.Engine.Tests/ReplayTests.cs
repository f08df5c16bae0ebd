using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

/// <summary>Deterministic replay: recorded inputs re-run in memory give the same journal, and a changed behaviour is found at its entry.</summary>
[Collection(FlakyActivity.Collection)]
public sealed class ReplayTests : IDisposable
{
    private readonly EngineHarness _h = new(r => r.Add<Classify>().Add<IssueCode>().Add<FlakyActivity>());
    public void Dispose() => _h.Dispose();

    private WorkflowReplayer Replayer => new(_h.Registry, _h.Evaluator, new WorkflowRuntimeOptions()) { ComputeHashes = true };

    /// <summary>Task → classify the amount → (High: wait a day, then a second task; Low: finish), with a fork/join and an id-and-random activity.</summary>
    private Task PublishAsync() => _h.PublishAsync(new Flow("claims")
        .Variable("amount", "0").Variable("code")
        .Add("fork", "Elsa.FlowFork", ("Branches", "Literal", """["A","B"]"""))
        .Add("a", "Workflows.HumanTask", ("Title", "Literal", "Record amount"), ("Outcomes", "Literal", """["Done"]"""), ("ResultVariable", "Literal", "amount"))
        .Task("b", "Collect documents")
        .Add("join", "Elsa.FlowJoin", ("Mode", "Literal", "WaitAll"))
        .Add("classify", "Tests.Classify", ("Amount", "JavaScript", "getVariable('amount').value"))
        .Add("code", "Tests.IssueCode")
        .Add("wait", "Elsa.Delay", ("TimeSpan", "Literal", "1.00:00:00"))
        .Task("review", "Review", "Approve", "Reject")
        .Connect("fork", "A", "a").Connect("fork", "B", "b").Connect("a", "Done", "join").Connect("b", "Done", "join")
        .Connect("join", "Done", "classify").Connect("classify", "High", "code").Connect("code", "Done", "wait").Connect("wait", "Done", "review")
        .Build());

    private async Task<string> RunHighCaseAsync()
    {
        await PublishAsync();
        var started = await _h.StartAsync("claims", new { claimant = "m1" });
        _h.Clock.Advance(TimeSpan.FromMinutes(7));
        await _h.CompleteAsync(started.Bookmarks.Single(b => b.ActivityId == "b").Id);
        _h.Clock.Advance(TimeSpan.FromMinutes(3));
        var r = await _h.CompleteAsync(started.Bookmarks.Single(b => b.ActivityId == "a").Id, "Done", new JsonObject { ["value"] = 12 });
        Assert.Equal("wait", Assert.Single(r.Bookmarks).ActivityId);
        _h.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await _h.Runtime.ResumeDueTimersAsync());
        var review = (await _h.InstanceAsync(started.InstanceId)).Bookmarks.Single();
        _h.Clock.Advance(TimeSpan.FromHours(2));
        var done = await _h.Runtime.ResumeAsync(review.Id, new ResumeInput("Approve", new JsonObject { ["note"] = "ok" }), new Actor("lee", "CaseManager"), "k1");
        Assert.Equal(WorkflowStatus.Finished, done.Status);
        return started.InstanceId;
    }

    private async Task<(IReadOnlyList<JournalEntry> Journal, ReplayRun Run)> ReplayAsync(string instanceId)
    {
        var instance = await _h.InstanceAsync(instanceId);
        var journal = await _h.Store.GetJournalAsync(instanceId);
        var definition = (await _h.Store.GetDefinitionVersionAsync(instance.DefinitionVersionId))!;
        var run = await Replayer.RunAsync(definition, new ReplaySubject(instance.Id, instance.DefinitionId, instance.CorrelationId, instance.State.Input, instance.Name),
            WorkflowReplayer.Steps(journal), _ => ValueTask.FromResult(EngineHarness.NoServices), followRecordedIds: true);
        return (journal, run);
    }

    [Fact]
    public async Task A_case_with_tasks_a_join_a_timer_ids_and_randomness_replays_identically()
    {
        Classify.Threshold = 10;
        var id = await RunHighCaseAsync();
        var (journal, run) = await ReplayAsync(id);

        Assert.Equal(5, WorkflowReplayer.Steps(journal).Count); // start, two completions, the timer, the review
        Assert.Equal([ReplayStepKinds.Start, ReplayStepKinds.Resume, ReplayStepKinds.Resume, ReplayStepKinds.Resume, ReplayStepKinds.Resume],
            WorkflowReplayer.Steps(journal).Select(s => s.Kind));
        Assert.Null(run.StoppedReason);
        Assert.Null(WorkflowReplayer.Compare(journal, run));
        Assert.Equal(journal.Count, run.Journal.Count);
        // Same ids, clock and actors: with the same chain key the replayed entries hash to the recorded hashes.
        Assert.Equal(journal.Select(e => e.Hash), run.Journal.Select(e => e.Hash));
        Assert.Equal(WorkflowStatus.Finished, run.Instance.Status);
    }

    [Fact]
    public async Task A_changed_activity_behaviour_is_reported_at_the_entry_where_it_decided_differently()
    {
        Classify.Threshold = 10;
        var id = await RunHighCaseAsync();
        Classify.Threshold = 100; // the activity now calls 12 "Low"
        try
        {
            var (journal, run) = await ReplayAsync(id);
            var d = WorkflowReplayer.Compare(journal, run);

            Assert.NotNull(d);
            var recorded = journal.Single(e => e.EventName == JournalEvents.ActivityCompleted && e.ActivityId == "classify");
            Assert.Equal(recorded.Sequence, d.Sequence);
            Assert.Equal("classify", d.ActivityId);
            Assert.Equal("payload", d.Field);
            Assert.Contains("High", d.Expected);
            Assert.Contains("Low", d.Actual);
            Assert.Equal(JournalEvents.ActivityCompleted, d.ExpectedEntry!.EventName);
            Assert.Equal(JournalEvents.ActivityCompleted, d.ActualEntry!.EventName);
            // Everything before the divergence was identical.
            Assert.Equal(journal.TakeWhile(e => e.Sequence < d.Sequence).Select(e => e.Hash), run.Journal.TakeWhile(e => e.Sequence < d.Sequence).Select(e => e.Hash));
        }
        finally { Classify.Threshold = 10; }
    }

    [Fact]
    public async Task An_edited_resume_input_in_the_journal_shows_as_a_divergence_not_as_identical()
    {
        // The journal is the source of replay's inputs; replay of a journal whose recorded decision was altered
        // (here: the recorded outcome of classify) must not call the case identical.
        Classify.Threshold = 10;
        var id = await RunHighCaseAsync();
        var instance = await _h.InstanceAsync(id);
        var journal = (await _h.Store.GetJournalAsync(id)).ToList();
        var i = journal.FindIndex(e => e.EventName == JournalEvents.ActivityCompleted && e.ActivityId == "classify");
        journal[i] = journal[i] with { Payload = new JsonObject { ["outcomes"] = new JsonArray("Low") } };
        var definition = (await _h.Store.GetDefinitionVersionAsync(instance.DefinitionVersionId))!;
        var run = await Replayer.RunAsync(definition, new ReplaySubject(instance.Id, instance.DefinitionId, null, instance.State.Input, null),
            WorkflowReplayer.Steps(journal), _ => ValueTask.FromResult(EngineHarness.NoServices), followRecordedIds: true);
        var d = WorkflowReplayer.Compare(journal, run);
        Assert.NotNull(d);
        Assert.Equal(journal[i].Sequence, d.Sequence);
    }

    [Fact]
    public async Task A_cancelled_case_and_a_retried_incident_replay_identically()
    {
        await _h.PublishAsync(new Flow("flaky").Add("f", "Tests.Flaky").Task("t", "Next").Connect("f", "Done", "t").Build());
        FlakyActivity.FailuresLeft = 1;
        var started = await _h.StartAsync("flaky");
        Assert.Equal(WorkflowSubStatus.Faulted, started.SubStatus);
        _h.Clock.Advance(TimeSpan.FromMinutes(5));
        await _h.Runtime.RetryAsync(started.InstanceId, new Actor("ops", "Admin"));
        _h.Clock.Advance(TimeSpan.FromMinutes(5));
        await _h.Runtime.CancelAsync(started.InstanceId, "member withdrew", new Actor("ops", "Admin"));

        // The fault came from outside (the flaky system): replayed, the activity fails the same way only if the outside does.
        FlakyActivity.FailuresLeft = 1;
        var (journal, run) = await ReplayAsync(started.InstanceId);
        Assert.Equal([ReplayStepKinds.Start, ReplayStepKinds.Retry, ReplayStepKinds.Cancel], WorkflowReplayer.Steps(journal).Select(s => s.Kind));
        Assert.Null(WorkflowReplayer.Compare(journal, run));

        FlakyActivity.FailuresLeft = 0;
        var (journal2, run2) = await ReplayAsync(started.InstanceId);
        var d = WorkflowReplayer.Compare(journal2, run2);
        Assert.NotNull(d);
        Assert.Equal(journal2.First(e => e.EventName == JournalEvents.ActivityFaulted).Sequence, d.Sequence);
    }

    [Fact]
    public async Task A_journal_of_1000_entries_replays_identically()
    {
        await _h.PublishAsync(new Flow("long").Task("t", "Again", "Again", "Stop").Connect("t", "Again", "t").Build());
        var started = await _h.StartAsync("long");
        var bookmark = started.Bookmarks.Single().Id;
        while ((await _h.InstanceAsync(started.InstanceId)).JournalSequence < 1000)
        {
            _h.Clock.Advance(TimeSpan.FromSeconds(1));
            bookmark = (await _h.CompleteAsync(bookmark, "Again")).Bookmarks.Single().Id;
        }
        var (journal, run) = await ReplayAsync(started.InstanceId);
        Assert.True(journal.Count >= 1000);
        Assert.Null(WorkflowReplayer.Compare(journal, run));
    }
}

/// <summary>Calls an amount High above <see cref="Threshold"/>, else Low: a decision whose rule a test can change.</summary>
[Activity("Tests", "Classify", "Tests", "High above the threshold, else Low.")]
[Ports("High", "Low")]
public sealed class Classify : Activity
{
    public static volatile int Threshold = 10;

    [Input] public int Amount { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(ActivityResult.Complete(Amount > Threshold ? "High" : "Low", new JsonObject { ["amount"] = Amount }));
}

/// <summary>Takes an id and a random number through its context (never from Guid or Random directly) and records both.</summary>
[Activity("Tests", "IssueCode", "Tests", "Issues a reference and a code.")]
public sealed class IssueCode : Activity
{
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.SetVariable("code", context.NextRandom(1000, 10000));
        return new(ActivityResult.Complete(DefaultPort, new JsonObject { ["reference"] = context.NewId() }));
    }
}
