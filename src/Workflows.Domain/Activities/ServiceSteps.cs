using System.Globalization;
using System.Text.Json.Nodes;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Engine.Activities;
using Workflows.Engine.Activities.Builtin;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Activities;

/// <summary>What a deadline task's clock can count from besides a recorded milestone.</summary>
public static class SlaCountFrom
{
    /// <summary>When the task is created (the default).</summary>
    public const string Task = "Task";
    /// <summary>When the insurer received the member's request (the application's received time).</summary>
    public const string Request = "Request";
}

/// <summary>
/// The steps of services that are not appointments, recorded by <see cref="ServiceStep"/> when they happened so that
/// later deadlines can count from them as the handbook does (e.g. the written opinion within 7 working days of the
/// complete request; the pathology preliminary result within 7 working days of the hospital receiving the slides).
/// Each is kept in the instance's variables as <c>milestone&lt;Name&gt;At</c> (ISO 8601).
/// </summary>
public static class ServiceMilestones
{
    public const string MaterialsComplete = "MaterialsComplete";
    public const string SlidesBorrowed = "SlidesBorrowed";
    public const string SlidesReceived = "SlidesReceived";
    public const string KitSent = "KitSent";
    public const string SampleTaken = "SampleTaken";
    public const string LabReceived = "LabReceived";
    public const string ReportIssued = "ReportIssued";
    public const string PlanMade = "PlanMade";

    public static readonly string[] Names = [MaterialsComplete, SlidesBorrowed, SlidesReceived, KitSent, SampleTaken, LabReceived, ReportIssued, PlanMade];

    public static string Variable(string name) => $"milestone{name}At";

    public static DateTimeOffset? At(ActivityContext context, string name) =>
        context.GetVariable(Variable(name)) is JsonValue v && DateTimeOffset.TryParse(v.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null;

    public static void Record(ActivityContext context, string name, DateTimeOffset at) => context.SetVariable(Variable(name), JsonValue.Create(at.ToString("O")));

    /// <summary>When the insurer received the request this instance serves (a phone application's call time), or null outside an application.</summary>
    public static DateTimeOffset? RequestReceivedAt(ActivityContext context)
    {
        if (context.CorrelationId is not { } id) return null;
        using var db = context.Db();
        return db.Applications.Where(a => a.Id == id).Select(a => (DateTimeOffset?)a.ReceivedAt).FirstOrDefault();
    }

    internal static string Local(DateTimeOffset at, string format = "yyyy-MM-dd HH:mm") =>
        TimeZoneInfo.ConvertTime(at, BusinessCalendar.Shanghai).ToString(format, CultureInfo.InvariantCulture);
}

/// <summary>
/// 服务环节: one step of a service that is not an appointment (materials complete, slides delivered, sample taken, report
/// issued…). The first outcome records when the step happened (not before the request, not in the future), optionally
/// as a milestone later deadlines count from, marks the use as taken where the handbook says so, and tells the member
/// on the timeline. The other outcomes only route. Messages may use {date} (the step's day) and {promise} (the step's
/// time plus <see cref="PromiseWorkingDays"/> on the business calendar, the date the member is promised the next step).
/// </summary>
[Activity("Health", "ServiceStep", "Health services", "A step of a service that is not an appointment: the first outcome records when it happened (a milestone later deadlines can count from) and tells the member.",
    DisplayName = "Service step", DisplayNameZh = "服务环节", Kind = "Task")]
[Ports]
public sealed class ServiceStep : DeadlineTaskActivity
{
    [Input(Description = "The outcomes the person can choose; the first one means the step happened.", UIHint = InputUIHints.DynamicOutcomes, DefinesPorts = true, DefaultValue = "[\"Done\"]", Order = 2)]
    public string[] Outcomes { get; set; } = [DefaultPort];

    [Input(Description = "The milestone the first outcome records (later deadlines may count from it); empty = none.", Options = ["", "MaterialsComplete", "SlidesBorrowed", "SlidesReceived", "KitSent", "SampleTaken", "LabReceived", "ReportIssued", "PlanMade"], Order = 9)]
    public string? Milestone { get; set; }

    [Input(Description = "The application's status after the first outcome; empty = unchanged.",
        Options = ["", ApplicationStatus.Contacted, ApplicationStatus.InProgress, ApplicationStatus.Completed], Order = 10)]
    public string? Status { get; set; }

    [Input(Description = "The member's timeline message (Chinese) after the first outcome; {date} = the step's day, {promise} = the promised date of the next step.", Order = 11)]
    public string? MessageZh { get; set; }

    [Input(Description = "The member's timeline message (English).", Order = 12)]
    public string? MessageEn { get; set; }

    [Input(Description = "Working days from the step that the member is promised the next one takes ({promise}); e.g. 7 for the written opinion.", Order = 13)]
    public int? PromiseWorkingDays { get; set; }

    [Input(Description = "The first outcome marks the use as taken (e.g. 已经成功取样，则视为服务已完成).", UIHint = InputUIHints.Checkbox, DefaultValue = false, Order = 14)]
    public bool ConsumesQuota { get; set; }

    protected override IReadOnlyList<string> TaskOutcomes => Outcomes;

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "occurredAt", Type = FormFieldType.DateTime, LabelZh = "发生时间", LabelEn = "When it happened", Rules = [FormRule.NotInFuture],
                HelpZh = "北京时间，不早于收到申请的时间；不填则为提交时间。", HelpEn = "Beijing time, not before the request was received; empty = when you submit." },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (Outcomes.Length == 0 || outcome != Outcomes[0]) return;
        var at = TaskFormValidator.ParseDateTime((data["occurredAt"] as JsonValue)?.ToString()) ?? context.Now;
        if (ServiceMilestones.RequestReceivedAt(context) is { } received && at < received.AddMinutes(-1))
            throw new FormValidationException([new FormError("occurredAt", FormErrorRules.Range,
                $"发生时间不能早于收到申请的时间（{ServiceMilestones.Local(received)}）。", $"It cannot be before the request was received ({ServiceMilestones.Local(received)}, Beijing time).")]);
        if (!string.IsNullOrEmpty(Milestone)) ServiceMilestones.Record(context, Milestone, at);
        if (ConsumesQuota) context.AddEffect(ApplicationEffects.ConsumeQuota, new JsonObject());
        if (string.IsNullOrEmpty(Status) || string.IsNullOrEmpty(MessageZh)) return;
        var promise = PromiseWorkingDays is { } days ? ServiceMilestones.Local(context.Calendar().DeadlineAfter(at, days, ServiceHoursNamed(HoursIn(context)))) : "";
        string Fill(string text) => text.Replace("{date}", ServiceMilestones.Local(at, "yyyy-MM-dd")).Replace("{promise}", promise);
        context.Status(Status, Fill(MessageZh), Fill(MessageEn ?? MessageZh));
    }
}

/// <summary>
/// 自费告知: the specialist records the fee the member pays themselves and where (e.g. 病理会诊费用需被保险人自理（疾病诊疗费）,
/// C 563); the member is told it on their timeline and asked to confirm in the portal (<see cref="MemberConfirmation"/>)
/// before anything is done that costs them money.
/// </summary>
[Activity("Health", "FeeQuote", "Health services", "Record the fee the member pays themselves; the member is told it and asked to confirm in the portal.",
    DisplayName = "Fee the member pays", DisplayNameZh = "自费告知", Kind = "Task")]
[Ports("Quoted", "Withdrawn")]
public sealed class FeeQuote : DeadlineTaskActivity
{
    [Input(Description = "The rule the member is told, in Chinese (the handbook's words).", DefaultValue = "病理会诊费用需您自理（疾病诊疗费），不由保险支付。", Order = 9)]
    public string NoticeZh { get; set; } = "病理会诊费用需您自理（疾病诊疗费），不由保险支付。";

    [Input(Description = "The rule the member is told, in English.", DefaultValue = "You pay the pathology consultation fee yourself (a medical fee, not paid by the insurance).", Order = 10)]
    public string NoticeEn { get; set; } = "You pay the pathology consultation fee yourself (a medical fee, not paid by the insurance).";

    [Input(Description = "What happens once the member confirms, in Chinese.", DefaultValue = "请在本页确认，确认后我们将协助您借出并递送病理切片。", Order = 11)]
    public string NextZh { get; set; } = "请在本页确认，确认后我们将协助您借出并递送病理切片。";

    [Input(Description = "What happens once the member confirms, in English.", DefaultValue = "Please confirm on this page; then we help you borrow and deliver the slides.", Order = 12)]
    public string NextEn { get; set; } = "Please confirm on this page; then we help you borrow and deliver the slides.";

    protected override IReadOnlyList<string> TaskOutcomes => ["Quoted", "Withdrawn"];

    protected override FormOutcome OutcomeLabel(string outcome) => outcome == "Quoted" ? new(outcome, "已告知费用", "Fee quoted") : base.OutcomeLabel(outcome);

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "feeYuan", Type = FormFieldType.Number, LabelZh = "预计自费金额（元）", LabelEn = "Fee the member pays (yuan)", Min = 0, Max = 1_000_000,
                RequiredFor = ["Quoted"], ShownFor = ["Quoted"], HelpZh = "医院报价；会员确认前可见。", HelpEn = "The hospital's quote; shown to the member before they confirm." },
        new() { Name = "hospital", Type = FormFieldType.Hospital, LabelZh = "会诊医院", LabelEn = "Hospital", RequiredFor = ["Quoted"], ShownFor = ["Quoted"], PrefillFrom = "hospital" },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (outcome == "Withdrawn")
        {
            context.AddEffect(ApplicationEffects.ReleaseQuota, new JsonObject());
            context.Status(ApplicationStatus.Cancelled, "申请已撤回，服务次数已退回。", "The application was withdrawn; the use was given back.");
            return;
        }
        var fee = decimal.Parse((data["feeYuan"] as JsonValue)!.ToString(), CultureInfo.InvariantCulture);
        var hospital = (data["hospital"] as JsonValue)?.ToString() ?? "";
        context.SetVariable("feeQuote", new JsonObject { ["feeYuan"] = fee, ["hospital"] = hospital });
        context.Status(ApplicationStatus.AwaitingConfirmation,
            $"{NoticeZh}{hospital}预计费用 ¥{fee:0.##}。{NextZh}",
            $"{NoticeEn} {hospital} quotes ¥{fee:0.##}. {NextEn}");
    }
}

/// <summary>
/// 客户确认: waits for the member to confirm, in the portal, what their timeline just told them (e.g. the fee they pay
/// themselves). Confirmed goes on; Declined cancels the application and gives the use back. The member's answer comes
/// through <c>POST /api/me/applications/{id}/confirmation</c>, which resumes only this application's bookmark.
/// </summary>
[Activity("Health", "MemberConfirmation", "Health services", "Wait for the member to confirm (or decline) in the portal; Declined cancels the application and gives the use back.",
    DisplayName = "Member confirms", DisplayNameZh = "客户确认")]
[Ports("Confirmed", "Declined")]
public sealed class MemberConfirmation : Activity
{
    /// <summary>The event the portal raises, correlated by the application's id.</summary>
    public const string EventName = "MemberConfirmation";

    [Input(Description = "The timeline message after the member confirms (Chinese).", DefaultValue = "您已确认自理费用，我们将协助您借出病理切片并递送至会诊医院。", Order = 1)]
    public string ConfirmedZh { get; set; } = "您已确认自理费用，我们将协助您借出病理切片并递送至会诊医院。";

    [Input(Description = "The timeline message after the member confirms (English).", DefaultValue = "You confirmed the fee; we will help you borrow the slides and deliver them to the hospital.", Order = 2)]
    public string ConfirmedEn { get; set; } = "You confirmed the fee; we will help you borrow the slides and deliver them to the hospital.";

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.Event, EventName, CorrelationKey: context.CorrelationId)));

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        if (input.Data?["confirmed"] is not JsonValue v || !v.TryGetValue<bool>(out var confirmed))
            throw new ResumeRejectedException("confirmed: say true (I confirm) or false (I do not).");
        if (confirmed)
            context.Status(ApplicationStatus.InProgress, ConfirmedZh, ConfirmedEn);
        else
        {
            context.AddEffect(ApplicationEffects.ReleaseQuota, new JsonObject());
            context.Status(ApplicationStatus.Cancelled, "您未确认自理费用，申请已取消，服务次数已退回。", "You did not confirm the fee; the application was cancelled and the use given back.");
        }
        return new(ActivityResult.Complete(confirmed ? "Confirmed" : "Declined", new JsonObject { ["confirmed"] = confirmed }));
    }
}

/// <summary>
/// 电话服务记录: a telephone session (psychological counselling, gene-report interpretation): who received it (the
/// insured or a family member, 被保险人/家属), when, and how long, within the service's limits from the catalogue
/// (counselling: 每次服务不超过 50 分钟; interpretation: 20-30 分钟) unless the designer sets them.
/// </summary>
[Activity("Health", "PhoneSession", "Health services", "Record a telephone session: who received it, when and how long (within the service's limits); or that it did not take place.",
    DisplayName = "Telephone session", DisplayNameZh = "电话服务记录", Kind = "Task")]
[Ports("Completed", "NoShow")]
public sealed class PhoneSession : DeadlineTaskActivity
{
    [Input(Description = "The catalogue SLA giving the session's length limits (amountMin-amount minutes), e.g. session-max-duration.", Order = 9)]
    public string? DurationSla { get; set; }

    [Input(Description = "Shortest session in minutes; empty = the catalogue's.", Order = 10)]
    public int? MinMinutes { get; set; }

    [Input(Description = "Longest session in minutes; empty = the catalogue's.", Order = 11)]
    public int? MaxMinutes { get; set; }

    [Input(Description = "Whether a no-show uses up the quota; empty = the service catalogue's no-show rule (else yes).", Order = 12)]
    public bool? NoShowConsumesQuota { get; set; }

    [Input(Description = "The member's timeline message (Chinese) once the session took place.", DefaultValue = "服务已完成。", Order = 13)]
    public string MessageZh { get; set; } = "服务已完成。";

    [Input(Description = "The member's timeline message (English) once the session took place.", DefaultValue = "The service was delivered.", Order = 14)]
    public string MessageEn { get; set; } = "The service was delivered.";

    protected override IReadOnlyList<string> TaskOutcomes => ["Completed", "NoShow"];

    public static readonly FormOption[] Recipients = [new("insured", "被保险人本人", "The insured"), new("family", "家属", "A family member")];

    public static readonly FormOption[] Relations =
        [new("spouse", "配偶", "Spouse"), new("parent", "父母", "Parent"), new("child", "子女", "Child"), new("sibling", "兄弟姐妹", "Sibling"), new("other", "其他亲属", "Other relative")];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "recipient", Type = FormFieldType.Choice, LabelZh = "服务对象", LabelEn = "Who received it", RequiredFor = ["Completed"], ShownFor = ["Completed"], Options = Recipients },
        new() { Name = "relation", Type = FormFieldType.Choice, LabelZh = "与被保险人关系", LabelEn = "Relation to the insured", ShownFor = ["Completed"], Options = Relations,
                HelpZh = "服务对象为家属时必填。", HelpEn = "Required when a family member received it." },
        new() { Name = "heldAt", Type = FormFieldType.DateTime, LabelZh = "服务开始时间", LabelEn = "Started at", ShownFor = ["Completed"], Rules = [FormRule.NotInFuture] },
        new() { Name = "durationMinutes", Type = FormFieldType.Number, LabelZh = "时长（分钟）", LabelEn = "Length (minutes)", RequiredFor = ["Completed"], ShownFor = ["Completed"],
                Min = 1, Max = 600, HelpZh = "须在本服务规定的时长内。", HelpEn = "Within the service's limits." },
    ];

    /// <summary>The session's limits: the designer's inputs, else the catalogue SLA's amountMin and amount (minutes).</summary>
    public (int? Min, int? Max) Limits(ServiceDefinition? service)
    {
        var sla = service?.Slas.FirstOrDefault(s => s.Name == DurationSla && s.Unit == "minutes");
        return (MinMinutes ?? sla?.AmountMin, MaxMinutes ?? sla?.Amount);
    }

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (outcome == "NoShow")
        {
            var consumed = NoShowConsumes(context, NoShowConsumesQuota);
            context.AddEffect(consumed ? ApplicationEffects.ConsumeQuota : ApplicationEffects.ReleaseQuota, new JsonObject());
            context.Status(ApplicationStatus.NoShow, consumed ? "您未按约定时间接听，本次服务视为已使用。" : "您未按约定时间接听，服务次数已退回。",
                consumed ? "You missed the session; the use counts as taken." : "You missed the session; the use was given back.");
            return;
        }
        var errors = new List<FormError>();
        var minutes = decimal.Parse((data["durationMinutes"] as JsonValue)!.ToString(), CultureInfo.InvariantCulture);
        context.Catalogue().TryGet(ApplicationInput.From(context).ServiceCode, out var service);
        var (min, max) = Limits(service);
        if ((min is { } lo && minutes < lo) || (max is { } hi && minutes > hi))
        {
            var range = min is null ? $"不超过 {max} 分钟" : max is null ? $"不少于 {min} 分钟" : $"{min}-{max} 分钟";
            var rangeEn = min is null ? $"at most {max} minutes" : max is null ? $"at least {min} minutes" : $"{min}-{max} minutes";
            errors.Add(new FormError("durationMinutes", FormErrorRules.Range, $"本服务每次时长须为{range}，填写的是 {minutes:0.#} 分钟。",
                $"A session of this service lasts {rangeEn}; {minutes:0.#} was entered."));
        }
        var recipient = (data["recipient"] as JsonValue)?.ToString();
        var relation = (data["relation"] as JsonValue)?.ToString();
        if (recipient == "family" && string.IsNullOrEmpty(relation))
            errors.Add(new FormError("relation", FormErrorRules.Required, "服务对象为家属时，请选择与被保险人的关系。", "Say how the family member is related to the insured."));
        if (errors.Count > 0) throw new FormValidationException(errors);
        var who = recipient == "family"
            ? $"家属（{Relations.First(r => r.Value == relation).LabelZh}）"
            : "被保险人本人";
        var whoEn = recipient == "family" ? $"a family member ({Relations.First(r => r.Value == relation).LabelEn.ToLowerInvariant()})" : "the insured";
        context.AddEffect(ApplicationEffects.ConsumeQuota, new JsonObject());
        context.Status(ApplicationStatus.Completed, $"{MessageZh}（服务对象：{who}，时长 {minutes:0.#} 分钟）",
            $"{MessageEn} (received by {whoEn}, {minutes:0.#} minutes)");
    }
}

/// <summary>
/// 记录出院: the member's discharge date; the online one-to-one rehab programme runs until the end of the Nth calendar
/// day after it (一对一线上康复服务至客户出院后 5 天, C 631), N from the catalogue unless the designer sets it.
/// </summary>
[Activity("Health", "RecordDischarge", "Health services", "Record the discharge date: the rehab programme then runs until N days after it.",
    DisplayName = "Record discharge", DisplayNameZh = "记录出院", Kind = "Task")]
[Ports("Discharged")]
public sealed class RecordDischarge : DeadlineTaskActivity
{
    /// <summary>The variable holding when the programme ends (ISO 8601).</summary>
    public const string ProgrammeEndsVariable = "programmeEndsAt";

    [Input(Description = "Calendar days after discharge the programme runs; empty = the catalogue's (online-rehab-until-after-discharge).", Order = 9)]
    public int? DaysAfterDischarge { get; set; }

    protected override IReadOnlyList<string> TaskOutcomes => ["Discharged"];

    protected override FormOutcome OutcomeLabel(string outcome) => new(outcome, "已出院", "Discharged");

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "dischargedOn", Type = FormFieldType.Date, LabelZh = "出院日期", LabelEn = "Discharged on", RequiredFor = ["Discharged"], Rules = [FormRule.NotInFuture] },
    ];

    public int Days(ServiceDefinition? service) =>
        DaysAfterDischarge ?? service?.Slas.FirstOrDefault(s => s.Name == "online-rehab-until-after-discharge" && s.Unit == "days")?.Amount ?? 5;

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        var discharged = DateOnly.ParseExact((data["dischargedOn"] as JsonValue)!.ToString(), "yyyy-MM-dd", CultureInfo.InvariantCulture);
        context.Catalogue().TryGet(ApplicationInput.From(context).ServiceCode, out var service);
        var days = Days(service);
        var lastDay = discharged.AddDays(days);
        var endsAt = BusinessCalendar.At(lastDay.AddDays(1), TimeOnly.MinValue); // the end of the last day, Beijing time
        context.SetVariable(ProgrammeEndsVariable, JsonValue.Create(endsAt.ToString("O")));
        context.Status(ApplicationStatus.InProgress, $"您已于 {discharged:yyyy-MM-dd} 出院，一对一线上康复指导将持续至 {lastDay:yyyy-MM-dd}（出院后 {days} 天）。",
            $"You were discharged on {discharged:yyyy-MM-dd}; one-to-one online rehab guidance continues until {lastDay:yyyy-MM-dd} ({days} days after discharge).");
    }
}

/// <summary>服务期结束: waits until the programme's end (recorded by <see cref="RecordDischarge"/>), then marks the application completed.</summary>
[Activity("Health", "ProgrammeEnd", "Health services", "Wait until the programme's recorded end, then mark the application completed.", DisplayName = "Programme ends", DisplayNameZh = "服务期结束")]
[Ports("Done")]
public sealed class ProgrammeEnd : Activity
{
    [Input(Description = "The timeline message (Chinese) when the programme ends; {date} = its last day.", DefaultValue = "线上康复服务已于 {date} 结束，感谢您的信任。", Order = 1)]
    public string MessageZh { get; set; } = "线上康复服务已于 {date} 结束，感谢您的信任。";

    [Input(Description = "The timeline message (English) when the programme ends.", DefaultValue = "The online rehab programme ended on {date}.", Order = 2)]
    public string MessageEn { get; set; } = "The online rehab programme ended on {date}.";

    private static DateTimeOffset? EndsAt(ActivityContext context) =>
        context.GetVariable(RecordDischarge.ProgrammeEndsVariable) is JsonValue v && DateTimeOffset.TryParse(v.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null;

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        EndsAt(context) is { } end && end > context.Now
            ? new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.Timer, "ProgrammeEnd", end.ToUniversalTime())))
            : Finish(context);

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input) => Finish(context);

    private ValueTask<ActivityResult> Finish(ActivityContext context)
    {
        var date = ServiceMilestones.Local(EndsAt(context) is { } end ? end.AddDays(-1) : context.Now, "yyyy-MM-dd");
        context.Status(ApplicationStatus.Completed, MessageZh.Replace("{date}", date), MessageEn.Replace("{date}", date));
        return new(ActivityResult.Complete(DefaultPort));
    }
}
