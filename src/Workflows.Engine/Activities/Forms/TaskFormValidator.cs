using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflows.Engine.Activities.Forms;

/// <summary>Reference data behind a task's Hospital, City and Drug fields (the service's lists), for checks and type-ahead search.</summary>
public interface IFormOptions
{
    /// <summary>Whether the value is on the field's list; true when the field has no list for this task's service (free text).</summary>
    bool IsKnown(FormField field, string value);

    /// <summary>The list's entries matching <paramref name="query"/> (by any part of the name), at most <paramref name="take"/>.</summary>
    Task<IReadOnlyList<FormOption>> SearchAsync(FormField field, string? query, int take, CancellationToken ct);

    /// <summary>Whether the field has a closed list for this task (unknown values are refused).</summary>
    bool HasList(FormField field);
}

/// <summary>What the checks compare with: now, the last day of the case's policy, and the task's reference lists.</summary>
public sealed record FormValidationContext(DateTimeOffset Now, DateOnly? PolicyEnd = null, IFormOptions? Options = null);

/// <summary>
/// Checks a completion against a <see cref="TaskForm"/> and returns the data in canonical form (date-times as ISO 8601
/// with the +08:00 offset, numbers as numbers, text trimmed). Pure: reads nothing but its arguments.
/// </summary>
public static class TaskFormValidator
{
    public static readonly TimeZoneInfo Shanghai = FindShanghai();

    public sealed record Result(IReadOnlyList<FormError> Errors, JsonObject Data)
    {
        public bool IsValid => Errors.Count == 0;
    }

    public static Result Validate(TaskForm form, string? outcome, JsonObject? data, FormValidationContext context)
    {
        var errors = new List<FormError>();
        var output = data?.DeepClone().AsObject() ?? new JsonObject();
        if (outcome is null && form.Outcomes.Count == 1) outcome = form.Outcomes[0].Name;
        if (outcome is null || form.Outcomes.All(o => o.Name != outcome))
        {
            var names = string.Join("、", form.Outcomes.Select(o => $"{o.LabelZh}（{o.Name}）"));
            errors.Add(new(FormErrorRules.Outcome, FormErrorRules.Outcome,
                $"请选择处理结果：{names}。", $"Choose the outcome: {string.Join(", ", form.Outcomes.Select(o => o.Name))}."));
            return new(errors, output);
        }
        foreach (var field in form.Fields)
        {
            var node = output[field.Name];
            if (IsEmpty(node))
            {
                if (field.IsRequiredFor(outcome))
                    errors.Add(new(field.Name, FormErrorRules.Required, $"请填写“{field.LabelZh}”。",
                        $"{field.LabelEn} is required for {outcome}."));
                if (node is not null) output.Remove(field.Name);
                continue;
            }
            var (error, canonical) = Check(field, node!, context);
            if (error is not null) errors.Add(error);
            else output[field.Name] = canonical;
        }
        return new(errors, output);
    }

    private static bool IsEmpty(JsonNode? node) =>
        node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(Text(v)));

    /// <summary>A string value whatever CLR type backs the node (a parsed element, a string, a char…).</summary>
    private static string Text(JsonValue v) => v.TryGetValue<string>(out var s) ? s : v.ToString();

    /// <summary>A number value whatever CLR type backs the node (int, long, double, decimal, a parsed element).</summary>
    private static decimal? Number(JsonValue v) =>
        decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static (FormError? Error, JsonNode? Value) Check(FormField f, JsonNode node, FormValidationContext context)
    {
        FormError Err(string rule, string zh, string en) => new(f.Name, rule, zh, en);
        string? text = node is JsonValue sv && sv.GetValueKind() == JsonValueKind.String ? Text(sv).Trim() : null;

        switch (f.Type)
        {
            case FormFieldType.Number:
            {
                decimal? number = node is JsonValue nv && nv.GetValueKind() == JsonValueKind.Number ? Number(nv)
                    : text is not null && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
                if (number is null) return (Err(FormErrorRules.Type, $"“{f.LabelZh}”应为数字。", $"{f.LabelEn} must be a number."), null);
                if (number < f.Min || number > f.Max)
                    return (Err(FormErrorRules.Range, $"“{f.LabelZh}”应在 {f.Min} 到 {f.Max} 之间。", $"{f.LabelEn} must be between {f.Min} and {f.Max}."), null);
                return (null, JsonValue.Create(number.Value));
            }
            case FormFieldType.Boolean:
                if (node is JsonValue bv && bv.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return (null, JsonValue.Create(bv.GetValueKind() == JsonValueKind.True));
                if (text is "true" or "false") return (null, JsonValue.Create(text == "true"));
                return (Err(FormErrorRules.Type, $"“{f.LabelZh}”应为“是”或“否”。", $"{f.LabelEn} must be yes or no (true or false)."), null);
        }

        if (text is null)
            return (Err(FormErrorRules.Type, $"“{f.LabelZh}”应为文字。", $"{f.LabelEn} must be text."), null);

        switch (f.Type)
        {
            case FormFieldType.Date:
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    return (Err(FormErrorRules.Type, $"“{f.LabelZh}”应为日期，格式 yyyy-MM-dd，例如 2026-03-10。", $"{f.LabelEn} must be a date, yyyy-MM-dd, e.g. 2026-03-10."), null);
                var start = At(date, TimeOnly.MinValue);
                if (CheckRules(f, start, At(date.AddDays(1), TimeOnly.MinValue), date, context) is { } e) return (e, null);
                return (null, JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            }
            case FormFieldType.DateTime:
            {
                if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    return (Err(FormErrorRules.TimeRequired, $"“{f.LabelZh}”需要具体时间（北京时间），例如 {text} 09:30。",
                        $"{f.LabelEn} needs a time as well as the date (Beijing time), e.g. {text} 09:30."), null);
                if (ParseDateTime(text) is not { } at)
                    return (Err(FormErrorRules.Type, $"“{f.LabelZh}”应为日期和时间，格式 yyyy-MM-dd HH:mm（北京时间）。",
                        $"{f.LabelEn} must be a date and time, yyyy-MM-dd HH:mm (Beijing time)."), null);
                if (CheckRules(f, at, at, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Shanghai).DateTime), context) is { } e) return (e, null);
                return (null, JsonValue.Create(Format(at)));
            }
            case FormFieldType.Choice:
                if (f.Options.FirstOrDefault(o => o.Value == text) is null)
                    return (Err(FormErrorRules.UnknownOption, $"“{f.LabelZh}”只能选择：{string.Join("、", f.Options.Select(o => o.LabelZh))}。",
                        $"{f.LabelEn} must be one of: {string.Join(", ", f.Options.Select(o => o.Value))}."), null);
                return (null, JsonValue.Create(text));
            case FormFieldType.Hospital or FormFieldType.City or FormFieldType.Drug:
                if (text.Length > (f.MaxLength ?? 100))
                    return (Err(FormErrorRules.MaxLength, $"“{f.LabelZh}”最多 {f.MaxLength ?? 100} 个字。", $"{f.LabelEn} may have at most {f.MaxLength ?? 100} characters."), null);
                if (context.Options is { } options && !options.IsKnown(f, text))
                    return (Err(FormErrorRules.UnknownOption, $"“{text}”不在本服务的{Kind(f.Type).Zh}名单中，请从列表中选择。",
                        $"'{text}' is not on this service's list of {Kind(f.Type).En}; pick one from the list."), null);
                return (null, JsonValue.Create(text));
            default: // Text, MultiLine
                var max = f.MaxLength ?? (f.Type == FormFieldType.MultiLine ? 2000 : 200);
                if (text.Length > max)
                    return (Err(FormErrorRules.MaxLength, $"“{f.LabelZh}”最多 {max} 个字（现有 {text.Length} 个）。", $"{f.LabelEn} may have at most {max} characters ({text.Length} given)."), null);
                return (null, JsonValue.Create(text));
        }
    }

    private static (string Zh, string En) Kind(FormFieldType t) => t switch
    {
        FormFieldType.Hospital => ("医院", "hospitals"),
        FormFieldType.City => ("城市", "cities"),
        _ => ("药品", "drugs"),
    };

    private static FormError? CheckRules(FormField f, DateTimeOffset start, DateTimeOffset end, DateOnly localDate, FormValidationContext context)
    {
        foreach (var rule in f.Rules)
        {
            switch (rule)
            {
                case FormRule.NotInPast when end <= context.Now:
                    return new(f.Name, FormErrorRules.NotInPast, $"“{f.LabelZh}”不能早于现在（{Format(context.Now)[..16].Replace('T', ' ')}）。",
                        $"{f.LabelEn} cannot be in the past (now is {Format(context.Now)[..16].Replace('T', ' ')} Beijing time).");
                case FormRule.NotInFuture when start > context.Now:
                    return new(f.Name, FormErrorRules.NotInFuture, $"“{f.LabelZh}”不能晚于现在。", $"{f.LabelEn} cannot be in the future.");
                case FormRule.NotAfterPolicyEnd when context.PolicyEnd is { } last && localDate > last:
                    return new(f.Name, FormErrorRules.NotAfterPolicyEnd, $"“{f.LabelZh}”不能晚于保单到期日 {last:yyyy-MM-dd}。",
                        $"{f.LabelEn} cannot be after the policy's last day, {last:yyyy-MM-dd}.");
            }
        }
        return null;
    }

    /// <summary>
    /// Reads a date-time as the forms accept it: ISO 8601 with an offset, or a local Beijing time
    /// ("2026-03-10T09:30", "2026-03-10 09:30", with or without seconds). Null for anything else, a date alone included.
    /// </summary>
    public static DateTimeOffset? ParseDateTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        string[] local = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss"];
        if (DateTime.TryParseExact(text, local, CultureInfo.InvariantCulture, DateTimeStyles.None, out var l))
            return new DateTimeOffset(l, Shanghai.GetUtcOffset(l));
        string[] withOffset = ["yyyy-MM-dd'T'HH:mmzzz", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", "yyyy-MM-dd'T'HH:mm'Z'"];
        if (DateTimeOffset.TryParseExact(text, withOffset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var o)) return o;
        return null;
    }

    /// <summary>ISO 8601 in Beijing time: 2026-03-10T09:30:00+08:00.</summary>
    public static string Format(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, Shanghai).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        return new DateTimeOffset(local, Shanghai.GetUtcOffset(local));
    }

    private static TimeZoneInfo FindShanghai()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"); }
        catch (TimeZoneNotFoundException) { return TimeZoneInfo.CreateCustomTimeZone("Asia/Shanghai", TimeSpan.FromHours(8), "China Standard Time", "China Standard Time"); }
    }
}

/// <summary>
/// Checks a task's completion before the instance runs (the runtime calls every registered guard for human-task
/// bookmarks). Throw <see cref="FormValidationException"/> to refuse; return the (canonical) input to go on.
/// </summary>
public interface ITaskCompletionGuard
{
    ValueTask<ResumeInput> CheckAsync(Runtime.Bookmark bookmark, Runtime.WorkflowInstance instance, ResumeInput input, CancellationToken ct);
}

/// <summary>
/// Takes the free text out of a task's completion before the instance runs (the runtime calls it after the
/// <see cref="ITaskCompletionGuard"/>s): each text is kept elsewhere, encrypted, by the returned effects (applied in the
/// step's own transaction), and the workflow — its state and its append-only journal — sees a reference in its place.
/// </summary>
public interface IFreeTextKeeper
{
    FreeTextSplit Split(Runtime.Bookmark bookmark, Runtime.WorkflowInstance instance, ResumeInput input, Runtime.Actor actor);
}

/// <summary>The completion with references in place of its free text, and the effects that keep the text.</summary>
public sealed record FreeTextSplit(ResumeInput Input, IReadOnlyList<Runtime.StepEffect> Effects);
