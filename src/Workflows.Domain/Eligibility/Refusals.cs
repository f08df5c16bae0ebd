namespace Workflows.Domain.Eligibility;

/// <summary>Why an application is refused: a stable code for systems and a message in Chinese and English for people.</summary>
public sealed record Refusal(string Code, string MessageZh, string MessageEn)
{
    public override string ToString() => $"{Code}: {MessageEn}";
}

/// <summary>Every refusal the rules can give, in one place.</summary>
public static class Refusals
{
    public static Refusal ServiceNotInPolicy(string service) =>
        new("SERVICE_NOT_IN_POLICY", $"您的保单不包含“{service}”服务。", $"Your policy does not include the service '{service}'.");
    public static Refusal PolicyNotInForce(DateOnly from, DateOnly to) =>
        new("POLICY_NOT_IN_FORCE", $"保单不在有效期内（{from:yyyy-MM-dd} 至 {to:yyyy-MM-dd}）。", $"The policy is not in force (valid {from:yyyy-MM-dd} to {to:yyyy-MM-dd}).");
    public static Refusal CoolingOff(DateOnly usableFrom) =>
        new("COOLING_OFF_PERIOD", $"犹豫期内暂不可使用，{usableFrom:yyyy-MM-dd} 起可申请。", $"The service can be used after the cooling-off period, from {usableFrom:yyyy-MM-dd}.");
    public static Refusal WaitingPeriod(DateOnly usableFrom) =>
        new("WAITING_PERIOD", $"等待期内暂不可使用，{usableFrom:yyyy-MM-dd} 起可申请。", $"The service can be used after the waiting period, from {usableFrom:yyyy-MM-dd}.");
    public static readonly Refusal OptionalCoverMissing =
        new("OPTIONAL_COVER_MISSING", "仅限投保特定药品费用医疗保险金可选责任的被保险人使用。", "Only available with the optional specialty-drug cover.");
    public static readonly Refusal RecurrenceNotConfirmed =
        new("RECURRENCE_NOT_CONFIRMED", "需在服务有效期内确诊乳腺癌复发或转移。", "A confirmed breast-cancer recurrence or metastasis is required.");
    public static Refusal DiagnosisBeforeWaitingPeriodEnd(DateOnly waitingEnd) =>
        new("DIAGNOSIS_BEFORE_WAITING_PERIOD_END", $"确诊日期须在等待期结束（{waitingEnd:yyyy-MM-dd}）之后。", $"The diagnosis must be confirmed after the waiting period ended ({waitingEnd:yyyy-MM-dd}).");
    public static readonly Refusal FirstDiagnosisMissing =
        new("FIRST_DIAGNOSIS_MISSING", "需在等待期后初次确诊恶性肿瘤。", "A first malignant-tumour diagnosis after the waiting period is required.");
    public static Refusal QuotaExhausted(int quota, bool perPolicyYear) => perPolicyYear
        ? new("QUOTA_EXHAUSTED", $"本服务每个保单年度限 {quota} 次，已用完。", $"This service is limited to {quota} per policy year and has been used up.")
        : new("QUOTA_EXHAUSTED", $"本服务每个保险期间限 {quota} 次，已用完。", $"This service is limited to {quota} per policy period and has been used up.");
    public static Refusal HospitalNotCovered(string list) =>
        new("HOSPITAL_NOT_COVERED", $"所选医院不在{list}内。", $"The hospital is not on the service's hospital list ({list}).");
    public static readonly Refusal HospitalRequired =
        new("HOSPITAL_REQUIRED", "请填写就诊医院。", "Please name the hospital.");
    public static Refusal CityNotCovered(string city, string list) =>
        new("CITY_NOT_COVERED", $"“{city}”不在服务覆盖范围（{list}）内。", $"'{city}' is not covered by this service ({list}).");
    public static readonly Refusal CityRequired =
        new("CITY_REQUIRED", "请填写服务城市。", "Please name the city.");
    public static readonly Refusal DrugNotListed =
        new("DRUG_NOT_LISTED", "所申请药品不在特药清单内。", "The drug is not on the specialty-drug list.");
    public static readonly Refusal PrescriptionTooLong =
        new("PRESCRIPTION_TOO_LONG", "每次处方剂量不得超过1个月。", "A prescription may cover at most one month.");
    public static readonly Refusal PrescriptionOutsidePolicy =
        new("PRESCRIPTION_OUTSIDE_POLICY", "处方须在保险期间内开具，且购药不晚于合同终止日次日起30日。", "The prescription must be issued within the policy period and used within 30 days after it ends.");
    public static Refusal PrescriptionDetailsRequired(string fieldsZh, string fieldsEn) =>
        new("PRESCRIPTION_DETAILS_REQUIRED", $"预约购药须填写处方信息：{fieldsZh}。", $"A reservation purchase needs the prescription's details: {fieldsEn}.");
    public static readonly Refusal PrescriptionInFuture =
        new("PRESCRIPTION_IN_FUTURE", "处方开具日期不能晚于申请当天。", "The prescription cannot be dated after the day of the application.");
    public static readonly Refusal ContinuationNeedsCourseUnderWay =
        new("CONTINUATION_NEEDS_COURSE_UNDER_WAY", "合同终止后30日内的延续购药仅限保险期间内已在服用、合同终止日仍需服用的同一药品。",
            "The 30 days after the policy ends cover only a drug already being taken under the policy and still needed on its last day.");
    public static readonly Refusal DiagnosisAfterPolicyEnd =
        new("DIAGNOSIS_AFTER_POLICY_END", "本保险仅承担保险期间内初次确诊的恶性肿瘤，保险期间结束后确诊的不在服务范围内。",
            "Only a malignant tumour first diagnosed within the insurance period is covered.");
    public static readonly Refusal GreenChannelNeedsRefusedPrescription =
        new("GREEN_CHANNEL_NEEDS_REFUSED_PRESCRIPTION", "门诊绿色通道仅在处方审核未通过后提供。", "The green channel is offered only after a prescription review was refused.");
    public static readonly Refusal ReviewResultNotAccepted =
        new("REVIEW_RESULT_NOT_ACCEPTED", "门诊绿色通道需您认可处方审核结果（acceptsReviewResult）。", "The green channel needs you to accept the prescription review's result (acceptsReviewResult).");
    public static readonly Refusal ApplicantNotEntitled =
        new("APPLICANT_NOT_ENTITLED", "仅被保险人本人或其监护人/代理人可申请。", "Only the insured, or their guardian or agent, may apply.");
    public static readonly Refusal ProofRequired =
        new("PROOF_REQUIRED", "监护人或代理人申请须上传监护关系或授权委托证明。", "A guardian or agent must attach proof of guardianship or a power of attorney.");

    /// <summary>What would change the answer, for the member, by refusal code (null when nothing the member can do would).</summary>
    public static (string Zh, string En)? Remedy(string code) => code switch
    {
        "SERVICE_NOT_IN_POLICY" => ("请选择您保单所含的服务。", "Choose a service your policy includes."),
        "POLICY_NOT_IN_FORCE" => ("续保或在保单有效期内再申请。", "Renew the policy, or apply while it is in force."),
        "COOLING_OFF_PERIOD" or "WAITING_PERIOD" => ("请在上面所写日期当天或之后再申请。", "Apply again on or after the date given above."),
        "OPTIONAL_COVER_MISSING" => ("投保特定药品费用医疗保险金可选责任后可申请。", "It becomes available once the optional specialty-drug cover is bought."),
        "RECURRENCE_NOT_CONFIRMED" => ("确诊复发或转移后，请联系保险公司登记诊断，再申请。", "Once a recurrence or metastasis is confirmed and recorded by the insurer, apply again."),
        "DIAGNOSIS_BEFORE_WAITING_PERIOD_END" => ("仅等待期结束后确诊的复发或转移可使用本服务。", "Only a diagnosis made after the waiting period qualifies."),
        "FIRST_DIAGNOSIS_MISSING" => ("等待期后确诊并经保险公司登记后可申请。", "Apply once a diagnosis after the waiting period is recorded by the insurer."),
        "QUOTA_EXHAUSTED" => ("次数在下一个保单年度或续保后恢复。", "Uses come back in the next policy year or after renewal."),
        "HOSPITAL_NOT_COVERED" or "HOSPITAL_REQUIRED" => ("请从服务的医院列表中选择医院后重新申请。", "Apply again choosing a hospital from the service's list."),
        "CITY_NOT_COVERED" or "CITY_REQUIRED" => ("请选择服务覆盖的城市后重新申请。", "Apply again choosing a covered city."),
        "DRUG_NOT_LISTED" => ("请从特药清单中选择药品后重新申请。", "Apply again choosing a drug from the list."),
        "PRESCRIPTION_TOO_LONG" => ("请医生开具不超过1个月用量的处方后重新申请。", "Ask the doctor for a prescription of at most one month and apply again."),
        "PRESCRIPTION_OUTSIDE_POLICY" => ("请使用保险期间内开具的处方，并在合同终止后30日内购药。", "Use a prescription issued while the policy was in force, within 30 days after it ends."),
        "PRESCRIPTION_DETAILS_REQUIRED" => ("请填写药品、处方开具日期和处方用药天数后重新申请。", "Apply again with the drug, the prescription date and the days it covers."),
        "PRESCRIPTION_IN_FUTURE" => ("请填写处方上的实际开具日期。", "Enter the date the prescription was actually issued."),
        "CONTINUATION_NEEDS_COURSE_UNDER_WAY" => ("续保后可按新保单申请。", "Once the policy is renewed, apply under the new policy."),
        "GREEN_CHANNEL_NEEDS_REFUSED_PRESCRIPTION" => ("如处方审核未通过，可再申请门诊绿色通道。", "If a prescription review is refused, the green channel becomes available."),
        "REVIEW_RESULT_NOT_ACCEPTED" => ("确认认可处方审核结果后重新申请。", "Apply again confirming that you accept the review result."),
        "APPLICANT_NOT_ENTITLED" => ("请由被保险人本人或保单上登记的监护人/代理人申请。", "The insured, or the guardian or agent on the policy, must apply."),
        "PROOF_REQUIRED" => ("上传监护关系证明或授权委托书后重新申请。", "Attach the proof of guardianship or power of attorney and apply again."),
        _ => null,
    };
}
