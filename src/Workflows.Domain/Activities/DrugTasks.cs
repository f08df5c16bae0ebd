using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Workflows.Domain.Applications;
using Workflows.Engine.Activities;
using Workflows.Engine.Activities.Builtin;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Activities;

/// <summary>
/// 处方审核: a pharmacist reviews the prescription (CPIC: within 1 working day; JD: 10-15 working days).
/// Refused ends the application with PRESCRIPTION_REFUSED, which is what opens JD's green channel.
/// </summary>
[Activity("Health", "PrescriptionReview", "Specialty drugs", "A pharmacist reviews the prescription; Refused gives the reason to the member.", DisplayName = "Prescription review", DisplayNameZh = "处方审核", Kind = "Task")]
[Ports("Approved", "Refused")]
public sealed class PrescriptionReview : DeadlineTaskActivity
{
    protected override IReadOnlyList<string> TaskOutcomes => ["Approved", "Refused"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "drug", Type = FormFieldType.Drug, LabelZh = "药品", LabelEn = "Drug", ShownFor = ["Approved"], PrefillFrom = "drug" },
        new() { Name = "reason", Type = FormFieldType.MultiLine, LabelZh = "不通过原因（告知会员）", LabelEn = "Reason (shown to the member)", MaxLength = 500,
                RequiredFor = ["Refused"], ShownFor = ["Refused"] },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (outcome == "Approved")
        {
            context.Status(ApplicationStatus.Contacted, "处方审核已通过。", "The prescription was approved.");
            return;
        }
        var reason = (data["reason"] as JsonValue)?.ToString();
        if (string.IsNullOrWhiteSpace(reason)) throw new ResumeRejectedException("Refused needs a reason for the member (data.reason).");
        if (reason.Length > 500) throw new ResumeRejectedException("The reason may be at most 500 characters.");
        context.Status(ApplicationStatus.Refused, $"处方审核未通过：{reason}", $"The prescription was not approved: {reason}", "PRESCRIPTION_REFUSED");
    }
}

/// <summary>购药凭证/取药码: issues the purchase voucher with a pickup code the pharmacy checks.</summary>
[Activity("Health", "IssueVoucher", "Specialty drugs", "Issue the purchase voucher and its pickup code to the member.", DisplayName = "Issue voucher", DisplayNameZh = "发放购药凭证")]
[Ports("Done")]
public sealed class IssueVoucher : Activity
{
    [Input(Description = "Variable that keeps the pickup code.", UIHint = InputUIHints.VariablePicker, DefaultValue = "pickupCode")]
    public string CodeVariable { get; set; } = "pickupCode";

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var code = context.NextRandom(10_000_000, 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.SetVariable(CodeVariable, code);
        context.Status(ApplicationStatus.Booked, $"购药凭证已发送，取药码 {code}。", $"Your purchase voucher was issued; pickup code {code}.");
        return new(ActivityResult.Complete(DefaultPort));
    }
}

/// <summary>取药/配送: the member picks the drug up at the pharmacy or it is delivered (same city next day, elsewhere 2-5 days).</summary>
[Activity("Health", "DrugFulfilment", "Specialty drugs", "Record store pickup or delivery; Expired when the voucher lapses unused.", DisplayName = "Pickup or delivery", DisplayNameZh = "取药或配送", Kind = "Task")]
[Ports("PickedUp", "Delivered", "Expired")]
public sealed class DrugFulfilment : DeadlineTaskActivity
{
    [Input(Description = "Working days to deliver when a designated pharmacy is in the member's city (同城次日).", DefaultValue = 1, Order = 8)]
    public int SameCityWorkingDays { get; set; } = 1;

    [Input(Description = "Working days to deliver from another city (异地2-5日).", DefaultValue = 5, Order = 9)]
    public int OtherCityWorkingDays { get; set; } = 5;

    /// <summary>
    /// Delivery is due in <see cref="SameCityWorkingDays"/> when the insurer has a designated pharmacy in the member's
    /// city, else in <see cref="OtherCityWorkingDays"/> (unless the workflow sets a deadline of its own).
    /// </summary>
    protected override DateTimeOffset? DueAt(ActivityContext context)
    {
        if (DueWithinMinutes is not null || DueWithinWorkingDays is not null) return base.DueAt(context);
        var application = ApplicationInput.From(context);
        var lookup = context.Services.GetService<Workflows.Domain.ReferenceData.IReferenceDataVersions>()?.Current;
        var city = application.Details.City;
        var sameCity = lookup is not null && city is not null &&
                       (application.ServiceCode.StartsWith("jd-", StringComparison.Ordinal) ? lookup.HasJdPharmacy(city) : lookup.HasCpicPharmacy(city));
        return context.Calendar().DeadlineAfter(SlaStart(context), sameCity ? SameCityWorkingDays : OtherCityWorkingDays, ServiceHoursNamed(Hours));
    }

    protected override IReadOnlyList<string> TaskOutcomes => ["PickedUp", "Delivered", "Expired"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "trackingNumber", Type = FormFieldType.Text, LabelZh = "运单号", LabelEn = "Tracking number", MaxLength = 64,
                RequiredFor = ["Delivered"], ShownFor = ["Delivered"] },
        new() { Name = "courier", Type = FormFieldType.Choice, LabelZh = "快递公司", LabelEn = "Courier", ShownFor = ["Delivered"],
                Options = [new("sf", "顺丰速运", "SF Express"), new("jd", "京东物流", "JD Logistics"), new("ems", "EMS", "EMS"), new("other", "其他", "Other")] },
        new() { Name = "city", Type = FormFieldType.City, LabelZh = "取药/配送城市", LabelEn = "Pickup or delivery city", ShownFor = ["PickedUp", "Delivered"], PrefillFrom = "city" },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        switch (outcome)
        {
            case "PickedUp":
                context.Status(ApplicationStatus.Completed, "您已在药店取药。", "You collected the drug at the pharmacy.");
                break;
            case "Delivered":
                if ((data["trackingNumber"] as JsonValue)?.ToString() is not { Length: > 0 and <= 64 } tracking)
                    throw new ResumeRejectedException("Delivered needs the courier's tracking number (data.trackingNumber).");
                context.Status(ApplicationStatus.Completed, $"药品已配送，运单号 {tracking}。", $"The drug was delivered; tracking number {tracking}.");
                break;
            default:
                context.Status(ApplicationStatus.Cancelled, "购药凭证逾期未使用，视为放弃。", "The voucher lapsed unused and counts as waived.");
                break;
        }
    }
}

/// <summary>回访/咨询: a case manager or pharmacist answers the member (drug consultation: call-back within 2 working days).</summary>
[Activity("Health", "Consultation", "Health services", "Answer the member's question within the SLA and record the answer's summary.", DisplayName = "Consultation", DisplayNameZh = "咨询回复", Kind = "Task")]
[Ports("Answered")]
public sealed class Consultation : DeadlineTaskActivity
{
    [Input(Description = "The application's status once answered: Completed for a one-off consultation, Booked while a programme (COC) goes on.",
        Options = [ApplicationStatus.Completed, ApplicationStatus.Booked], DefaultValue = ApplicationStatus.Completed, Order = 7)]
    public string StatusAfterAnswer { get; set; } = ApplicationStatus.Completed;

    [Input(Description = "The member's COC question this task answers (e.g. variables.consultation.consultationId); the answer is then kept with the question, encrypted, and the member reads it in the portal.",
        Order = 8)]
    public string? ConsultationId { get; set; }

    protected override IReadOnlyList<string> TaskOutcomes => ["Answered"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "answerSummary", Type = FormFieldType.MultiLine, LabelZh = "回复内容", LabelEn = "Answer", MaxLength = 2000,
                RequiredFor = string.IsNullOrEmpty(ConsultationId) ? [] : ["Answered"],
                HelpZh = "会员将在会员服务中看到此回复（加密保存）。", HelpEn = "The member reads this answer in the portal (stored encrypted)." },
        new() { Name = "answeredAt", Type = FormFieldType.DateTime, LabelZh = "回复时间", LabelEn = "Answered at", Rules = [FormRule.NotInFuture] },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        if (!string.IsNullOrEmpty(ConsultationId) && (data["answerSummary"] as JsonValue)?.ToString() is { Length: > 0 } answer)
        {
            // The text goes to the consultation's row, encrypted, in this step's transaction; the workflow (its journal,
            // its variables) keeps only a reference to it, like the question.
            var protector = context.Services.GetRequiredService<Policies.PersonalDataProtector>();
            context.AddEffect(ApplicationEffects.AnswerConsultation, new JsonObject
            {
                ["consultationId"] = ConsultationId,
                ["answerProtected"] = protector.Protect(answer),
                ["answeredBy"] = context.Actor.Id,
            });
            data["answerSummary"] = $"{ApplicationService.PersonalTextPrefix}consultation:{ConsultationId}:answer";
        }
        context.Status(StatusAfterAnswer, "已回复您的咨询。", "Your question was answered.");
    }
}
