using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Domain.Activities;
using Workflows.Domain.Forms;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Workspace;

/// <summary>Task forms for the workspace: the form of a task with its prefill, option search, and checking a completion.</summary>
public sealed class TaskForms(ITaskSource tasks, TaskFormRules rules, IWorkflowStore store) : ITaskForms
{
    private async Task<(TaskRef Task, TaskForm Form, JsonObject? Input)?> LoadAsync(string taskId, ClaimsPrincipal user, CancellationToken ct)
    {
        var task = await tasks.FindAsync(taskId, ct);
        if (task is null || !task.MayBeWorkedBy(user)) return null;
        var form = rules.FormFor(task.ActivityType, task.Outcomes) ?? new TaskForm(task.ActivityType, task.Outcomes.Select(OutcomeLabels.For).ToList(),
            [Workflows.Engine.Activities.Builtin.TaskActivity.NoteField]);
        var instance = await store.LoadInstanceAsync(task.InstanceId, ct);
        return (task, form, instance?.State.Input);
    }

    public async Task<TaskFormView?> GetAsync(string taskId, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await LoadAsync(taskId, user, ct) is not { } loaded) return null;
        var (task, form, input) = loaded;
        var (serviceCode, _) = TaskFormRules.CaseOf(input);
        var prefill = new JsonObject();
        var details = input?["details"] as JsonObject;
        foreach (var f in form.Fields.Where(f => f.PrefillFrom is not null))
        {
            if (details?[f.PrefillFrom!] is not JsonValue v || v.ToString() is not { Length: > 0 } text) continue;
            // A preferred time is kept only when it reads as a date and time (members write it freely).
            if (f.Type == FormFieldType.DateTime)
            {
                if (TaskFormValidator.ParseDateTime(text) is { } at) prefill[f.Name] = TaskFormValidator.Format(at);
            }
            else prefill[f.Name] = text;
        }
        return new TaskFormView(task.Id, task.Title, task.Instructions, task.Role, task.DueAt, input?["applicationId"]?.ToString(), serviceCode, form, prefill);
    }

    public async Task<IReadOnlyList<FormOption>?> OptionsAsync(string taskId, string field, string? query, int take, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await LoadAsync(taskId, user, ct) is not { } loaded) return null;
        var (_, form, input) = loaded;
        if (form.Field(field) is not { HasOptionSearch: true } f) return null;
        return await rules.OptionsFor(TaskFormRules.CaseOf(input).ServiceCode).SearchAsync(f, query, take, ct);
    }

    public async Task<FormCheck?> CheckAsync(string taskId, string? outcome, JsonObject? data, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await LoadAsync(taskId, user, ct) is not { } loaded) return null;
        var (_, form, input) = loaded;
        var result = await rules.ValidateAsync(form, outcome, data, input, ct);
        return new FormCheck(result.IsValid, result.Errors);
    }
}
