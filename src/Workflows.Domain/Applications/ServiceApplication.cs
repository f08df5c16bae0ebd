namespace Workflows.Domain.Applications;

/// <summary>
/// A member's application for a service (服务申请): who applied for which policy and service, its state, the workflow
/// instance that carries it, and the booked appointment. Written only inside workflow steps (see <see cref="ApplicationEffects"/>).
/// </summary>
public sealed class ServiceApplication
{
    public string Id { get; set; } = "";
    public string PolicyId { get; set; } = "";
    public string PolicyNumber { get; set; } = "";
    public string ServiceCode { get; set; } = "";
    public string ApplicantUserName { get; set; } = "";
    /// <summary>insured, guardian or agent.</summary>
    public string ApplicantRole { get; set; } = "insured";
    public string Status { get; set; } = ApplicationStatus.Submitted;
    public string? RefusalCode { get; set; }
    public string? RefusalMessageZh { get; set; }
    public string? RefusalMessageEn { get; set; }
    public string InstanceId { get; set; } = "";
    /// <summary>What the member asked for (hospital, city, drug, preferred time, attachment metadata) as JSON, without personal identifiers.</summary>
    public string DetailsJson { get; set; } = "{}";
    public DateTimeOffset? AppointmentAt { get; set; }
    /// <summary>Documents staff asked the member for (请补充材料), as a JSON array; null when nothing is missing.</summary>
    public string? MissingDocumentsJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>Where it came from (<see cref="ApplicationChannels"/>): the app, or a hotline where staff filed it.</summary>
    public string Channel { get; set; } = ApplicationChannels.App;
    /// <summary>When the insurer received the request (the call's time for a phone application); SLAs count from it.</summary>
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>The staff member who filed it on the member's behalf (null for the member's own application).</summary>
    public string? FiledBy { get; set; }
    /// <summary>The reference-data version (docs/reference-data.md) the eligibility decision read; null before the decision.</summary>
    public string? ReferenceDataVersion { get; set; }
}

public static class ApplicationStatus
{
    public const string Submitted = "Submitted";
    public const string Refused = "Refused";
    public const string Accepted = "Accepted";
    public const string Contacted = "Contacted";
    public const string Booked = "Booked";
    /// <summary>服务中: a service that is not an appointment is under way (materials with the expert, slides at the hospital, a rehab programme).</summary>
    public const string InProgress = "InProgress";
    /// <summary>待您确认: the member is asked to confirm something in the portal (e.g. a fee they pay themselves) before the service goes on.</summary>
    public const string AwaitingConfirmation = "AwaitingConfirmation";
    public const string Completed = "Completed";
    public const string NoShow = "NoShow";
    public const string Cancelled = "Cancelled";
    public static readonly string[] Final = [Refused, Completed, NoShow, Cancelled];
}

/// <summary>One line of an application's timeline as the member sees it.</summary>
public sealed class ApplicationEvent
{
    public long Id { get; set; }
    public string ApplicationId { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string Status { get; set; } = "";
    public string MessageZh { get; set; } = "";
    public string MessageEn { get; set; } = "";
}

/// <summary>
/// The quota ledger (服务次数): one row per application that holds a use of a limited service. Reserved when the
/// application is accepted, Consumed on completion / no-show / late cancellation / sampling, Released on a timely cancellation.
/// </summary>
public sealed class QuotaUse
{
    public long Id { get; set; }
    public string PolicyId { get; set; } = "";
    public string ServiceCode { get; set; } = "";
    /// <summary>The quota period's first day: the policy's effective date, or the policy year's start.</summary>
    public DateOnly PeriodStart { get; set; }
    public string ApplicationId { get; set; } = "";
    public string State { get; set; } = QuotaState.Reserved;
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// How many uses of one quota (policy, service, period) are held (reserved or consumed): the one number every reader of
/// "used" reads and the reservation checks with a conditional update (see <see cref="Eligibility.QuotaLedger"/>).
/// Kept in step with <see cref="QuotaUse"/> in the same transaction.
/// </summary>
public sealed class QuotaCounter
{
    public string PolicyId { get; set; } = "";
    public string ServiceCode { get; set; } = "";
    public DateOnly PeriodStart { get; set; }
    public int Used { get; set; }
}

public static class QuotaState
{
    public const string Reserved = "Reserved";
    public const string Consumed = "Consumed";
    public const string Released = "Released";
}

/// <summary>A question a COC member asks their case manager (在线咨询). The text is personal health data and is stored encrypted.</summary>
public sealed class MemberConsultation
{
    public string Id { get; set; } = "";
    public string ApplicationId { get; set; } = "";
    public string AskedBy { get; set; } = "";
    public string QuestionProtected { get; set; } = "";
    public DateTimeOffset AskedAt { get; set; }

    /// <summary>The case manager's answer, encrypted like the question; written in the step that completes the answer task (<see cref="ApplicationEffects.AnswerConsultation"/>).</summary>
    public string? AnswerProtected { get; set; }
    public string? AnsweredBy { get; set; }
    public DateTimeOffset? AnsweredAt { get; set; }
}
