using System.Security.Claims;
using System.Text.Json.Nodes;
using Workflows.Engine.Activities.Forms;

namespace Workflows.Web.Workspace;

// The staff workspace's contract: task forms, the case view, case search, applications taken by phone and the COC
// workspace. The Blazor screens call the interfaces directly (same process); the REST routes below serve the same
// records. Dates are UTC instants (DateTimeOffset) or Beijing dates (DateOnly); the UI shows them in Asia/Shanghai.

/// <summary>The REST routes of the workspace (all under the policies named in docs/workspace-forms.md).</summary>
public static class WorkspaceRoutes
{
    public const string TaskForm = "/api/tasks/{taskId}/form";                  // GET  → TaskFormView
    public const string TaskOptions = "/api/tasks/{taskId}/options/{field}";   // GET  ?q=&take= → FormOption[]
    public const string TaskValidate = "/api/tasks/{taskId}/validate";         // POST {outcome,data} → FormCheck (200 even when invalid)
    public const string TaskCase = "/api/tasks/{taskId}/case";                  // GET  → CaseView
    public const string Cases = "/api/cases";                                   // GET  CaseQuery → CasePage
    public const string Case = "/api/cases/{applicationId}";                    // GET  → CaseView
    public const string Reveal = "/api/cases/{applicationId}/reveal";           // POST RevealRequest → RevealResult
    public const string PhoneApplications = "/api/phone-applications";          // POST PhoneApplicationRequest → CaseView (201)
    public const string Channels = "/api/phone-applications/channels";          // GET  → ChannelView[]
    public const string CocWorkspace = "/api/coc/workspace";                    // GET  → CocWorkspace
}

// ---------------------------------------------------------------- task forms

/// <summary>A task's form with what the UI needs around it: the task, the prefilled values, the case it belongs to.</summary>
public sealed record TaskFormView(string TaskId, string Title, string? Instructions, string Role, DateTimeOffset? DueAt,
    string? ApplicationId, string? ServiceCode, TaskForm Form, JsonObject Prefill);

/// <summary>The result of checking a completion without running it.</summary>
public sealed record FormCheck(bool Valid, IReadOnlyList<FormError> Errors);

public interface ITaskForms
{
    /// <summary>The form of an open task the user may work; null if there is no such task (or it is not theirs to work).</summary>
    Task<TaskFormView?> GetAsync(string taskId, ClaimsPrincipal user, CancellationToken ct);

    /// <summary>Type-ahead for a Hospital/City/Drug field of the task, from its service's list; null if no such task or field.</summary>
    Task<IReadOnlyList<FormOption>?> OptionsAsync(string taskId, string field, string? query, int take, ClaimsPrincipal user, CancellationToken ct);

    /// <summary>Checks a completion against the form (types, required per outcome, options, policy end, past) without running anything.</summary>
    Task<FormCheck?> CheckAsync(string taskId, string? outcome, JsonObject? data, ClaimsPrincipal user, CancellationToken ct);
}

// ---------------------------------------------------------------- case view

/// <summary>Where an application came from.</summary>
public sealed record ChannelView(string Code, string NameZh, string NameEn, string? Phone);

/// <summary>The member as staff see them: masked unless revealed (a reveal needs a reason and is in the access trail).</summary>
public sealed record CaseMember(string NameMasked, string IdNumberMasked, string? PhoneMasked, DateOnly? BirthDate, string? UserName,
    string? GuardianNameMasked, string? GuardianRelation, string ApplicantRole);

/// <summary>The policy and the service's entitlement under it: quota used and left in the current period, and the first day it may be used.</summary>
public sealed record CasePolicy(string PolicyNumber, string Insurer, string Product, string? Variant, DateOnly EffectiveDate, DateOnly EndDate,
    bool SpecialtyDrugCover, int? Quota, int Used, int? Left, DateOnly? PeriodStart, DateOnly UsableFrom, CaseDirectBilling? DirectBilling = null);

/// <summary>CPIC 特药垫付 on the case: the policy's specialty-drug sum insured (from the feed, or the DirectBilling:DefaultSumInsured setting), advanced so far, left (元).</summary>
public sealed record CaseDirectBilling(decimal SumInsured, bool FromFeed, decimal Advanced, decimal Left);

/// <summary>The eligibility check's decision: Eligible, NotEligible (with the reason) or Pending.</summary>
/// <summary>The eligibility decision; <paramref name="ReferenceDataVersion"/> is the reference-data version it read.</summary>
public sealed record CaseEligibility(string Decision, string? Code, string? MessageZh, string? MessageEn, DateTimeOffset? At, string? ReferenceDataVersion = null);

public sealed record CaseTimelineEntry(DateTimeOffset At, string Status, string MessageZh, string MessageEn);

/// <summary>A document: received (with the member's application or sent later) or asked for and still missing.</summary>
/// <summary>A document of the case; its file name is masked by content, <see cref="FileNameReference"/> reveals it (with a reason).</summary>
public sealed record CaseDocument(string Name, string State, string? FileName, long? SizeBytes, string? FileNameReference = null);

/// <summary>A task of the case: open (with its SLA) or done (who, when, outcome, note). The note is masked by content;
/// <see cref="NoteReference"/> is what a reveal (with a reason) names to read it whole.</summary>
public sealed record CaseTask(string Id, string ActivityId, string Title, string Role, string State, DateTimeOffset CreatedAt, DateTimeOffset? DueAt,
    DateTimeOffset? CompletedAt, string? CompletedBy, string? Outcome, string? OutcomeZh, string? Note, string? EscalatedTo, string? NoteReference = null);

/// <summary>
/// The SLA countdown of an open task: due time, and the service time left on the service's hours (negative when
/// overdue), counted on the business calendar.
/// </summary>
public sealed record CaseSla(string TaskId, DateTimeOffset DueAt, string Hours, double WorkingMinutesLeft, bool Overdue, string TextZh, string TextEn);

/// <summary>What the handbook says for this step: the task's instructions, the service's required documents and notes.</summary>
public sealed record CaseInstructions(string? Step, string? TaskInstructions, IReadOnlyList<string> RequiredDocuments, IReadOnlyList<string> Notes,
    IReadOnlyList<string> Steps);

public sealed record CaseView(
    string ApplicationId, string InstanceId, string ServiceCode, string ServiceNameZh, string ServiceNameEn, string Status,
    ChannelView Channel, DateTimeOffset ReceivedAt, string? FiledBy, DateTimeOffset CreatedAt, DateTimeOffset? AppointmentAt,
    JsonObject Details, CaseMember Member, CasePolicy Policy, CaseEligibility Eligibility, IReadOnlyList<CaseTimelineEntry> Timeline,
    IReadOnlyList<CaseDocument> Documents, IReadOnlyList<CaseTask> Tasks, IReadOnlyList<CaseSla> Slas, CaseInstructions Instructions);

/// <summary>Reveal one masked value: "idNumber", "phone", "guardianIdNumber", "guardianPhone" or "name"; the reason is kept in the access trail.</summary>
public sealed record RevealRequest(string? Field, string? Reason);
public sealed record RevealResult(string Field, string Value, DateTimeOffset RevealedAt);

// ---------------------------------------------------------------- case search

/// <summary>
/// Case search. <see cref="MemberName"/> matches the whole name exactly, or its masked form (张*, 张**); results show
/// the masked name only. Dates are Beijing dates of receipt (inclusive). Keyset paging: pass the last page's <see cref="CasePage.Next"/>.
/// </summary>
public sealed record CaseQuery(string? PolicyNumber = null, string? MemberName = null, string? Service = null, string? Status = null,
    DateOnly? From = null, DateOnly? To = null, string? Channel = null, string? After = null, int PageSize = 50);

public sealed record CaseSummary(string ApplicationId, string PolicyNumber, string MemberNameMasked, string ServiceCode, string ServiceNameZh,
    string ServiceNameEn, string Status, string Channel, DateTimeOffset ReceivedAt, DateTimeOffset UpdatedAt, DateTimeOffset? AppointmentAt);

/// <summary>A page of cases, newest receipt first; <see cref="Next"/> is the cursor of the next page (null on the last).</summary>
public sealed record CasePage(IReadOnlyList<CaseSummary> Items, string? Next, int Total);

public interface ICaseService
{
    Task<CaseView?> GetAsync(string applicationId, ClaimsPrincipal user, CancellationToken ct);
    Task<CaseView?> ForTaskAsync(string taskId, ClaimsPrincipal user, CancellationToken ct);
    /// <summary>Decrypts one value for the user; the field and the reason go to the access trail. Null if there is no such case.</summary>
    Task<RevealResult?> RevealAsync(string applicationId, RevealRequest request, ClaimsPrincipal user, CancellationToken ct);
    Task<CasePage> SearchAsync(CaseQuery query, ClaimsPrincipal user, CancellationToken ct);
}

// ---------------------------------------------------------------- applications taken by phone

/// <summary>
/// An application a specialist files for a member who called: the channel (<see cref="ChannelView.Code"/>), when the call
/// was received (Beijing time or ISO 8601; not in the future, at most 30 days ago), and who called (insured, guardian, agent).
/// </summary>
public sealed record PhoneApplicationRequest(string? PolicyNumber, string? ServiceCode, string? Channel, string? ReceivedAt, string? CallerRole,
    Workflows.Domain.Applications.ApplicationDetails? Details, string? Note);

public interface IPhoneApplications
{
    IReadOnlyList<ChannelView> Channels { get; }
    Task<CaseView> FileAsync(PhoneApplicationRequest request, ClaimsPrincipal user, string? idempotencyKey, CancellationToken ct);
}

// ---------------------------------------------------------------- COC workspace

/// <summary>An open COC question or alert, with its service-time SLA deadline.</summary>
public sealed record CocOpenItem(string TaskId, string Kind, string Title, DateTimeOffset CreatedAt, DateTimeOffset? DueAt, double? WorkingMinutesLeft,
    bool Overdue, string? EscalatedTo, string? ConsultationId);

/// <param name="CaseManager">The member's named 1-to-1 case manager (user name), null while none is named.</param>
/// <param name="CaseManagerName">Their display name.</param>
public sealed record CocMember(string ApplicationId, string PolicyNumber, string MemberNameMasked, DateTimeOffset EnrolledAt, string Status,
    int Records, int MedicationPlans, IReadOnlyList<CocOpenItem> Open, string? LastSummaryMonth, string? CaseManager = null, string? CaseManagerName = null);

public sealed record CocWorkspace(IReadOnlyList<CocMember> Members, int OpenQuestions, int OpenAlerts, int Overdue);

/// <summary>One COC question in the case manager's history, masked by content (ID numbers, phones); AnswerMasked is null until answered.</summary>
public sealed record CocConsultation(string Id, DateTimeOffset AskedAt, string QuestionMasked, bool Answered, string? AnswerMasked, string? AnsweredBy, DateTimeOffset? AnsweredAt);

public interface ICocWorkspace
{
    Task<CocWorkspace> GetAsync(ClaimsPrincipal user, CancellationToken ct);

    /// <summary>An enrolled member's questions and answers, newest first, masked by content; null when the application is not a COC enrolment.</summary>
    Task<IReadOnlyList<CocConsultation>?> ConsultationsAsync(string applicationId, CancellationToken ct);
}
