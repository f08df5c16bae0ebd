using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Activities.Builtin;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

/// <summary>A task whose completion handler fails on the data (as a parsing bug would): the completion must be refused, not fault the case.</summary>
[Activity("Tests", "FragileTask", "Tests", "Fails while using the data.", Kind = "Task")]
[Ports("Done")]
public sealed class FragileTask : TaskActivity
{
    protected override IReadOnlyList<string> TaskOutcomes => ["Done"];
    protected override IEnumerable<FormField> DeclareFields() => [new() { Name = "count", Type = FormFieldType.Number, LabelZh = "数量", LabelEn = "Count" }];
    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data) =>
        _ = DateTimeOffset.Parse(data["count"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture); // "3" is no date: FormatException
}

public sealed class TaskFormTests : IDisposable
{
    private readonly EngineHarness _h = new(r => r.Add<FragileTask>());
    public void Dispose() => _h.Dispose();

    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-06-10T02:00:00Z"); // 10:00 Beijing

    private static readonly TaskForm Form = new("Tests.Form", [new("Booked", "已预约", "Booked"), new("Withdrawn", "撤回", "Withdrawn")],
    [
        new() { Name = "at", Type = FormFieldType.DateTime, LabelZh = "预约时间", LabelEn = "Appointment", RequiredFor = ["Booked"],
                Rules = [FormRule.NotInPast, FormRule.NotAfterPolicyEnd] },
        new() { Name = "day", Type = FormFieldType.Date, LabelZh = "日期", LabelEn = "Day", Rules = [FormRule.NotInFuture] },
        new() { Name = "n", Type = FormFieldType.Number, LabelZh = "次数", LabelEn = "Times", Min = 1, Max = 5 },
        new() { Name = "yes", Type = FormFieldType.Boolean, LabelZh = "是否", LabelEn = "Yes" },
        new() { Name = "pick", Type = FormFieldType.Choice, LabelZh = "选项", LabelEn = "Pick", RequiredFor = ["*"], Options = [new("a", "甲", "A"), new("b", "乙", "B")] },
    ]);

    private static TaskFormValidator.Result Check(string? outcome, JsonObject data) =>
        TaskFormValidator.Validate(Form, outcome, data, new FormValidationContext(Now, new DateOnly(2026, 12, 31)));

    [Theory]
    [InlineData("""{"pick":"a"}""", "at", "required")]
    [InlineData("""{"pick":"a","at":12345}""", "at", "type")]
    [InlineData("""{"pick":"a","at":"2026-06-20"}""", "at", "time-required")]
    [InlineData("""{"pick":"a","at":"2026-06-10 09:59"}""", "at", "not-in-past")]
    [InlineData("""{"pick":"a","at":"2027-01-01 08:00"}""", "at", "not-after-policy-end")]
    [InlineData("""{"pick":"a","at":"2026-12-31T23:30:00+08:00","day":"2026-06-11"}""", "day", "not-in-future")]
    [InlineData("""{"pick":"a","at":"2026-06-20 09:30","day":"11/06/2026"}""", "day", "type")]
    [InlineData("""{"pick":"a","at":"2026-06-20 09:30","n":6}""", "n", "range")]
    [InlineData("""{"pick":"a","at":"2026-06-20 09:30","n":"many"}""", "n", "type")]
    [InlineData("""{"pick":"a","at":"2026-06-20 09:30","yes":"maybe"}""", "yes", "type")]
    [InlineData("""{"pick":"c","at":"2026-06-20 09:30"}""", "pick", "unknown-option")]
    [InlineData("""{"at":"2026-06-20 09:30"}""", "pick", "required")]
    public void Each_rule_names_the_field_and_the_rule(string json, string field, string rule)
    {
        var result = Check("Booked", JsonNode.Parse(json)!.AsObject());
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.Equal(rule, error.Rule);
        Assert.False(string.IsNullOrWhiteSpace(error.MessageZh));
        Assert.False(string.IsNullOrWhiteSpace(error.MessageEn));
    }

    [Fact]
    public void Valid_data_comes_back_canonical_in_Beijing_time_and_required_fields_depend_on_the_outcome()
    {
        var ok = Check("Booked", new JsonObject { ["pick"] = "b", ["at"] = "2026-06-20 09:30", ["n"] = "3", ["yes"] = "true", ["day"] = "2026-06-10", ["extra"] = "kept" });
        Assert.True(ok.IsValid, string.Join("; ", ok.Errors));
        Assert.Equal("2026-06-20T09:30:00+08:00", ok.Data["at"]!.ToString());
        Assert.Equal(3m, ok.Data["n"]!.GetValue<decimal>());
        Assert.True(ok.Data["yes"]!.GetValue<bool>());
        Assert.Equal("kept", ok.Data["extra"]!.ToString());
        // An instant with another offset is the same moment, shown in Beijing time.
        Assert.Equal("2026-06-20T09:30:00+08:00", Check("Booked", new JsonObject { ["pick"] = "a", ["at"] = "2026-06-20T01:30:00Z" }).Data["at"]!.ToString());
        // The appointment is only required for Booked.
        Assert.True(Check("Withdrawn", new JsonObject { ["pick"] = "a" }).IsValid);
        Assert.Equal("outcome", Assert.Single(Check("Later", new JsonObject { ["pick"] = "a" }).Errors).Rule);
    }

    [Fact]
    public async Task A_completion_of_the_wrong_shape_is_refused_by_the_task_itself_and_the_instance_stays_as_it_was()
    {
        await _h.PublishAsync(new Flow("note-task").Add("t", "Workflows.HumanTask", ("Title", "Literal", "Call"), ("Outcomes", "Literal", """["Done"]""")).Build());
        var r = await _h.StartAsync("note-task");
        var before = await _h.InstanceAsync(r.InstanceId);

        var refused = await Assert.ThrowsAsync<FormValidationException>(() => _h.CompleteAsync(r.Bookmarks[0].Id, "Done", new JsonObject { ["note"] = 42 }));
        Assert.Equal("note", Assert.Single(refused.Errors).Field);
        var unchanged = await _h.InstanceAsync(r.InstanceId);
        Assert.Equal(before.Revision, unchanged.Revision);
        Assert.Equal(before.JournalSequence, unchanged.JournalSequence);
        Assert.Equal(WorkflowSubStatus.Suspended, unchanged.SubStatus);

        var done = await _h.CompleteAsync(r.Bookmarks[0].Id, "Done", new JsonObject { ["note"] = "已联系" });
        Assert.Equal(WorkflowSubStatus.Finished, done.SubStatus);
    }

    [Fact]
    public async Task An_activity_that_fails_on_the_data_refuses_the_completion_instead_of_faulting_the_case()
    {
        await _h.PublishAsync(new Flow("fragile").Add("t", "Tests.FragileTask", ("Title", "Literal", "Count")).Build());
        var r = await _h.StartAsync("fragile");
        var before = await _h.InstanceAsync(r.InstanceId);

        Assert.Equal(WorkflowSubStatus.Suspended, r.SubStatus);
        await Assert.ThrowsAsync<ResumeRejectedException>(() => _h.CompleteAsync(r.Bookmarks[0].Id, "Done", new JsonObject { ["count"] = 3 }));
        var unchanged = await _h.InstanceAsync(r.InstanceId);
        Assert.Equal(WorkflowSubStatus.Suspended, unchanged.SubStatus);
        Assert.Null(unchanged.Incident);
        Assert.Equal(before.JournalSequence, unchanged.JournalSequence);
    }
}
