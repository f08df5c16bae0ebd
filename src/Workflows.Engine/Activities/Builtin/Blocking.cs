using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Engine.Activities.Forms;
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
/// Work for a person in a role: the instance waits until someone in that role completes the task with one of its
/// outcomes. <see cref="HumanTask"/> lets the analyst name the outcomes; domain tasks (specialist call, booking, visit)
/// have fixed outcome ports and react to the data submitted.
/// </summary>
public abstract class TaskActivity : Activity
{
    [Input(Description = "What the person is asked to do; shown in their task list.", Required = true, Order = 0)]
    public string Title { get; set; } = "";

    [Input(Description = "The role whose members may complete the task.", Options = ["Specialist", "CaseManager", "Member", "Admin"], DefaultValue = "Specialist", Order = 1)]
    public string Role { get; set; } = "Specialist";

    [Input(Description = "Instructions shown with the task.", UIHint = InputUIHints.MultiLine, Order = 3)]
    public string? Instructions { get; set; }

    [Input(Description = "Variable that receives the data submitted with the task.", UIHint = InputUIHints.VariablePicker, Order = 4)]
    public string? ResultVariable { get; set; }

    /// <summary>The outcomes the person may choose.</summary>
    protected abstract IReadOnlyList<string> TaskOutcomes { get; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.HumanTask, Title, Payload: Task(context).ToPayload())));

    /// <summary>
    /// The task this activity creates: title, candidate role, outcomes, instructions, and what it is about (from the
    /// domain's <see cref="ITaskSubjectSource"/>). Deadline tasks add their due time.
    /// </summary>
    protected virtual HumanTaskSpec Task(ActivityContext context) => new()
    {
        Title = Title,
        Role = Role,
        Outcomes = TaskOutcomes.ToList(),
        Instructions = Instructions,
        Subject = (context.Services.GetService(typeof(ITaskSubjectSource)) as ITaskSubjectSource)?.Describe(context),
    };

    /// <summary>
    /// The task's form: its outcomes and the fields the person fills in, with labels in Chinese and English. The UI
    /// renders it; the server validates a completion against it before the instance runs (<see cref="ITaskCompletionGuard"/>)
    /// and again here, so no completion reaches <see cref="OnCompleted"/> with data of the wrong shape.
    /// </summary>
    /// <param name="outcomes">The task's outcomes as stored on it (named by the analyst for generic tasks).</param>
    public TaskForm DeclareForm(IReadOnlyList<string> outcomes) =>
        new(GetType().GetCustomAttributes(typeof(ActivityAttribute), false).OfType<ActivityAttribute>().FirstOrDefault()?.TypeName ?? GetType().Name,
            outcomes.Select(o => OutcomeLabel(o)).ToList(),
            [.. DeclareFields(), NoteField]);

    /// <summary>The fields of this task's form, in tab order (the note field is added to every form).</summary>
    protected virtual IEnumerable<FormField> DeclareFields() => [];

    /// <summary>The outcome's labels; domain tasks name their own, generic tasks use <see cref="OutcomeLabels"/>.</summary>
    protected virtual FormOutcome OutcomeLabel(string outcome) => OutcomeLabels.For(outcome);

    /// <summary>备注: every task takes an optional note, shown to colleagues on the case's earlier tasks.</summary>
    public static readonly FormField NoteField = new()
    {
        Name = "note", Type = FormFieldType.MultiLine, LabelZh = "备注", LabelEn = "Note", MaxLength = 2000, IsFreeText = true,
        HelpZh = "处理说明，供同事查看（勿填写身份证号、电话等个人信息）。", HelpEn = "What you did, for colleagues (no ID numbers or phone numbers).",
    };

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        var outcome = input.Outcome ?? (TaskOutcomes.Count == 1 ? TaskOutcomes[0] : null);
        if (outcome is null || !TaskOutcomes.Contains(outcome, StringComparer.Ordinal))
            throw new ResumeRejectedException($"Task '{Title}' must be completed with one of: {string.Join(", ", TaskOutcomes)}.");
        // The same checks as before the step (types, required fields, options), so an activity never sees data of the
        // wrong shape even when a caller bypasses the guard; reference data and policy rules are the guard's.
        JsonObject data;
        try
        {
            var checkedForm = TaskFormValidator.Validate(DeclareForm(TaskOutcomes), outcome, input.Data, new FormValidationContext(context.Now));
            if (!checkedForm.IsValid) throw new FormValidationException(checkedForm.Errors);
            data = checkedForm.Data;
            if (!string.IsNullOrEmpty(ResultVariable)) context.SetVariable(ResultVariable, data);
            OnCompleted(context, outcome, data);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or ArgumentException or KeyNotFoundException)
        {
            // Data the form let through but the activity could not use: refuse the completion, never fault the case.
            throw new ResumeRejectedException($"Task '{Title}' could not use the data sent: {e.Message}");
        }
        return new(ActivityResult.Complete(outcome, data));
    }

    /// <summary>Validates the submitted data (throw <see cref="ResumeRejectedException"/> to refuse) and records effects.</summary>
    protected virtual void OnCompleted(ActivityContext context, string outcome, JsonObject data) { }
}

/// <summary>A generic task whose outcomes the analyst names.</summary>
[Activity("Workflows", "HumanTask", "Human tasks", "Wait for a person in the given role to complete a task with one of its outcomes.", DisplayName = "Human Task", DisplayNameZh = "人工任务", Kind = "Task")]
[Ports]
public sealed class HumanTask : TaskActivity
{
    [Input(Description = "The outcomes the person can choose; each is an outcome port.", UIHint = InputUIHints.DynamicOutcomes, DefinesPorts = true, DefaultValue = "[\"Done\"]", Order = 2)]
    public string[] Outcomes { get; set; } = [DefaultPort];

    protected override IReadOnlyList<string> TaskOutcomes => Outcomes;
}
