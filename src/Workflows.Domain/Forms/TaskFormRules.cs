using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Catalogue;
using Workflows.Domain.ReferenceData;
using Workflows.Engine.Activities;
using Workflows.Engine.Activities.Builtin;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Forms;

/// <summary>
/// One place for task forms on the server: the form of a task (declared by its activity), the reference lists of its
/// service, and the check of a completion against them with the case's policy and the clock. Registered as the
/// runtime's <see cref="ITaskCompletionGuard"/>, so every completion is checked before the instance runs, whichever
/// endpoint sends it.
/// </summary>
public sealed class TaskFormRules(ActivityRegistry registry, ServiceCatalogue catalogue, IServiceProvider services,
    IDbContextFactory<DomainDbContext> dbs, TimeProvider clock) : ITaskCompletionGuard
{
    /// <summary>The reference lists in effect now (resolved per use: a published version takes effect on its date).</summary>
    private ReferenceLookup Lookup => ((IReferenceDataVersions)services.GetService(typeof(IReferenceDataVersions))!).Current;

    /// <summary>The outcomes stored on a task's bookmark.</summary>
    public static IReadOnlyList<string> OutcomesOf(JsonObject? payload) =>
        payload?["outcomes"] is JsonArray a ? a.Select(o => o?.ToString() ?? "").Where(o => o.Length > 0).ToList() : [];

    /// <summary>The form a task activity declares, or null when the type is not a task activity.</summary>
    public TaskForm? FormFor(string activityType, IReadOnlyList<string> outcomes) =>
        registry.TryGet(activityType, out var type) && type.Create() is TaskActivity task ? task.DeclareForm(outcomes) : null;

    /// <summary>The service code and policy number of the case an instance carries (null for workflows that are not applications).</summary>
    public static (string? ServiceCode, string? PolicyNumber) CaseOf(JsonObject? instanceInput) =>
        (instanceInput?["serviceCode"] is JsonValue s ? s.ToString() : null, instanceInput?["policyNumber"] is JsonValue p ? p.ToString() : null);

    public IFormOptions OptionsFor(string? serviceCode) =>
        new ServiceFormOptions(serviceCode is not null && catalogue.TryGet(serviceCode, out var s) ? s : null, Lookup);

    public async Task<TaskFormValidator.Result> ValidateAsync(TaskForm form, string? outcome, JsonObject? data, JsonObject? instanceInput, CancellationToken ct)
    {
        var (serviceCode, policyNumber) = CaseOf(instanceInput);
        DateOnly? policyEnd = null;
        if (policyNumber is not null && form.Fields.Any(f => f.Rules.Contains(FormRule.NotAfterPolicyEnd)))
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            policyEnd = await db.Policies.AsNoTracking().Where(p => p.PolicyNumber == policyNumber).Select(p => (DateOnly?)p.EndDate).FirstOrDefaultAsync(ct);
        }
        return TaskFormValidator.Validate(form, outcome, data, new FormValidationContext(clock.GetUtcNow(), policyEnd, OptionsFor(serviceCode)));
    }

    public async ValueTask<ResumeInput> CheckAsync(Bookmark bookmark, WorkflowInstance instance, ResumeInput input, CancellationToken ct)
    {
        if (FormFor(bookmark.ActivityType, OutcomesOf(bookmark.Payload)) is not { } form) return input;
        var result = await ValidateAsync(form, input.Outcome, input.Data, instance.State.Input, ct);
        if (!result.IsValid) throw new FormValidationException(result.Errors);
        return input with { Data = result.Data };
    }
}
