using System.Text.Json.Serialization;

namespace Workflows.Engine.Activities.Forms;

/// <summary>
/// The kinds of value a task form asks for. The UI picks its input from the type; the server checks the value by it.
/// Dates and date-times are Asia/Shanghai: a date-time without an offset is read as Beijing time, and shown as
/// <c>yyyy-MM-dd HH:mm</c>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<FormFieldType>))]
public enum FormFieldType
{
    /// <summary>One line of text.</summary>
    Text,
    /// <summary>Several lines of text (notes, reasons).</summary>
    MultiLine,
    /// <summary>A number (JSON number, or a string holding one).</summary>
    Number,
    /// <summary>A calendar date, yyyy-MM-dd (Beijing).</summary>
    Date,
    /// <summary>A date and a time: yyyy-MM-ddTHH:mm (Beijing) or ISO 8601 with an offset. A date alone is refused.</summary>
    DateTime,
    /// <summary>One of the field's <see cref="FormField.Options"/>.</summary>
    Choice,
    /// <summary>A hospital: from the service's list where it has one (type-ahead search), else free text.</summary>
    Hospital,
    /// <summary>A city: from the service's list where it has one (type-ahead search), else free text.</summary>
    City,
    /// <summary>A drug from the service's drug list (type-ahead search).</summary>
    Drug,
    /// <summary>Yes or no (JSON true/false).</summary>
    Boolean,
}

/// <summary>Extra checks on a field's value beyond its type.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FormRule>))]
public enum FormRule
{
    /// <summary>A date or date-time must not be before now (Beijing date for dates).</summary>
    NotInPast,
    /// <summary>A date or date-time must not be after now (e.g. when a visit happened).</summary>
    NotInFuture,
    /// <summary>A date or date-time must fall on or before the last day of the case's policy.</summary>
    NotAfterPolicyEnd,
}

/// <summary>One choice of a <see cref="FormFieldType.Choice"/> field, or one hit of an option search.</summary>
public sealed record FormOption(string Value, string LabelZh, string LabelEn, string? Detail = null);

/// <summary>An outcome (the button that completes the task), with its label in both languages.</summary>
public sealed record FormOutcome(string Name, string LabelZh, string LabelEn);

/// <summary>
/// One field of a task form. <see cref="RequiredFor"/> lists the outcomes for which it must be filled ("*" = every
/// outcome); <see cref="ShownFor"/> the outcomes for which the UI shows it (empty = every outcome).
/// A value sent for a field not shown for the chosen outcome is still checked, then left to the activity.
/// </summary>
public sealed record FormField
{
    public required string Name { get; init; }
    public required FormFieldType Type { get; init; }
    public required string LabelZh { get; init; }
    public required string LabelEn { get; init; }
    public string? HelpZh { get; init; }
    public string? HelpEn { get; init; }
    /// <summary>Outcomes for which the field is required; "*" for all. Empty = optional.</summary>
    public IReadOnlyList<string> RequiredFor { get; init; } = [];
    /// <summary>Outcomes for which the field is shown; empty = all.</summary>
    public IReadOnlyList<string> ShownFor { get; init; } = [];
    /// <summary>Text: at most this many characters.</summary>
    public int? MaxLength { get; init; }
    /// <summary>Number: the smallest and largest value accepted.</summary>
    public decimal? Min { get; init; }
    public decimal? Max { get; init; }
    /// <summary>Choice: the allowed values.</summary>
    public IReadOnlyList<FormOption> Options { get; init; } = [];
    /// <summary>Hospital, City, Drug: the options come from reference data through the task's option search.</summary>
    public bool HasOptionSearch => Type is FormFieldType.Hospital or FormFieldType.City or FormFieldType.Drug;
    public IReadOnlyList<FormRule> Rules { get; init; } = [];
    /// <summary>
    /// Free text a person types that may hold anything personal (an ID number, a phone, a diagnosis): kept encrypted
    /// outside the workflow (<see cref="IFreeTextKeeper"/>); the workflow, its journal and its views get a reference.
    /// Leave it false for text the activity itself uses (a tracking number, a reason it passes on).
    /// </summary>
    public bool IsFreeText { get; init; }
    /// <summary>Where the UI takes the initial value from: an application detail (hospital, city, drug, preferredTime) or null.</summary>
    public string? PrefillFrom { get; init; }

    public bool IsRequiredFor(string? outcome) => RequiredFor.Contains("*") || (outcome is not null && RequiredFor.Contains(outcome));
    public bool IsShownFor(string? outcome) => ShownFor.Count == 0 || (outcome is not null && ShownFor.Contains(outcome));
}

/// <summary>
/// The form of a task: its outcomes and fields, in tab order. Declared by the task activity
/// (<see cref="TaskActivity.DeclareForm"/>); the UI renders it and the server validates a completion against it before
/// anything runs.
/// </summary>
public sealed record TaskForm(string ActivityType, IReadOnlyList<FormOutcome> Outcomes, IReadOnlyList<FormField> Fields)
{
    /// <summary>The time zone dates and times are entered and shown in.</summary>
    public string TimeZone { get; init; } = "Asia/Shanghai";

    public FormField? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);
}

/// <summary>
/// Why a completion was refused: the field ("outcome" for the outcome itself), the rule it broke
/// (<see cref="FormErrorRules"/>) and the message in Chinese and English.
/// </summary>
public sealed record FormError(string Field, string Rule, string MessageZh, string MessageEn);

/// <summary>The rules a <see cref="FormError"/> names.</summary>
public static class FormErrorRules
{
    public const string Required = "required";
    public const string Type = "type";
    public const string TimeRequired = "time-required";
    public const string UnknownOption = "unknown-option";
    public const string MaxLength = "max-length";
    public const string Range = "range";
    public const string NotInPast = "not-in-past";
    public const string NotInFuture = "not-in-future";
    public const string NotAfterPolicyEnd = "not-after-policy-end";
    public const string Outcome = "outcome";
}

/// <summary>A completion that does not fit the task's form: nothing ran, nothing changed.</summary>
public class FormValidationException(IReadOnlyList<FormError> errors)
    : Runtime.ResumeRejectedException(string.Join(" ", errors.Select(e => $"{e.Field}: {e.MessageEn}")))
{
    public IReadOnlyList<FormError> Errors { get; } = errors;
}
