using System.Text.Json.Nodes;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Activities.Builtin;

[Activity("Elsa", "Delay", "Scheduling", "Wait for the given amount of time, then continue.", DisplayNameZh = "延时")]
[Ports("Done")]
public sealed class Delay : Activity
{
    [Input(Description = "How long to wait, e.g. 00:30:00 or PT30M.", Required = true)]
    public TimeSpan TimeSpan { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(TimeSpan <= TimeSpan.Zero
            ? ActivityResult.Complete(DefaultPort)
            : ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.Timer, "Delay", context.Now + TimeSpan)));
}

[Activity("Elsa", "StartAt", "Scheduling", "Wait until the given instant, then continue.", DisplayName = "Start At", DisplayNameZh = "定时")]
[Ports("Done")]
public sealed class StartAt : Activity
{
    [Input(Description = "When to continue (ISO 8601, with offset).", UIHint = InputUIHints.DateTimePicker, Required = true)]
    public DateTimeOffset DateTime { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(DateTime <= context.Now
            ? ActivityResult.Complete(DefaultPort)
            : ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.Timer, "StartAt", DateTime.ToUniversalTime())));
}

[Activity("Elsa", "Event", "Primitives", "Wait for an external event by name (and correlation key), then continue.", DisplayNameZh = "等待事件")]
[Ports("Done")]
public sealed class Event : Activity
{
    [Input(Description = "The event's name.", Required = true)]
    public string EventName { get; set; } = "";

    [Input(Description = "Only an event carrying this correlation key resumes this instance; empty matches any.")]
    public string? CorrelationKey { get; set; }

    [Input(Description = "Variable that receives the event's data.", UIHint = InputUIHints.VariablePicker)]
    public string? ResultVariable { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.Event, EventName, CorrelationKey: string.IsNullOrEmpty(CorrelationKey) ? null : CorrelationKey)));

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        if (!string.IsNullOrEmpty(ResultVariable)) context.SetVariable(ResultVariable, input.Data);
        return new(ActivityResult.Complete(DefaultPort, input.Data));
    }
}

/// <summary>
/// A piece of work for a person in a role: the instance waits until someone in that role completes it with one of
/// the task's outcomes. Domain tasks (specialist call, booking…) build on the same bookmark.
/// </summary>
[Activity("Workflows", "HumanTask", "Human tasks", "Wait for a person in the given role to complete a task with one of its outcomes.", DisplayName = "Human Task", DisplayNameZh = "人工任务", Kind = "Task")]
[Ports]
public class HumanTask : Activity
{
    public static readonly string[] Roles = ["Specialist", "CaseManager", "Member", "Analyst", "Auditor", "Admin"];

    [Input(Description = "What the person is asked to do; shown in their task list.", Required = true, Order = 0)]
    public string Title { get; set; } = "";

    [Input(Description = "The role whose members may complete the task.", Options = ["Specialist", "CaseManager", "Member", "Admin"], DefaultValue = "Specialist", Order = 1)]
    public string Role { get; set; } = "Specialist";

    [Input(Description = "The outcomes the person can choose; each is an outcome port.", UIHint = InputUIHints.DynamicOutcomes, DefinesPorts = true, DefaultValue = "[\"Done\"]", Order = 2)]
    public string[] Outcomes { get; set; } = [DefaultPort];

    [Input(Description = "Instructions shown with the task.", UIHint = InputUIHints.MultiLine, Order = 3)]
    public string? Instructions { get; set; }

    [Input(Description = "Variable that receives the data submitted with the task.", UIHint = InputUIHints.VariablePicker, Order = 4)]
    public string? ResultVariable { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.HumanTask, Title, Payload: TaskPayload(context))));

    protected virtual JsonObject TaskPayload(ActivityContext context) => new()
    {
        ["title"] = Title,
        ["role"] = Role,
        ["outcomes"] = new JsonArray(Outcomes.Select(o => (JsonNode)o).ToArray()),
        ["instructions"] = Instructions,
    };

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        var outcome = input.Outcome ?? (Outcomes.Length == 1 ? Outcomes[0] : null);
        if (outcome is null || !Outcomes.Contains(outcome, StringComparer.Ordinal))
            throw new ResumeRejectedException($"Task '{Title}' must be completed with one of: {string.Join(", ", Outcomes)}.");
        if (!string.IsNullOrEmpty(ResultVariable)) context.SetVariable(ResultVariable, input.Data);
        return new(ActivityResult.Complete(outcome, input.Data));
    }
}
