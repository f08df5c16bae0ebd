using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Domain.Policies;
using Workflows.Engine.Activities;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.FreeText;

/// <summary>
/// Free text a member of staff typed when completing a task (the note every task takes, any other text field marked
/// <see cref="FormField.IsFreeText"/>, a value sent under a name the form does not declare), kept encrypted on its own
/// row — erasable under PIPL art. 47 — while the workflow's state and its append-only journal hold only
/// <c>personal-text:task:{Id}</c>.
/// </summary>
public sealed class TaskText
{
    public string Id { get; set; } = "";
    public string InstanceId { get; set; } = "";
    /// <summary>The case (application) the instance serves; null for workflows that are not applications.</summary>
    public string? ApplicationId { get; set; }
    /// <summary>The task (bookmark) whose completion carried the text, and the field it was typed in.</summary>
    public string TaskId { get; set; } = "";
    public string Field { get; set; } = "";
    public string TextProtected { get; set; } = "";
    public string WrittenBy { get; set; } = "";
    public DateTimeOffset WrittenAt { get; set; }
}

/// <summary>
/// Splits the free text out of a task's completion before the instance runs: each text is encrypted into a
/// <see cref="TaskText"/> row written in the step's own transaction (effect <see cref="Keep"/>), and the completion
/// goes on with a reference in its place. Which values are free text is decided by the task's form.
/// </summary>
public sealed class TaskFreeText(Forms.TaskFormRules forms, PersonalDataProtector protector, TimeProvider clock) : IFreeTextKeeper, IStepEffectHandler
{
    public const string Keep = "personal-text.keep";
    public const string Prefix = ApplicationService.PersonalTextPrefix + "task:";

    public IReadOnlyCollection<string> Types { get; } = [Keep];

    public FreeTextSplit Split(Bookmark bookmark, WorkflowInstance instance, ResumeInput input, Actor actor)
    {
        if (bookmark.Kind != BookmarkKinds.HumanTask || input.Data is not { Count: > 0 } data) return new(input, []);
        var form = forms.FormFor(bookmark.ActivityType, Forms.TaskFormRules.OutcomesOf(bookmark.Payload));
        var copy = data.DeepClone().AsObject();
        var effects = new List<StepEffect>();
        foreach (var (name, node) in data)
        {
            if (node is not JsonValue v || !v.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text)) continue;
            var field = form?.Field(name);
            // Declared fields are free text when the form says so; a value under a name the form does not declare is
            // something typed that no rule checks, so it is kept like free text too.
            if (field is not null && !field.IsFreeText) continue;
            var id = Guid.CreateVersion7().ToString("N");
            effects.Add(new StepEffect(Keep, new JsonObject
            {
                ["id"] = id, ["taskId"] = bookmark.Id, ["field"] = name, ["textProtected"] = protector.Protect(text), ["writtenBy"] = actor.Id,
            }, bookmark.ActivityId));
            copy[name] = Prefix + id;
        }
        return effects.Count == 0 ? new(input, []) : new(input with { Data = copy }, effects);
    }

    public void Apply(StepTransaction c, StepEffect effect)
    {
        var instance = c.Instance;
        var d = effect.Data;
        c.Command("""
            INSERT INTO TaskTexts (Id, InstanceId, ApplicationId, TaskId, Field, TextProtected, WrittenBy, WrittenAt)
            VALUES (@id, @instance, @app, @task, @field, @text, @by, @at)
            """, ("@id", S(d, "id")), ("@instance", instance.Id), ("@app", instance.CorrelationId), ("@task", S(d, "taskId")), ("@field", S(d, "field")),
            ("@text", S(d, "textProtected")), ("@by", S(d, "writtenBy")), ("@at", clock.GetUtcNow().UtcTicks)).ExecuteNonQuery();
    }

    private static string S(JsonObject d, string key) => d[key]?.GetValue<string>() ?? throw new InvalidOperationException($"Effect data lacks '{key}'.");
}

/// <summary>
/// Reads the free text behind a reference — a member's (<c>personal-text:{application}:note</c>, an attachment's file
/// name) or staff's (<c>personal-text:task:{id}</c>) — for the one case it belongs to. Staff views show it masked by
/// content (<see cref="PersonalDataProtector.MaskContent"/>); the full text only through a reveal with a reason.
/// </summary>
public sealed class PersonalTexts(IDbContextFactory<DomainDbContext> dbs, PersonalDataProtector protector)
{
    public static bool IsReference(string? value) => value?.StartsWith(ApplicationService.PersonalTextPrefix, StringComparison.Ordinal) == true;

    /// <summary>The texts of <paramref name="application"/> behind the references, decrypted; a reference of another case is not read.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadAsync(ServiceApplication application, IEnumerable<string> references, CancellationToken ct)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var staff = new List<string>();
        JsonObject? details = null;
        foreach (var r in references.Where(IsReference).Distinct(StringComparer.Ordinal))
        {
            if (r.StartsWith(TaskFreeText.Prefix, StringComparison.Ordinal)) { staff.Add(r[TaskFreeText.Prefix.Length..]); continue; }
            var own = $"{ApplicationService.PersonalTextPrefix}{application.Id}:";
            if (!r.StartsWith(own, StringComparison.Ordinal)) continue;
            details ??= JsonNode.Parse(application.DetailsJson) as JsonObject ?? new JsonObject();
            var path = r[own.Length..];
            var node = path == "note" ? details["note"]
                : path.StartsWith("attachments[", StringComparison.Ordinal) && int.TryParse(path["attachments[".Length..path.IndexOf(']')], out var i)
                    ? (details["attachments"] as JsonArray)?.ElementAtOrDefault(i)?["fileName"] : null;
            if (node is JsonValue v && v.TryGetValue<string>(out var cipher) && cipher.Length > 0) result[r] = Unprotect(cipher);
        }
        if (staff.Count > 0)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            foreach (var t in await db.TaskTexts.AsNoTracking().Where(t => staff.Contains(t.Id) && t.ApplicationId == application.Id).ToListAsync(ct))
                result[TaskFreeText.Prefix + t.Id] = Unprotect(t.TextProtected);
        }
        return result;
    }

    private string Unprotect(string cipher)
    {
        try { return protector.Unprotect(cipher) ?? ""; }
        catch (System.Security.Cryptography.CryptographicException) { return cipher; } // written before free text was encrypted
    }
}
