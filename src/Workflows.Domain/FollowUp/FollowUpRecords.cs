namespace Workflows.Domain.FollowUp;

/// <summary>
/// A message to a member or a staff group, kept in the notification outbox (通知): every message is stored before it is
/// sent, so staff can see what went out, and a channel adapter (SMS, WeChat template message, e-mail) delivers it once.
/// The text is encrypted at rest (it may name a drug or a service, which is health information).
/// </summary>
public sealed class Notification
{
    public string Id { get; set; } = "";
    /// <summary>What the message is about, unique: the same reminder or escalation is never stored (or sent) twice.</summary>
    public string Key { get; set; } = "";
    /// <summary>Inbox (the back office's own outbox, the embedded default), Sms, WeChat or Email.</summary>
    public string Channel { get; set; } = NotificationChannels.Inbox;
    public string? RecipientUserName { get; set; }
    /// <summary>A staff group (role), e.g. Supervisor for escalations.</summary>
    public string? RecipientRole { get; set; }
    /// <summary>appointment-reminder, cancellation-deadline, medication-reminder, missing-documents, sla-breach, monthly-summary.</summary>
    public string Template { get; set; } = "";
    public string TextProtected { get; set; } = "";
    public string? ApplicationId { get; set; }
    public string? InstanceId { get; set; }
    /// <summary>Pending until the channel took it, then Sent.</summary>
    public string State { get; set; } = NotificationStates.Pending;
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public string? ProviderMessageId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
}

public static class NotificationChannels
{
    public const string Inbox = "Inbox";
    public const string Sms = "Sms";
    public const string WeChat = "WeChat";
    public const string Email = "Email";
}

public static class NotificationStates
{
    public const string Pending = "Pending";
    public const string Sent = "Sent";
}

/// <summary>A task that was still open at its service-level deadline (SLA 超时), counted on the SLA report.</summary>
public sealed class SlaBreach
{
    public string BookmarkId { get; set; } = "";
    public string InstanceId { get; set; } = "";
    public string? ApplicationId { get; set; }
    /// <summary>The workflow (service) the task belongs to.</summary>
    public string DefinitionId { get; set; } = "";
    public string ActivityType { get; set; } = "";
    public string TaskTitle { get; set; } = "";
    public string Role { get; set; } = "";
    public string EscalatedTo { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset BreachedAt { get; set; }
}

/// <summary>
/// An entry of a COC member's treatment record (治疗档案): a treatment, a test, a medical document or a reimbursement
/// item, on a date. The monthly summary lists the month's entries. The title is encrypted at rest.
/// </summary>
public sealed class CareRecord
{
    public string Id { get; set; } = "";
    public string ApplicationId { get; set; } = "";
    /// <summary>Treatment, Test, Document or Reimbursement.</summary>
    public string Kind { get; set; } = "";
    public DateOnly OccurredOn { get; set; }
    public string TitleProtected { get; set; } = "";
    public string RecordedBy { get; set; } = "";
    public DateTimeOffset RecordedAt { get; set; }
}

public static class CareRecordKinds
{
    public const string Treatment = "Treatment";
    public const string Test = "Test";
    public const string Document = "Document";
    public const string Reimbursement = "Reimbursement";
    public static readonly string[] All = [Treatment, Test, Document, Reimbursement];
}

/// <summary>An oral-drug calendar (院外用药日历) the case manager sets up: the member is reminded at each dose time.</summary>
public sealed class MedicationPlan
{
    public string Id { get; set; } = "";
    public string ApplicationId { get; set; } = "";
    public string DrugProtected { get; set; } = "";
    /// <summary>Local (Asia/Shanghai) dose times, e.g. "08:00,20:00".</summary>
    public string TimesOfDay { get; set; } = "";
    public DateOnly StartsOn { get; set; }
    public DateOnly EndsOn { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The month's summary for one COC member (每月治疗、检查、医疗材料或保险报销事项清单); one per member and month.</summary>
public sealed class MonthlySummary
{
    public string Id { get; set; } = "";
    public string ApplicationId { get; set; } = "";
    /// <summary>yyyy-MM.</summary>
    public string Month { get; set; } = "";
    public string MemberUserName { get; set; } = "";
    public string ContentProtected { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
