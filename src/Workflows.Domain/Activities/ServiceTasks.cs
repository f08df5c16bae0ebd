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

/// <summary>
/// A task with a service-level deadline (SLA): due within N working days, or N minutes of service time, of being created,
/// counted in the given service hours on the business calendar (a task created after hours starts counting at the next
/// opening). The due time goes on the task; the scheduler escalates the task if it is still open then.
/// <para>
/// Where the deadline comes from, first match wins: the designer's <see cref="DueWithinMinutes"/>, then its
/// <see cref="DueWithinWorkingDays"/> (an analyst's explicit value overrides the catalogue); otherwise the service
/// catalogue's SLA named by <see cref="Sla"/> (or the activity's default SLA, e.g. the first-contact SLA for the
/// specialist's call); otherwise the activity's own default; otherwise no deadline. The service hours likewise: the
/// designer's <see cref="Hours"/>, else the catalogue's <c>serviceHours</c>, else office hours.
/// </para>
/// </summary>
public abstract class DeadlineTaskActivity : TaskActivity
{
    /// <summary>The <see cref="Sla"/> value naming the catalogue's first-contact SLA (<c>firstContactSla</c>).</summary>
    public const string FirstContactSla = "first-contact";

    [Input(Description = "Working days within which the task is due (0 = by the end of today's service hours); empty = the service catalogue's SLA (see Sla), else the activity's default.", Order = 5)]
    public int? DueWithinWorkingDays { get; set; }

    [Input(Description = "Minutes of service time within which the task is due (e.g. 30, 120); takes precedence over working days and the catalogue.", Order = 6)]
    public int? DueWithinMinutes { get; set; }

    [Input(Description = "Service hours the deadline counts in; empty = the service's hours in the catalogue (else office hours).", Options = ["OfficeDay", "HospitalDay", "Hotline"], Order = 7)]
    public string Hours { get; set; } = "";

    [Input(Description = "What the deadline counts from: Task = when this task is created; Request = when the insurer received the member's request; or a step recorded earlier (e.g. MaterialsComplete, SlidesReceived), as the handbook counts it.",
        Options = ["Task", "Request", "MaterialsComplete", "SlidesBorrowed", "SlidesReceived", "KitSent", "SampleTaken", "LabReceived", "ReportIssued", "PlanMade"], DefaultValue = SlaCountFrom.Task, Order = 8)]
    public string CountFrom { get; set; } = SlaCountFrom.Task;

    [Input(Description = "The service catalogue's SLA the deadline takes when both due inputs are empty: first-contact (the service's first-contact SLA) or the name of one of its SLAs (e.g. expert-response); empty = the activity's default.", Order = 9)]
    public string? Sla { get; set; }

    /// <summary>The activity's own SLA in working days when neither the workflow nor the catalogue names one.</summary>
    protected virtual int? DefaultWorkingDays => null;

    /// <summary>The catalogue SLA the activity takes when the workflow names none (e.g. <see cref="FirstContactSla"/> for the specialist's first call).</summary>
    protected virtual string? DefaultSla => null;

    protected override HumanTaskSpec Task(ActivityContext context)
    {
        var task = base.Task(context);
        if (DueAt(context) is not { } due) return task;
        var calendar = context.Calendar();
        var hours = HoursIn(context);
        return task with { DueAt = due, Hours = hours, DueWorkingMinute = calendar.WorkingMinuteOf(due, ServiceHoursNamed(hours)) };
    }

    /// <summary>When the task is due, or null for no deadline.</summary>
    protected virtual DateTimeOffset? DueAt(ActivityContext context)
    {
        var hours = ServiceHoursNamed(HoursIn(context));
        var start = CountingStart(context);
        var calendar = context.Calendar();
        if (DueWithinMinutes is { } minutes) return calendar.DeadlineAfter(start, TimeSpan.FromMinutes(minutes), hours);
        if (DueWithinWorkingDays is { } days) return calendar.DeadlineAfter(start, days, hours);
        switch (CatalogueSla(context))
        {
            case { Amount: { } amount, Unit: "working-days" }: return calendar.DeadlineAfter(start, amount, hours);
            case { Amount: { } amount, Unit: "minutes" }: return calendar.DeadlineAfter(start, TimeSpan.FromMinutes(amount), hours);
            case { Amount: { } amount, Unit: "hours" or "working-hours" }: return calendar.DeadlineAfter(start, TimeSpan.FromHours(amount), hours);
        }
        return DefaultWorkingDays is { } fallback ? calendar.DeadlineAfter(start, fallback, hours) : null;
    }

    /// <summary>The service this task works for, from the catalogue; null outside a service application.</summary>
    protected static ServiceDefinition? ServiceOf(ActivityContext context) =>
        context.Input?["serviceCode"] is JsonValue v && v.ToString() is { Length: > 0 } code && context.Catalogue().TryGet(code, out var service) ? service : null;

    /// <summary>
    /// The catalogue SLA this task's deadline takes (by <see cref="Sla"/> or <see cref="DefaultSla"/>), or null when the
    /// service has none by that name. An unknown name is no deadline from the catalogue (PublishChecks names it to the analyst).
    /// </summary>
    protected SlaSpec? CatalogueSla(ActivityContext context)
    {
        var name = string.IsNullOrWhiteSpace(Sla) ? DefaultSla : Sla.Trim();
        if (name is null || ServiceOf(context) is not { } service) return null;
        return name == FirstContactSla ? service.FirstContactSla : service.Slas.FirstOrDefault(s => s.Name == name);
    }

    /// <summary>The service hours the deadline counts in: the designer's <see cref="Hours"/>, else the catalogue's <c>serviceHours</c>, else OfficeDay.</summary>
    protected string HoursIn(ActivityContext context) =>
        Hours is { Length: > 0 } named ? named : HoursNameOf(ServiceOf(context)?.ServiceHours) ?? "OfficeDay";

    /// <summary>The named service hours matching the catalogue's <c>serviceHours</c> (days, from, to); null when none matches.</summary>
    public static string? HoursNameOf(ServiceHoursSpec? spec) => spec switch
    {
        { Days: "hospital-working-days", From: "08:00", To: "20:00" } => "HospitalDay",
        { Days: "hospital-working-days" or "working-days", From: "08:00", To: "18:00" } => "OfficeDay",
        { Days: "daily", From: "09:00", To: "21:00" } => "Hotline",
        _ => null,
    };

    /// <summary>
    /// When the task's SLA clock starts: now, except for the tasks an application opens when it starts, whose clock
    /// runs from when the insurer received the request (a phone call taken earlier and keyed in later).
    /// </summary>
    protected static DateTimeOffset SlaStart(ActivityContext context) =>
        context.Instance.IsNew && context.Input?["receivedAt"] is JsonValue v && v.ToString() is { Length: > 0 } text &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var received) && received < context.Now
            ? received
            : context.Now;

    /// <summary>
    /// Where this task's deadline starts, by <see cref="CountFrom"/>: the request (the application's received time, a
    /// phone call keyed in later counting from the call), a milestone an earlier step recorded (e.g. complete materials
    /// received), or, by default, when the task is created. A milestone not recorded yet counts from now.
    /// </summary>
    protected DateTimeOffset CountingStart(ActivityContext context) => CountFrom switch
    {
        SlaCountFrom.Request => ServiceMilestones.RequestReceivedAt(context) ?? SlaStart(context),
        { Length: > 0 } name when name != SlaCountFrom.Task => ServiceMilestones.At(context, name) ?? context.Now,
        _ => SlaStart(context),
    };

    /// <summary>Whether a no-show uses the quota: the designer's value, else the catalogue's <c>noShowRule.quotaConsumed</c>, else yes (the handbooks' usual rule).</summary>
    protected static bool NoShowConsumes(ActivityContext context, bool? designer) =>
        designer ?? ServiceOf(context)?.NoShowRule?.QuotaConsumed ?? true;

    internal static ServiceHours ServiceHoursNamed(string name) => name switch
    {
        "HospitalDay" => ServiceHours.HospitalDay,
        "Hotline" => ServiceHours.Hotline,
        _ => ServiceHours.OfficeDay,
    };
}

/// <summary>服务任务: a task whose outcomes the analyst names, with a service-level deadline (e.g. a grade III+ alert handled within 2 hours).</summary>
[Activity("Health", "ServiceTask", "Health services", "A task with named outcomes and a deadline; escalated to the supervisors if still open when due.", DisplayName = "Service task", DisplayNameZh = "服务任务", Kind = "Task")]
[Ports]
public sealed class ServiceTask : DeadlineTaskActivity
{
    [Input(Description = "The outcomes the person can choose; each is an outcome port.", UIHint = InputUIHints.DynamicOutcomes, DefinesPorts = true, DefaultValue = "[\"Done\"]", Order = 2)]
    public string[] Outcomes { get; set; } = [DefaultPort];

    protected override IReadOnlyList<string> TaskOutcomes => Outcomes;
}

/// <summary>专员致电: the specialist calls the member within the first-contact SLA (1 working day in service hours).</summary>
[Activity("Health", "SpecialistCall", "Health services", "A specialist calls the member; the task is due within the first-contact SLA.", DisplayName = "Specialist call", DisplayNameZh = "专员致电", Kind = "Task")]
[Ports("Reached", "Unreachable")]
public sealed class SpecialistCall : DeadlineTaskActivity
{
    /// <summary>The service's first-contact SLA from the catalogue; 1 working day where the catalogue states none.</summary>
    protected override string? DefaultSla => FirstContactSla;

    protected override int? DefaultWorkingDays => 1;

    protected override IReadOnlyList<string> TaskOutcomes => ["Reached", "Unreachable"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "calledAt", Type = FormFieldType.DateTime, LabelZh = "致电时间", LabelEn = "Called at", Rules = [FormRule.NotInFuture],
                HelpZh = "北京时间；不填则为提交时间。", HelpEn = "Beijing time; empty = when you submit." },
        new() { Name = "attempts", Type = FormFieldType.Number, LabelZh = "拨打次数", LabelEn = "Call attempts", Min = 1, Max = 20, ShownFor = ["Unreachable"] },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (outcome == "Reached")
            context.Status(ApplicationStatus.Contacted, "服务专员已与您联系。", "A service specialist has contacted you.");
    }
}

/// <summary>预约: the specialist books the appointment (date and time required) or records that the member withdrew.</summary>
[Activity("Health", "Booking", "Health services", "Book the appointment: Booked needs appointmentAt; Withdrawn gives the quota back.", DisplayName = "Booking", DisplayNameZh = "预约", Kind = "Task")]
[Ports("Booked", "Withdrawn")]
public sealed class Booking : DeadlineTaskActivity
{
    protected override IReadOnlyList<string> TaskOutcomes => ["Booked", "Withdrawn"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "appointmentAt", Type = FormFieldType.DateTime, LabelZh = "预约时间", LabelEn = "Appointment",
                RequiredFor = ["Booked"], ShownFor = ["Booked"], Rules = [FormRule.NotInPast, FormRule.NotAfterPolicyEnd], PrefillFrom = "preferredTime",
                HelpZh = "北京时间，须晚于现在且不晚于保单到期日。", HelpEn = "Beijing time; after now and no later than the policy's last day." },
        new() { Name = "hospital", Type = FormFieldType.Hospital, LabelZh = "医院", LabelEn = "Hospital", ShownFor = ["Booked"], PrefillFrom = "hospital" },
        new() { Name = "department", Type = FormFieldType.Text, LabelZh = "科室", LabelEn = "Department", MaxLength = 50, ShownFor = ["Booked"] },
        new() { Name = "withdrawReason", Type = FormFieldType.Choice, LabelZh = "撤回原因", LabelEn = "Reason for withdrawing", ShownFor = ["Withdrawn"],
                Options = [new("member-request", "会员主动撤回", "The member withdrew"), new("no-suitable-time", "无合适时间", "No suitable time"),
                           new("treated-elsewhere", "已在他处就医", "Treated elsewhere"), new("other", "其他", "Other")] },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (outcome == "Withdrawn")
        {
            context.AddEffect(ApplicationEffects.ReleaseQuota, new JsonObject());
            context.Status(ApplicationStatus.Cancelled, "您已撤回申请，服务次数已退回。", "You withdrew the application; the use was given back.");
            return;
        }
        if (TaskFormValidator.ParseDateTime((data["appointmentAt"] as JsonValue)?.ToString()) is not { } at)
            throw new ResumeRejectedException("Booked needs appointmentAt: the appointment's date and time (Beijing time), e.g. 2026-03-10 09:30.");
        if (at < context.Now) throw new ResumeRejectedException("The appointment cannot be in the past.");
        var local = TimeZoneInfo.ConvertTime(at, BusinessCalendar.Shanghai);
        // A policy ended early (or whose end date was moved) covers no appointment after its last day.
        using (var db = context.Db())
        {
            var end = (from a in db.Applications join p in db.Policies on a.PolicyId equals p.Id where a.Id == context.CorrelationId select (DateOnly?)p.EndDate).FirstOrDefault();
            if (end is { } last && DateOnly.FromDateTime(local.DateTime) > last)
                throw new ResumeRejectedException($"预约日期 {local:yyyy-MM-dd} 晚于保单的最后保障日 {last:yyyy-MM-dd}，不能预约。 The appointment is after the policy's last day of cover ({last:yyyy-MM-dd}).");
        }
        context.Status(ApplicationStatus.Booked, $"已为您预约 {local:yyyy-MM-dd HH:mm}。", $"Booked for {local:yyyy-MM-dd HH:mm} (Beijing time).", appointmentAt: at);
    }
}

/// <summary>完成/爽约: records whether the member used the booked service; both use the quota (a no-show counts as used, per the handbooks).</summary>
[Activity("Health", "RecordVisit", "Health services", "Record completion or no-show; both consume the quota use unless configured otherwise.", DisplayName = "Completion / no-show", DisplayNameZh = "完成或爽约", Kind = "Task")]
[Ports("Completed", "NoShow")]
public sealed class RecordVisit : DeadlineTaskActivity
{
    [Input(Description = "Whether a no-show uses up the quota (申请服务成功但未在预约时间使用，视为服务已完成); empty = the service catalogue's no-show rule (else yes).", Order = 10)]
    public bool? NoShowConsumesQuota { get; set; }

    protected override IReadOnlyList<string> TaskOutcomes => ["Completed", "NoShow"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "visitedAt", Type = FormFieldType.DateTime, LabelZh = "就诊时间", LabelEn = "Visited at", ShownFor = ["Completed"], Rules = [FormRule.NotInFuture] },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (outcome == "Completed")
        {
            context.AddEffect(ApplicationEffects.ConsumeQuota, new JsonObject());
            context.Status(ApplicationStatus.Completed, "服务已完成。", "The service was delivered.");
            return;
        }
        var consumed = NoShowConsumes(context, NoShowConsumesQuota);
        context.AddEffect(consumed ? ApplicationEffects.ConsumeQuota : ApplicationEffects.ReleaseQuota, new JsonObject());
        context.Status(ApplicationStatus.NoShow, consumed ? "您未按预约时间就诊，本次服务视为已使用。" : "您未按预约时间就诊，服务次数已退回。",
            consumed ? "You did not attend the appointment; the use counts as taken." : "You did not attend the appointment; the use was given back.");
    }
}

/// <summary>Sets the application's status with a timeline message (e.g. "report sent", "sample taken").</summary>
[Activity("Health", "UpdateApplication", "Health services", "Record a step of the application on the member's timeline.", DisplayName = "Update application", DisplayNameZh = "更新申请状态")]
[Ports("Done")]
public sealed class UpdateApplication : Activity
{
    [Input(Description = "The application's new status.", Options = [ApplicationStatus.Accepted, ApplicationStatus.Contacted, ApplicationStatus.Booked, ApplicationStatus.InProgress, ApplicationStatus.AwaitingConfirmation, ApplicationStatus.Completed, ApplicationStatus.NoShow, ApplicationStatus.Cancelled, ApplicationStatus.Refused], Required = true)]
    public string Status { get; set; } = "";

    [Input(Description = "Timeline message in Chinese.", Required = true)]
    public string MessageZh { get; set; } = "";

    [Input(Description = "Timeline message in English.", Required = true)]
    public string MessageEn { get; set; } = "";

    [Input(Description = "Reason code when refusing.")]
    public string? Code { get; set; }

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.Status(Status, MessageZh, MessageEn, Code);
        return new(ActivityResult.Complete(DefaultPort));
    }
}

/// <summary>Marks the application's reserved quota use as used (e.g. gene testing: 采样即视为已使用).</summary>
[Activity("Health", "ConsumeQuota", "Health services", "Mark the reserved use of the quota as consumed.", DisplayName = "Consume quota", DisplayNameZh = "扣减服务次数")]
[Ports("Done")]
public sealed class ConsumeQuota : Activity
{
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.AddEffect(ApplicationEffects.ConsumeQuota, new JsonObject());
        return new(ActivityResult.Complete(DefaultPort));
    }
}

/// <summary>Gives the application's reserved quota use back.</summary>
[Activity("Health", "ReleaseQuota", "Health services", "Give the reserved use of the quota back.", DisplayName = "Restore quota", DisplayNameZh = "退回服务次数")]
[Ports("Done")]
public sealed class ReleaseQuota : Activity
{
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.AddEffect(ApplicationEffects.ReleaseQuota, new JsonObject());
        return new(ActivityResult.Complete(DefaultPort));
    }
}
