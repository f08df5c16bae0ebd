using Microsoft.Extensions.DependencyInjection;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Domain.Eligibility;
using Workflows.Domain.Policies;
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
    /// <summary>What a JD member reads after a refused review (J 117-119, 344-346).</summary>
    public const string GreenChannelOfferZh = "如您认可本次审核结果，现可申请门诊绿色通道服务（每保单年度一次，安排附件三定点医院专家门诊，由主治医生制定新的治疗方案）；新方案用药在特药清单内的，可重新申请预约购药。";
    public const string GreenChannelOfferEn = "If you accept this result, you may now apply for the outpatient green channel (once a policy year: a specialist clinic at a hospital on 附件三, where your doctor draws up a new treatment plan); if the new plan's drug is on the list, you may apply for a reservation purchase again.";

    /// <summary>The service's prescription-review SLA from the catalogue (CPIC 1 working day; JD 10-15, the workflow naming 10).</summary>
    protected override string? DefaultSla => "prescription-review";

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
        // JD: a refused prescription opens the outpatient green channel once a policy year (J 117-119, 344-346); the member is told so.
        var jd = ApplicationInput.From(context).ServiceCode == "jd-reservation-purchase";
        context.Status(ApplicationStatus.Refused,
            jd ? $"处方审核未通过：{reason}。{GreenChannelOfferZh}" : $"处方审核未通过：{reason}",
            jd ? $"The prescription was not approved: {reason}. {GreenChannelOfferEn}" : $"The prescription was not approved: {reason}", "PRESCRIPTION_REFUSED");
    }
}

/// <summary>What the specialty-drug activities keep in workflow variables, and the role that verifies a pickup.</summary>
public static class DrugVoucher
{
    /// <summary>The pharmacy planned for the purchase (mode, name, address, city): set by <see cref="PlanPharmacy"/>.</summary>
    public const string PharmacyVariable = "pharmacy";
    public const string CodeVariable = "pickupCode";
    /// <summary>The instant (UTC, ISO 8601) the voucher lapses: the end of its last valid day in Asia/Shanghai.</summary>
    public const string ExpiresVariable = "voucherExpiresAt";
    /// <summary>The pharmacy counter (药店): verifies a pickup code with the member's ID and dispenses, nothing else.</summary>
    public const string PharmacyRole = "Pharmacy";
    public const string Pickup = "pickup";
    public const string Delivery = "delivery";

    /// <summary>The key a pickup task is found by: a hash of its code, so the code itself is never a lookup column.</summary>
    public static string CorrelationKey(string code) =>
        "pickup:" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code.Trim())));

    public static bool IsJd(string serviceCode) => serviceCode.StartsWith("jd-", StringComparison.Ordinal);

    public static bool HasPharmacy(Workflows.Domain.ReferenceData.ReferenceLookup refs, string serviceCode, string? city) =>
        city is not null && (IsJd(serviceCode) ? refs.HasJdPharmacy(city) : refs.HasCpicPharmacy(city));

    public static JsonObject? Planned(ActivityContext context) => context.GetVariable(PharmacyVariable) as JsonObject;
}

/// <summary>
/// CPIC 特药垫付's direct billing (C 753-757, 871-875): CPIC advances the covered cost up to the contract's ratio and the
/// sum insured left; the rest is the insured's to pay at the counter.
/// </summary>
public static class CpicDirectBilling
{
    public sealed record Split(decimal DrugCost, decimal Ratio, decimal? SumInsuredLeft, decimal Advanced, decimal MemberPays);

    public static Split Calculate(decimal drugCost, decimal ratio, decimal? sumInsuredLeft)
    {
        if (drugCost < 0) throw new ArgumentException("The drug cost cannot be negative.");
        if (ratio is < 0 or > 1) throw new ArgumentException("The ratio must be between 0 and 1.");
        var byRatio = decimal.Round(drugCost * ratio, 2, MidpointRounding.AwayFromZero);
        var advanced = sumInsuredLeft is { } left ? Math.Min(byRatio, Math.Max(0, left)) : byRatio;
        return new Split(drugCost, ratio, sumInsuredLeft, advanced, drugCost - advanced);
    }

    /// <summary>
    /// What the member (and staff, on the case's timeline) read about the money: the cost, the ratio, what CPIC advances,
    /// what they pay themselves, and the policy's specialty-drug sum insured left after this advance.
    /// </summary>
    public static (string Zh, string En) Describe(JsonObject plan)
    {
        static string Yuan(JsonNode? n) => n is JsonValue v && v.TryGetValue<decimal>(out var d) ? d.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "0";
        var ratio = plan["ratio"] is JsonValue r && r.TryGetValue<decimal>(out var rv) ? (rv * 100m).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + "%" : "";
        var exhausted = plan["advancedBefore"] is JsonValue b && b.TryGetValue<decimal>(out var before) && plan["sumInsured"] is JsonValue s && s.TryGetValue<decimal>(out var sum) && before >= sum;
        var capped = !exhausted && plan["sumInsuredLeft"] is JsonValue l && l.TryGetValue<decimal>(out var left) && left == 0
                     && plan["memberPays"] is JsonValue m && m.TryGetValue<decimal>(out var pays) && pays > 0;
        var zh = $"本次药费 {Yuan(plan["drugCost"])} 元，本公司按约定比例（{ratio}）垫付 {Yuan(plan["advanced"])} 元，您需自付 {Yuan(plan["memberPays"])} 元（超出保险金额及赔付比例的部分由您承担）。"
                 + (exhausted ? $"本保单特药保险金额 {Yuan(plan["sumInsured"])} 元已用完，本次不再垫付。"
                    : capped ? $"本次垫付后本保单特药保险金额 {Yuan(plan["sumInsured"])} 元已用完（剩余 0 元），超出部分由您自付。"
                    : $"本保单特药保险金额 {Yuan(plan["sumInsured"])} 元，本次垫付后剩余 {Yuan(plan["sumInsuredLeft"])} 元。");
        var en = $" Drug cost {Yuan(plan["drugCost"])} yuan: CPIC advances {Yuan(plan["advanced"])} ({ratio}), you pay {Yuan(plan["memberPays"])}; the policy's specialty-drug sum insured {Yuan(plan["sumInsured"])}, left after this advance {Yuan(plan["sumInsuredLeft"])}.";
        return (zh, en);
    }
}

/// <summary>
/// 规划药店与确认库存: after an approved prescription, the provider plans the designated pharmacy with the member (pickup
/// or delivery), confirms its stock and, for CPIC, states what CPIC advances and what the member pays (C 803-807; J 7-8,
/// 101-103, 230-234, 252-258). Only then is the pickup code issued.
/// </summary>
[Activity("Health", "PlanPharmacy", "Specialty drugs", "Plan the designated pharmacy (pickup or delivery) and confirm its stock; the pickup code is issued only after this.",
    DisplayName = "Plan pharmacy and stock", DisplayNameZh = "规划药店与确认库存", Kind = "Task")]
[Ports("Planned")]
public sealed class PlanPharmacy : DeadlineTaskActivity
{
    [Input(Description = "JD 有社保版: pickup in store with the social-insurance card (J 254); delivery only where the member's city has no designated pharmacy.",
        UIHint = InputUIHints.Checkbox, DefaultValue = true, Order = 8)]
    public bool WithSocialInsurancePickupOnly { get; set; } = true;

    [Input(Description = "CPIC: the contract's payment ratio for specialty drugs (0-1; 1 = 100%).", DefaultValue = 1.0, Order = 9)]
    public decimal CpicRatio { get; set; } = 1m;


    protected override int? DefaultWorkingDays => 1;

    protected override IReadOnlyList<string> TaskOutcomes => ["Planned"];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "mode", Type = FormFieldType.Choice, LabelZh = "取药方式", LabelEn = "How the member gets the drug", RequiredFor = ["*"],
                Options = [new(DrugVoucher.Pickup, "到店自取", "Pickup in store"), new(DrugVoucher.Delivery, "送药上门", "Delivery")] },
        new() { Name = "pharmacyName", Type = FormFieldType.Text, LabelZh = "指定药店名称", LabelEn = "Designated pharmacy", MaxLength = 100, RequiredFor = ["*"] },
        new() { Name = "pharmacyAddress", Type = FormFieldType.Text, LabelZh = "药店地址", LabelEn = "Pharmacy address", MaxLength = 200, RequiredFor = ["*"] },
        new() { Name = "pharmacyCity", Type = FormFieldType.City, LabelZh = "药店所在城市", LabelEn = "Pharmacy city", RequiredFor = ["*"] },
        new() { Name = "stockConfirmed", Type = FormFieldType.Boolean, LabelZh = "已确认药店库存（正式订单）", LabelEn = "Stock confirmed (formal order)", RequiredFor = ["*"] },
        new() { Name = "deliveryAddress", Type = FormFieldType.MultiLine, LabelZh = "配送地址（送药上门）", LabelEn = "Delivery address (delivery only)", MaxLength = 200,
                HelpZh = "送药上门时必填，加密保存。", HelpEn = "Required for delivery; stored encrypted." },
        new() { Name = "drugCost", Type = FormFieldType.Number, LabelZh = "药品费用（元，太平洋特药垫付）", LabelEn = "Drug cost (元, CPIC direct billing)", Min = 0, Max = 10_000_000m },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        var application = ApplicationInput.From(context);
        var refs = context.Services.GetRequiredService<Workflows.Domain.ReferenceData.IReferenceDataVersions>().Current;
        var jd = DrugVoucher.IsJd(application.ServiceCode);
        string Text(string key) => (data[key] as JsonValue)?.ToString()?.Trim() ?? "";
        var mode = Text("mode");
        if (data["stockConfirmed"] is not JsonValue stock || stock.GetValueKind() != System.Text.Json.JsonValueKind.True)
            throw new ResumeRejectedException("须先确认药店库存（系统生成正式订单）后才能发放取药码。 Confirm the pharmacy's stock (the formal order) before the pickup code is issued.");
        var pharmacyCity = Text("pharmacyCity");
        if (!DrugVoucher.HasPharmacy(refs, application.ServiceCode, pharmacyCity))
            throw new ResumeRejectedException($"“{pharmacyCity}”没有{(jd ? "京东安联" : "本公司")}指定药店（{(jd ? "附件一" : "附件3")}），请选择指定药店。 {pharmacyCity} has no designated pharmacy; choose a designated one.");
        var memberCovered = DrugVoucher.HasPharmacy(refs, application.ServiceCode, application.Details.City);
        var sameCity = Workflows.Domain.ReferenceData.Names.CityKey(pharmacyCity) == Workflows.Domain.ReferenceData.Names.CityKey(application.Details.City ?? "");
        if (mode == DrugVoucher.Delivery)
        {
            var address = Text("deliveryAddress");
            if (address.Length == 0)
                throw new ResumeRejectedException("送药上门须填写配送地址。 Delivery needs the delivery address (data.deliveryAddress).");
            if (jd && WithSocialInsurancePickupOnly && memberCovered && PolicyVariant(context, application) == "with-social-insurance")
                throw new ResumeRejectedException("有社保版须持医保卡到店自取并进行医保结算（手册 J 254）；会员所在城市有指定药店，请选择到店自取。 With-social-insurance policies pick up in store with the social-insurance card.");
            // The address is personal data: kept encrypted in the variables, never in the journal in clear.
            var protector = context.Services.GetRequiredService<Policies.PersonalDataProtector>();
            data["deliveryAddressProtected"] = protector.Protect(address);
            data["deliveryAddress"] = PersonalDataProtector.MaskContent(address);
        }
        else if (mode != DrugVoucher.Pickup)
            throw new ResumeRejectedException("取药方式须为到店自取（pickup）或送药上门（delivery）。 The mode must be pickup or delivery.");
        else if (!memberCovered && !sameCity)
        {
            // Free choice (C 799-801), but a member whose city has no designated pharmacy is told it is in another city.
        }

        var plan = new JsonObject
        {
            ["mode"] = mode, ["name"] = Text("pharmacyName"), ["address"] = Text("pharmacyAddress"), ["city"] = pharmacyCity, ["sameCity"] = sameCity,
            ["deliveryAddressProtected"] = data["deliveryAddressProtected"]?.DeepClone(),
        };
        if (!jd)
        {
            if (data["drugCost"] is not JsonValue costValue || !costValue.TryGetValue<decimal>(out var cost))
                throw new ResumeRejectedException("太平洋特药垫付须填写药品费用（元），以便告知会员垫付金额与自付金额。 CPIC direct billing needs the drug cost (data.drugCost).");
            // The policy's sum insured (from the feed, else the documented default) less the advances so far on it.
            DirectBillingBalance balance;
            Policy policy;
            using (var db = context.Db())
            {
                policy = db.Policies.AsNoTracking().First(p => p.PolicyNumber == application.PolicyNumber);
                balance = DirectBillingBalance.Of(db, policy, context.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DirectBillingSettings>>().Value);
            }
            var split = CpicDirectBilling.Calculate(cost, CpicRatio, balance.Left);
            plan["drugCost"] = split.DrugCost;
            plan["ratio"] = split.Ratio;
            plan["advanced"] = split.Advanced;
            plan["memberPays"] = split.MemberPays;
            plan["sumInsured"] = balance.SumInsured;
            plan["sumInsuredFromFeed"] = balance.SumInsuredFromFeed;
            plan["advancedBefore"] = balance.Advanced;
            plan["sumInsuredLeft"] = balance.Left - split.Advanced;
            // Reserved in this step's transaction, only while the policy's advances stay within its sum insured; a
            // concurrent advance that took the balance first makes this completion fail with 409 and change nothing.
            if (split.Advanced > 0)
                context.AddEffect(DirectBillingEffects.Reserve, DirectBillingEffects.ReserveData(policy.Id, policy.PolicyNumber, balance.SumInsured, split.Advanced));
        }
        context.SetVariable(DrugVoucher.PharmacyVariable, plan);
        var where = $"{Text("pharmacyName")}（{pharmacyCity}，{Text("pharmacyAddress")}）";
        var how = mode == DrugVoucher.Pickup ? "到店自取" : sameCity ? "同城送药上门" : "异地送药上门（2-5个工作日送达）";
        var howEn = mode == DrugVoucher.Pickup ? "pickup in store" : sameCity ? "same-city delivery" : "delivery from another city (2-5 working days)";
        var (money, moneyEn) = jd ? ("", "") : CpicDirectBilling.Describe(plan);
        context.Status(ApplicationStatus.Contacted, $"已为您规划指定药店并确认库存：{where}，取药方式：{how}。{money}",
            $"A designated pharmacy was planned and its stock confirmed: {Text("pharmacyName")} ({pharmacyCity}, {Text("pharmacyAddress")}), {howEn}.{moneyEn}");
    }

    private static string? PolicyVariant(ActivityContext context, ApplicationInput application)
    {
        using var db = context.Db();
        return db.Policies.AsNoTracking().Where(p => p.PolicyNumber == application.PolicyNumber).Select(p => p.Variant).FirstOrDefault();
    }
}

/// <summary>
/// 购药凭证/取药码: issued once the pharmacy is planned and its stock confirmed (C 805-807; J 7-8, 254-256), sent to the
/// member with the pharmacy's name and address. The voucher is valid for the policy period, continuous renewals included
/// (J 72); a purchase in the 30-day continuation after the end (J 64-70) has a voucher that lapses on day 30.
/// </summary>
[Activity("Health", "IssueVoucher", "Specialty drugs", "Issue the purchase voucher and its pickup code to the member, with the planned pharmacy.", DisplayName = "Issue voucher", DisplayNameZh = "发放购药凭证")]
[Ports("Done")]
public sealed class IssueVoucher : Activity
{
    [Input(Description = "Variable that keeps the pickup code.", UIHint = InputUIHints.VariablePicker, DefaultValue = "pickupCode")]
    public string CodeVariable { get; set; } = DrugVoucher.CodeVariable;

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (DrugVoucher.Planned(context) is not { } plan)
            throw new InvalidOperationException("A voucher is issued only after the pharmacy is planned and its stock confirmed: put a 规划药店与确认库存 (Health.PlanPharmacy) task before it.");
        var application = ApplicationInput.From(context);
        var calendar = context.Calendar();
        var today = calendar.LocalDate(context.Now);
        DateOnly lastDay;
        using (var db = context.Db())
        {
            var policy = db.Policies.AsNoTracking().First(p => p.PolicyNumber == application.PolicyNumber);
            lastDay = policy.EndDate;
            // 含连续投保年度: a renewal that names this policy carries the voucher on.
            for (var number = policy.PolicyNumber; ;)
            {
                var next = db.Policies.AsNoTracking().Where(p => p.PreviousPolicyNumber == number).Select(p => new { p.PolicyNumber, p.EndDate }).FirstOrDefault();
                if (next is null || next.EndDate <= lastDay) break;
                (number, lastDay) = (next.PolicyNumber, next.EndDate);
            }
            if (DrugVoucher.IsJd(application.ServiceCode) && today > lastDay)
                lastDay = lastDay.AddDays(EligibilityRules.JdContinuationDays); // the 30-day continuation: never beyond its day 30
        }
        var expires = new DateTimeOffset(lastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).ToUniversalTime();
        var code = context.NextRandom(10_000_000, 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.SetVariable(CodeVariable, code);
        context.SetVariable(DrugVoucher.ExpiresVariable, expires.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var name = plan["name"]?.ToString();
        var address = plan["address"]?.ToString();
        var until = lastDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        if (plan["mode"]?.ToString() == DrugVoucher.Delivery)
            context.Status(ApplicationStatus.Booked,
                $"购药凭证已发送，取药码 {code}（有效期至 {until}）。药品将由指定药店 {name}（{address}）送药上门，签收时请出示取药码、处方原件和身份证件，付款前请当场检查药品完整性。",
                $"Your purchase voucher was issued; pickup code {code} (valid until {until}). {name} ({address}) delivers the drug; show the code, the original prescription and your ID when you sign for it.");
        else
            context.Status(ApplicationStatus.Booked,
                $"购药凭证已发送，取药码 {code}（有效期至 {until}，逾期未使用视为放弃）。请凭取药码、处方原件和身份证件到指定药店 {name}（地址：{address}）取药。",
                $"Your purchase voucher was issued; pickup code {code} (valid until {until}; unused, it counts as waived). Collect the drug at {name} ({address}) with the code, the original prescription and your ID.");
        return new(ActivityResult.Complete(DefaultPort));
    }
}

/// <summary>购药凭证到期: a timer at the voucher's expiry; an unused voucher then counts as waived (J 72, 视为放弃).</summary>
[Activity("Health", "VoucherExpiry", "Specialty drugs", "Wait until the voucher lapses; unused, the purchase ends as waived.", DisplayName = "Voucher expiry", DisplayNameZh = "购药凭证到期")]
[Ports("Expired")]
public sealed class VoucherExpiry : Activity
{
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var at = context.GetVariable(DrugVoucher.ExpiresVariable)?.ToString() is { } text
            ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("The voucher has no expiry: put 发放购药凭证 (Health.IssueVoucher) before 购药凭证到期.");
        if (at <= context.Now) return ResumeAsync(context, new ResumeInput());
        return new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.Timer, "VoucherExpiry", at)));
    }

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        context.AddEffect(DirectBillingEffects.Release, new JsonObject());
        context.Status(ApplicationStatus.Cancelled, "购药凭证已过有效期未使用，视为放弃。", "The voucher lapsed unused and counts as waived.", "VOUCHER_EXPIRED");
        return new(ActivityResult.Complete("Expired"));
    }
}

/// <summary>
/// 取药/配送. Pickup: the pharmacy verifies the pickup code with the member's ID and the original prescription at its
/// counter (C 807-809), and only the pharmacy's verification completes it (once). Delivery: from another city in 2-5
/// working days (C 895; J 234); in the same city CPIC's next working day (C 893), JD's half-day windows (J 232: booked in
/// the morning, delivered that afternoon; booked in the afternoon, delivered the next morning). Recorded with the courier's
/// tracking number. A delivery the member refuses at the door because it arrived damaged, incomplete or wrong, before
/// paying, is re-dispatched once the partner has verified it (J 166-168, 287-289): the task stays open with a new deadline.
/// Damage found after paying, or caused by the member, is not re-dispatched (JD: counts as delivered).
/// </summary>
[Activity("Health", "DrugFulfilment", "Specialty drugs", "Pickup (verified at the pharmacy counter) or delivery; a delivery refused at the door as damaged or wrong is re-dispatched; Expired when the member gives the voucher up.",
    DisplayName = "Pickup or delivery", DisplayNameZh = "取药或配送", Kind = "Task")]
[Ports("PickedUp", "Delivered", "Expired")]
public sealed class DrugFulfilment : DeadlineTaskActivity
{
    /// <summary>The task outcome that re-dispatches a delivery refused at the door; not a port, the task stays open.</summary>
    public const string Redispatch = "Redispatch";

    [Input(Description = "Working days to deliver from a designated pharmacy in the member's city (CPIC 同城1个工作日; JD uses the half-day windows below).", DefaultValue = 1, Order = 10)]
    public int SameCityWorkingDays { get; set; } = 1;

    [Input(Description = "Working days to deliver from another city (异地2-5日).", DefaultValue = 5, Order = 11)]
    public int OtherCityWorkingDays { get; set; } = 5;

    [Input(Description = "Same-city half-day windows (J 232: 上午预约下午送达，下午预约次日早上送达): empty = JD yes, CPIC no (its next working day).",
        Options = ["", "Yes", "No"], Order = 12)]
    public string SameCityHalfDays { get; set; } = "";

    [Input(Description = "Same-city windows: a delivery booked before this time (Asia/Shanghai, HH:mm) counts as booked in the morning.", DefaultValue = "12:00", Order = 13)]
    public string MorningCutOff { get; set; } = "12:00";

    [Input(Description = "Same-city windows: a morning booking is due that day by this time (下午送达).", DefaultValue = "18:00", Order = 14)]
    public string AfternoonDeliveryBy { get; set; } = "18:00";

    [Input(Description = "Same-city windows: an afternoon booking is due the next calendar day by this time (第二天早上送达).", DefaultValue = "12:00", Order = 15)]
    public string NextMorningDeliveryBy { get; set; } = "12:00";

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        // A delivery tells the member by when it arrives; the task is found at the pharmacy counter by its code's hash.
        var plan = DrugVoucher.Planned(context);
        if (plan?["mode"]?.ToString() == DrugVoucher.Delivery && DueAt(context) is { } due)
        {
            var local = TimeZoneInfo.ConvertTime(due, Workflows.Domain.Calendar.BusinessCalendar.Shanghai);
            var window = DeliveryWindow(context, plan) is { } w ? w.Zh : (plan["sameCity"] is JsonValue s && s.GetValue<bool>() ? "同城配送" : "异地配送（2-5个工作日）");
            var windowEn = DeliveryWindow(context, plan) is { } w2 ? w2.En : (plan["sameCity"] is JsonValue s2 && s2.GetValue<bool>() ? "same-city delivery" : "delivery from another city (2-5 working days)");
            context.Status(ApplicationStatus.Booked,
                $"药品配送中：{window}，预计 {local:yyyy-MM-dd HH:mm} 前送达。签收前请当场检查药品是否完整：如有破损、缺失或错发，请不要付款并拒收，核实后将为您重新发货；付款后发现损坏或不完整的，视为您自身原因，不再重新发药。",
                $"Your drug is on its way ({windowEn}), due by {local:yyyy-MM-dd HH:mm}. Check it before you pay: refuse a damaged, incomplete or wrong delivery and it is re-dispatched once verified; damage found after paying is not re-dispatched.");
        }
        var code = context.GetVariable(DrugVoucher.CodeVariable)?.ToString();
        return new(ActivityResult.Suspend(new BookmarkRequest(BookmarkKinds.HumanTask, Title, Payload: Task(context).ToPayload(),
            CorrelationKey: string.IsNullOrEmpty(code) ? null : DrugVoucher.CorrelationKey(code))));
    }

    public override async ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        var result = await base.ResumeAsync(context, input);
        // Re-dispatched: the same task again, with a new deadline from now, still found by the pickup code.
        return result.Outcomes is [Redispatch] ? await ExecuteAsync(context) : result;
    }

    /// <summary>JD's same-city half-day window for a delivery booked now (J 232), or null where it does not apply.</summary>
    private (DateTimeOffset Due, string Zh, string En)? DeliveryWindow(ActivityContext context, JsonObject plan)
    {
        if (plan["sameCity"] is not JsonValue s || !s.GetValue<bool>()) return null;
        var halfDays = SameCityHalfDays switch { "Yes" => true, "No" => false, _ => DrugVoucher.IsJd(ApplicationInput.From(context).ServiceCode) };
        if (!halfDays) return null;
        static TimeOnly At(string text, string name) => TimeOnly.TryParseExact(text.Trim(), "HH:mm", out var t) ? t
            : throw new InvalidOperationException($"{name} must be a time of day in the form HH:mm (was '{text}').");
        var booked = TimeZoneInfo.ConvertTime(SlaStart(context), Workflows.Domain.Calendar.BusinessCalendar.Shanghai);
        var day = DateOnly.FromDateTime(booked.DateTime);
        var morning = TimeOnly.FromDateTime(booked.DateTime) < At(MorningCutOff, nameof(MorningCutOff));
        var (dueDay, dueTime) = morning ? (day, At(AfternoonDeliveryBy, nameof(AfternoonDeliveryBy))) : (day.AddDays(1), At(NextMorningDeliveryBy, nameof(NextMorningDeliveryBy)));
        var due = new DateTimeOffset(dueDay.ToDateTime(dueTime), TimeSpan.FromHours(8));
        return morning
            ? (due, "同城配送（上午预约，当日下午送达）", "same-city delivery (booked in the morning, delivered this afternoon)")
            : (due, "同城配送（下午预约，次日上午送达）", "same-city delivery (booked in the afternoon, delivered next morning)");
    }

    /// <summary>A delivery is due by JD's half-day window in the same city, else in <see cref="SameCityWorkingDays"/> from a pharmacy in the member's city, else <see cref="OtherCityWorkingDays"/>.</summary>
    protected override DateTimeOffset? DueAt(ActivityContext context)
    {
        if (DueWithinMinutes is not null || DueWithinWorkingDays is not null) return base.DueAt(context);
        var plan = DrugVoucher.Planned(context);
        if (plan?["mode"]?.ToString() == DrugVoucher.Pickup) return null; // the voucher's expiry timer ends an unused pickup
        if (plan is not null && DeliveryWindow(context, plan) is { } window) return window.Due.ToUniversalTime();
        bool sameCity;
        if (plan?["sameCity"] is JsonValue s) sameCity = s.GetValue<bool>();
        else
        {
            var application = ApplicationInput.From(context);
            var lookup = context.Services.GetService<Workflows.Domain.ReferenceData.IReferenceDataVersions>()?.Current;
            sameCity = lookup is not null && DrugVoucher.HasPharmacy(lookup, application.ServiceCode, application.Details.City);
        }
        // From when the task opens: the booking, or a re-dispatch when it was decided.
        return context.Calendar().DeadlineAfter(SlaStart(context), sameCity ? SameCityWorkingDays : OtherCityWorkingDays, ServiceHoursNamed(HoursIn(context)));
    }

    protected override IReadOnlyList<string> TaskOutcomes => ["PickedUp", "Delivered", Redispatch, "Expired"];

    /// <summary>Why a delivery was refused at the door (J 166, 287-289).</summary>
    public static readonly (string Value, string Zh, string En)[] RefusalReasons =
    [
        ("damaged", "运输途中破损", "Damaged in transit"),
        ("incomplete", "药品不完整（缺失）", "Incomplete"),
        ("wrong", "错发（药品或规格不符）", "Wrong drug or strength"),
    ];

    protected override IEnumerable<FormField> DeclareFields() =>
    [
        new() { Name = "trackingNumber", Type = FormFieldType.Text, LabelZh = "运单号", LabelEn = "Tracking number", MaxLength = 64,
                RequiredFor = ["Delivered", Redispatch], ShownFor = ["Delivered", Redispatch],
                HelpZh = "重新发货时填写新运单号。", HelpEn = "For a re-dispatch, the new tracking number." },
        new() { Name = "courier", Type = FormFieldType.Choice, LabelZh = "快递公司", LabelEn = "Courier", ShownFor = ["Delivered", Redispatch],
                Options = [new("sf", "顺丰速运", "SF Express"), new("jd", "京东物流", "JD Logistics"), new("ems", "EMS", "EMS"), new("other", "其他", "Other")] },
        new() { Name = "refusalReason", Type = FormFieldType.Choice, LabelZh = "拒收原因", LabelEn = "Why the member refused the delivery",
                RequiredFor = [Redispatch], ShownFor = [Redispatch], Options = RefusalReasons.Select(r => new FormOption(r.Value, r.Zh, r.En)).ToList() },
        new() { Name = "paidBeforeFound", Type = FormFieldType.Boolean, LabelZh = "会员付款（签收）后才发现问题", LabelEn = "Found only after the member paid (signed)",
                ShownFor = [Redispatch], HelpZh = "付款后发现损坏或不完整的视为客户自身原因，不再重新发药。", HelpEn = "Damage found after paying counts as the member's own; nothing is re-dispatched." },
        new() { Name = "verified", Type = FormFieldType.Boolean, LabelZh = "已与配送方核实（非客户自身原因）", LabelEn = "Verified with the courier (not the member's own cause)",
                RequiredFor = [Redispatch], ShownFor = [Redispatch] },
        new() { Name = "reason", Type = FormFieldType.MultiLine, LabelZh = "放弃原因", LabelEn = "Why the member gave the voucher up", MaxLength = 500,
                RequiredFor = ["Expired"], ShownFor = ["Expired"] },
    ];

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        var mode = DrugVoucher.Planned(context)?["mode"]?.ToString();
        switch (outcome)
        {
            case "PickedUp":
                // Only the pharmacy's counter verification (code + ID + original prescription) records a pickup.
                if (context.Actor.Role != DrugVoucher.PharmacyRole || data["verifiedAt"] is null)
                    throw new ResumeRejectedException("到店取药须由指定药店在“取药核验”页面凭取药码、身份证件和处方原件核验后登记。 A pickup is recorded only by the pharmacy's verification of the code, the ID and the original prescription.");
                if (mode == DrugVoucher.Delivery)
                    throw new ResumeRejectedException("此订单为送药上门，请登记运单号。 This order is a delivery; record the tracking number.");
                context.AddEffect(DirectBillingEffects.Consume, new JsonObject());
                context.Status(ApplicationStatus.Completed, $"您已在药店取药（{data["pharmacyUser"]} 核验取药码与身份证件）。", "You collected the drug at the pharmacy (code and ID verified).");
                break;
            case "Delivered":
                if (mode == DrugVoucher.Pickup)
                    throw new ResumeRejectedException("此订单为到店自取，取药由药店核验取药码后登记。 This order is a pickup; the pharmacy records it when it verifies the code.");
                if ((data["trackingNumber"] as JsonValue)?.ToString() is not { Length: > 0 and <= 64 } tracking)
                    throw new ResumeRejectedException("Delivered needs the courier's tracking number (data.trackingNumber).");
                context.AddEffect(DirectBillingEffects.Consume, new JsonObject());
                context.Status(ApplicationStatus.Completed, $"药品已配送，运单号 {tracking}。", $"The drug was delivered; tracking number {tracking}.");
                break;
            case Redispatch:
                if (mode != DrugVoucher.Delivery)
                    throw new ResumeRejectedException("只有送药上门的订单可以拒收后重新发货。 Only a delivery can be re-dispatched.");
                if (data["paidBeforeFound"] is JsonValue paid && paid.GetValueKind() == System.Text.Json.JsonValueKind.True)
                    throw new ResumeRejectedException("付款后发现药品损坏或不完整的，视为客户自身原因，不再重新安排发药（京东安联服务手册）；请登记“已配送”。 Damage found after paying is the member's own; nothing is re-dispatched: record it as delivered.");
                if (data["verified"] is not JsonValue ok || ok.GetValueKind() != System.Text.Json.JsonValueKind.True)
                    throw new ResumeRejectedException("重新发货前须与配送方核实拒收原因（非客户自身原因）。 Verify the refusal with the courier before re-dispatching (data.verified).");
                var why = RefusalReasons.First(r => r.Value == (data["refusalReason"] as JsonValue)?.ToString());
                context.Status(ApplicationStatus.Booked, $"您已拒收配送的药品（{why.Zh}），经核实已安排药房重新发货，新运单号 {data["trackingNumber"]}。",
                    $"You refused the delivery ({why.En}); verified, the pharmacy re-dispatches it, new tracking number {data["trackingNumber"]}.");
                break;
            default:
                if ((data["reason"] as JsonValue)?.ToString() is not { Length: > 0 })
                    throw new ResumeRejectedException("登记放弃须写明原因（data.reason）。 Giving the voucher up needs a reason (data.reason).");
                context.AddEffect(DirectBillingEffects.Release, new JsonObject());
                context.Status(ApplicationStatus.Cancelled, "您已放弃本次购药凭证。", "You gave up this purchase voucher.");
                break;
        }
    }
}

/// <summary>
/// CPIC 特药授权申请: the company authorises the first use of the specialty-drug service (C 787-795, 831-835, 845-857).
/// A policy with an earlier authorised purchase skips it (二次及以后的用药无需再次进行授权申请); on a first purchase
/// AlreadyAuthorised is refused. The member is told which materials to send and by when the authorisation is decided.
/// </summary>
[Activity("Health", "DrugAuthorisation", "Specialty drugs", "CPIC: authorise the first use of the specialty-drug service after checking its materials; repeat purchases skip it.",
    DisplayName = "Specialty-drug authorisation", DisplayNameZh = "特药授权申请", Kind = "Task")]
[Ports("Authorised", "AlreadyAuthorised", "Declined")]
public sealed class DrugAuthorisation : DeadlineTaskActivity
{
    /// <summary>The timeline message that marks a policy's specialty-drug use as authorised (looked for by later purchases).</summary>
    public const string AuthorisedEn = "The first use of the specialty-drug service was authorised.";

    /// <summary>C 845-857: the materials of an authorisation application.</summary>
    public static readonly (string Name, string Zh, string En)[] Materials =
    [
        ("applicationForm", "恶性肿瘤药品授权申请书", "Authorisation application form"),
        ("contract", "保险合同", "Insurance contract"),
        ("idDocument", "被保险人有效身份证件", "The insured's valid ID"),
        ("diagnosisReport", "二级以上公立医院病史资料及疾病诊断报告书（附病理、血液等检验报告）", "Medical history and diagnosis report of a grade-2+ public hospital, with pathology and blood test reports"),
    ];

    /// <summary>The handbook states no time for the authorisation (C20); the system gives it 3 working days.</summary>
    protected override int? DefaultWorkingDays => 3;

    protected override IReadOnlyList<string> TaskOutcomes => ["Authorised", "AlreadyAuthorised", "Declined"];

    protected override IEnumerable<FormField> DeclareFields() =>
        Materials.Select(m => new FormField { Name = m.Name, Type = FormFieldType.Boolean, LabelZh = "已收到：" + m.Zh, LabelEn = "Received: " + m.En, ShownFor = ["Authorised"] })
            .Append(new FormField { Name = "reason", Type = FormFieldType.MultiLine, LabelZh = "未授权原因（告知会员）", LabelEn = "Reason (shown to the member)", MaxLength = 500,
                RequiredFor = ["Declined"], ShownFor = ["Declined"] });

    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (AuthorisedBefore(context))
        {
            context.Status(ApplicationStatus.Accepted, "本保单已完成特药首次用药授权，本次无需再次授权，直接进入处方审核。",
                "This policy's specialty-drug use is already authorised; the prescription review comes next.");
            return new(ActivityResult.Complete("AlreadyAuthorised"));
        }
        var due = DueAt(context);
        var list = string.Join("；", Materials.Select((m, i) => $"{(char)('a' + i)}. {m.Zh}"));
        var by = due is { } d ? $"本公司将于 {TimeZoneInfo.ConvertTime(d, Workflows.Domain.Calendar.BusinessCalendar.Shanghai):yyyy-MM-dd HH:mm} 前完成审核。" : "";
        context.Status(ApplicationStatus.Accepted, $"首次使用特药服务须经本公司授权。请提交：{list}；以及其他与保险事故有关的证明和资料。{by}",
            "The first use of the specialty-drug service needs the company's authorisation; please send the application form, the contract, your ID and the hospital's diagnosis report.");
        return base.ExecuteAsync(context);
    }

    protected override void OnCompleted(ActivityContext context, string outcome, JsonObject data)
    {
        switch (outcome)
        {
            case "AlreadyAuthorised":
                if (!AuthorisedBefore(context))
                    throw new ResumeRejectedException("本保单尚无经授权的特药购药：首次用药须经本公司授权（手册 C 831），请核对材料后选择“授权”或“不授权”。 This is the policy's first specialty-drug purchase: it needs the authorisation.");
                break;
            case "Authorised":
                var missing = Materials.Where(m => data[m.Name] is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.True).Select(m => m.Zh).ToList();
                if (missing.Count > 0)
                    throw new ResumeRejectedException($"授权前须收齐材料，尚缺：{string.Join("、", missing)}。 The authorisation needs every material; missing: {string.Join(", ", Materials.Where(m => missing.Contains(m.Zh)).Select(m => m.En))}.");
                context.Status(ApplicationStatus.Contacted, "特药首次用药授权已通过，下一步为处方审核（1个工作日内）。", AuthorisedEn);
                break;
            default:
                var reason = (data["reason"] as JsonValue)?.ToString();
                if (string.IsNullOrWhiteSpace(reason)) throw new ResumeRejectedException("Declined needs a reason for the member (data.reason).");
                context.Status(ApplicationStatus.Refused, $"特药服务授权未通过：{reason}", $"The specialty-drug service was not authorised: {reason}", "AUTHORISATION_DECLINED");
                break;
        }
    }

    /// <summary>An earlier purchase under the same policy was authorised (or ran to its end, which needs the authorisation).</summary>
    private static bool AuthorisedBefore(ActivityContext context)
    {
        var application = ApplicationInput.From(context);
        using var db = context.Db();
        var earlier = db.Applications.AsNoTracking()
            .Where(a => a.PolicyNumber == application.PolicyNumber && a.ServiceCode == application.ServiceCode && a.Id != application.ApplicationId);
        return earlier.Any(a => a.Status == ApplicationStatus.Completed)
               || db.ApplicationEvents.AsNoTracking().Any(e => e.MessageEn == AuthorisedEn && earlier.Any(a => a.Id == e.ApplicationId));
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

    /// <summary>The service's first-contact SLA from the catalogue (JD drug consultation: call-back within 2 working days).</summary>
    protected override string? DefaultSla => FirstContactSla;

    protected override IReadOnlyList<string> TaskOutcomes => ["Answered"];

    // Several questions may be open at once (COC: each question its own task), so the question a task answers is the
    // one named when the task was created, kept with the activity instance, not the variable's value when it is answered.
    public override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (!string.IsNullOrEmpty(ConsultationId)) context.Keep(nameof(ConsultationId), ConsultationId);
        return base.ExecuteAsync(context);
    }

    public override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input)
    {
        if (context.Kept(nameof(ConsultationId)) is JsonValue kept && kept.TryGetValue<string>(out var id)) ConsultationId = id;
        return base.ResumeAsync(context, input);
    }

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
