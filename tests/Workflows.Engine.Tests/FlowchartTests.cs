using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

[Collection(FlakyActivity.Collection)]
public sealed class FlowchartTests : IDisposable
{
    private readonly EngineHarness _h = new(r => r.Add<FlakyActivity>());
    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Decision_follows_the_port_its_javascript_condition_selects()
    {
        await _h.PublishAsync(new Flow("decide")
            .Add("start", "Elsa.Start")
            .Add("d", "Elsa.FlowDecision", ("Condition", "JavaScript", "input.age >= 18"))
            .Task("adult", "Adult")
            .Task("minor", "Minor")
            .Connect("start", "Done", "d").Connect("d", "True", "adult").Connect("d", "False", "minor").Build());

        var adult = await _h.StartAsync("decide", new { age = 40 });
        var minor = await _h.StartAsync("decide", new { age = 12 });

        Assert.Equal("adult", Assert.Single(adult.Bookmarks).ActivityId);
        Assert.Equal("minor", Assert.Single(minor.Bookmarks).ActivityId);
        Assert.Equal(WorkflowSubStatus.Suspended, adult.SubStatus);
    }

    [Fact]
    public async Task Switch_matches_first_case_or_every_case_or_default()
    {
        await _h.PublishAsync(new Flow("sw")
            .Add("s", "Elsa.FlowSwitch",
                ("Cases", "Object", """[{"label":"Big","condition":"input.n > 10"},{"label":"Even","condition":"input.n % 2 == 0"}]"""),
                ("Mode", "Literal", "MatchAny"))
            .Task("big", "Big").Task("even", "Even").Task("other", "Other")
            .Connect("s", "Big", "big").Connect("s", "Even", "even").Connect("s", "Default", "other").Build());

        Assert.Equal(["big", "even"], (await _h.StartAsync("sw", new { n = 12 })).Bookmarks.Select(b => b.ActivityId).Order());
        Assert.Equal(["even"], (await _h.StartAsync("sw", new { n = 4 })).Bookmarks.Select(b => b.ActivityId));
        Assert.Equal(["other"], (await _h.StartAsync("sw", new { n = 3 })).Bookmarks.Select(b => b.ActivityId));
    }

    [Fact]
    public async Task Fork_with_WaitAll_join_continues_only_after_every_branch()
    {
        await _h.PublishAsync(new Flow("fork-all")
            .Add("fork", "Elsa.FlowFork", ("Branches", "Literal", """["A","B"]"""))
            .Task("a", "Call member").Task("b", "Collect documents")
            .Add("join", "Elsa.FlowJoin", ("Mode", "Literal", "WaitAll"))
            .Task("after", "After join")
            .Connect("fork", "A", "a").Connect("fork", "B", "b").Connect("a", "Done", "join").Connect("b", "Done", "join").Connect("join", "Done", "after").Build());

        var started = await _h.StartAsync("fork-all");
        Assert.Equal(2, started.Bookmarks.Count);
        var afterA = await _h.CompleteAsync(started.Bookmarks.Single(b => b.ActivityId == "a").Id);
        Assert.Equal(["b"], afterA.Bookmarks.Select(b => b.ActivityId));
        var afterB = await _h.CompleteAsync(started.Bookmarks.Single(b => b.ActivityId == "b").Id);
        Assert.Equal(["after"], afterB.Bookmarks.Select(b => b.ActivityId));
    }

    [Fact]
    public async Task Fork_with_WaitAny_join_continues_on_the_first_branch_and_cancels_the_other()
    {
        await _h.PublishAsync(new Flow("fork-any")
            .Add("fork", "Elsa.FlowFork", ("Branches", "Literal", """["Call","Wait"]"""))
            .Task("call", "Call member")
            .Add("wait", "Elsa.Delay", ("TimeSpan", "Literal", "2.00:00:00"))
            .Add("join", "Elsa.FlowJoin", ("Mode", "Literal", "WaitAny"))
            .Task("after", "After join")
            .Connect("fork", "Call", "call").Connect("fork", "Wait", "wait").Connect("call", "Done", "join").Connect("wait", "Done", "join").Connect("join", "Done", "after").Build());

        var started = await _h.StartAsync("fork-any");
        Assert.Equal(2, started.Bookmarks.Count);
        var result = await _h.CompleteAsync(started.Bookmarks.Single(b => b.ActivityId == "call").Id);

        Assert.Equal(["after"], result.Bookmarks.Select(b => b.ActivityId));
        Assert.Contains(JournalEvents.BookmarkCancelled, await _h.EventsAsync(result.InstanceId));
        _h.Clock.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, await _h.Runtime.ResumeDueTimersAsync());
    }

    [Fact]
    public async Task SetVariable_with_javascript_and_variable_expressions_feed_later_activities()
    {
        await _h.PublishAsync(new Flow("vars")
            .Variable("count", "1")
            .Add("inc", "Elsa.SetVariable", ("Variable", "Literal", "count"), ("Value", "JavaScript", "variables.count + input.step"))
            .Add("copy", "Elsa.SetVariable", ("Variable", "Literal", "copy"), ("Value", "Variable", "count"))
            .Add("d", "Elsa.FlowDecision", ("Condition", "JavaScript", "getVariable('copy') === 6"))
            .Task("yes", "Yes")
            .Connect("inc", "Done", "copy").Connect("copy", "Done", "d").Connect("d", "True", "yes").Build());

        var r = await _h.StartAsync("vars", new { step = 5 });

        Assert.Equal("yes", Assert.Single(r.Bookmarks).ActivityId);
        var instance = await _h.InstanceAsync(r.InstanceId);
        Assert.Equal(6, instance.State.Variables["count"]!.GetValue<double>());
    }

    [Fact]
    public async Task Delay_creates_a_timer_bookmark_that_resumes_only_when_due()
    {
        await _h.PublishAsync(new Flow("delay")
            .Add("wait", "Elsa.Delay", ("TimeSpan", "Literal", "PT30M"))
            .Task("next", "Next")
            .Connect("wait", "Done", "next").Build());

        var r = await _h.StartAsync("delay");
        var timer = Assert.Single(r.Bookmarks);
        Assert.Equal(BookmarkKinds.Timer, timer.Kind);
        Assert.Equal(_h.Clock.GetUtcNow().AddMinutes(30), timer.ResumeAt);

        _h.Clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, await _h.Runtime.ResumeDueTimersAsync());
        _h.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await _h.Runtime.ResumeDueTimersAsync());
        Assert.Equal(0, await _h.Runtime.ResumeDueTimersAsync());
        Assert.Equal("next", Assert.Single((await _h.InstanceAsync(r.InstanceId)).Bookmarks).ActivityId);
    }

    [Fact]
    public async Task StartAt_waits_until_the_instant()
    {
        var at = _h.Clock.GetUtcNow().AddDays(2);
        await _h.PublishAsync(new Flow("startat").Add("at", "Elsa.StartAt", ("DateTime", "Literal", at.ToString("O"))).Task("next", "Next").Connect("at", "Done", "next").Build());
        var r = await _h.StartAsync("startat");
        Assert.Equal(at, Assert.Single(r.Bookmarks).ResumeAt);
    }

    [Fact]
    public async Task Event_bookmark_resumes_only_for_its_correlation_key()
    {
        await _h.PublishAsync(new Flow("evt")
            .Add("e", "Elsa.Event", ("EventName", "Literal", "ReportUploaded"), ("CorrelationKey", "JavaScript", "input.policy"), ("ResultVariable", "Literal", "report"))
            .Task("review", "Review report")
            .Connect("e", "Done", "review").Build());
        var p1 = await _h.StartAsync("evt", new { policy = "P1" });
        var p2 = await _h.StartAsync("evt", new { policy = "P2" });

        var resumed = await _h.Runtime.TriggerEventAsync("ReportUploaded", "P2", new JsonObject { ["pages"] = 3 }, Actor.System);

        Assert.Equal(p2.InstanceId, Assert.Single(resumed).InstanceId);
        Assert.Equal("review", Assert.Single((await _h.InstanceAsync(p2.InstanceId)).Bookmarks).ActivityId);
        Assert.Equal("e", Assert.Single((await _h.InstanceAsync(p1.InstanceId)).Bookmarks).ActivityId);
        Assert.Equal(3, (await _h.InstanceAsync(p2.InstanceId)).State.Variables["report"]!["pages"]!.GetValue<int>());
    }

    [Fact]
    public async Task Finish_ends_the_instance_and_cancels_open_bookmarks()
    {
        await _h.PublishAsync(new Flow("finish")
            .Add("fork", "Elsa.FlowFork", ("Branches", "Literal", """["A","B"]"""))
            .Task("a", "A").Add("end", "Elsa.Finish")
            .Add("wait", "Elsa.Delay", ("TimeSpan", "Literal", "1.00:00:00"))
            .Connect("fork", "A", "a").Connect("fork", "B", "wait").Connect("a", "Done", "end").Build());
        var r = await _h.StartAsync("finish");

        var done = await _h.CompleteAsync(r.Bookmarks.Single(b => b.ActivityId == "a").Id);

        Assert.Equal(WorkflowStatus.Finished, done.Status);
        Assert.Empty(done.Bookmarks);
        var events = await _h.EventsAsync(r.InstanceId);
        Assert.Contains(JournalEvents.BookmarkCancelled, events);
        Assert.Equal(JournalEvents.WorkflowFinished, events[^1]);
    }

    [Fact]
    public async Task Human_task_records_the_chosen_outcome_and_data_and_refuses_unknown_outcomes_without_storing_anything()
    {
        await _h.PublishAsync(new Flow("task")
            .Add("t", "Workflows.HumanTask", ("Title", "Literal", "Record visit"), ("Outcomes", "Literal", """["Completed","NoShow"]"""), ("ResultVariable", "Literal", "visit"))
            .Task("noshow", "Follow up no-show")
            .Connect("t", "NoShow", "noshow").Build());
        var r = await _h.StartAsync("task");
        var before = await _h.InstanceAsync(r.InstanceId);

        await Assert.ThrowsAsync<ResumeRejectedException>(() => _h.CompleteAsync(r.Bookmarks[0].Id, "Maybe"));
        var unchanged = await _h.InstanceAsync(r.InstanceId);
        Assert.Equal(before.Revision, unchanged.Revision);
        Assert.Equal(before.JournalSequence, unchanged.JournalSequence);

        var after = await _h.CompleteAsync(r.Bookmarks[0].Id, "NoShow", new JsonObject { ["reason"] = "did not arrive" });
        Assert.Equal("noshow", Assert.Single(after.Bookmarks).ActivityId);
        Assert.Equal("did not arrive", (await _h.InstanceAsync(r.InstanceId)).State.Variables["visit"]!["reason"]!.ToString());
    }

    [Fact]
    public async Task A_faulting_activity_marks_the_instance_faulted_with_an_incident_and_retry_continues()
    {
        FlakyActivity.FailuresLeft = 1;
        await _h.PublishAsync(new Flow("flaky").Add("f", "Tests.Flaky").Task("next", "Next").Connect("f", "Done", "next").Build());

        var r = await _h.StartAsync("flaky");
        Assert.Equal(WorkflowSubStatus.Faulted, r.SubStatus);
        var faulted = await _h.InstanceAsync(r.InstanceId);
        Assert.Equal("f", faulted.Incident!.ActivityId);
        Assert.Equal("The pharmacy system did not answer.", faulted.Incident.Message);
        Assert.Equal(_h.Clock.GetUtcNow(), faulted.Incident.At);

        var retried = await _h.Runtime.RetryAsync(r.InstanceId, new Actor("ops", "Admin"));
        Assert.Equal(WorkflowSubStatus.Suspended, retried.SubStatus);
        Assert.Equal("next", Assert.Single(retried.Bookmarks).ActivityId);
        Assert.Null((await _h.InstanceAsync(r.InstanceId)).Incident);
        await Assert.ThrowsAsync<InstanceStateException>(() => _h.Runtime.RetryAsync(r.InstanceId, new Actor("ops", "Admin")));
    }

    [Fact]
    public async Task A_loop_without_a_blocking_activity_is_stopped_as_an_incident()
    {
        await _h.PublishAsync(new Flow("loop")
            .Add("a", "Elsa.SetVariable", ("Variable", "Literal", "x"), ("Value", "Literal", "1"))
            .Add("b", "Elsa.SetVariable", ("Variable", "Literal", "y"), ("Value", "Literal", "2"))
            .Connect("a", "Done", "b").Connect("b", "Done", "a").Build());
        var r = await _h.StartAsync("loop");
        Assert.Equal(WorkflowSubStatus.Faulted, r.SubStatus);
        Assert.Contains("loops without a blocking activity", r.Incident);
    }
}

/// <summary>
/// Fails the first <see cref="FailuresLeft"/> times, like a flaky external system. The count is shared by every
/// harness in the process, so the test classes that set it sit in one collection and never run at the same time.
/// </summary>
[Activity("Tests", "Flaky", "Tests", "Fails while FailuresLeft > 0.")]
public sealed class FlakyActivity : Activity
{
    public const string Collection = "Tests that set FlakyActivity.FailuresLeft";
    public static int FailuresLeft;

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Interlocked.Decrement(ref FailuresLeft) >= 0) throw new InvalidOperationException("The pharmacy system did not answer.");
        return new(ActivityResult.Complete(DefaultPort));
    }
}

[CollectionDefinition(FlakyActivity.Collection)]
public sealed class FlakyActivityCollection;
