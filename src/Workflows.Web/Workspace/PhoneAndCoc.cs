using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.FollowUp;
using Workflows.Domain.Policies;
using Workflows.Engine.Activities.Forms;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Workspace;

/// <summary>Applications taken by phone: a specialist or case manager files it with the channel and the call's time.</summary>
public sealed class PhoneApplications(ApplicationService applications, ICaseService cases) : IPhoneApplications
{
    public IReadOnlyList<ChannelView> Channels { get; } =
        ApplicationChannels.All.Where(c => c.ByPhone).Select(c => new ChannelView(c.Code, c.NameZh, c.NameEn, c.Phone)).ToList();

    public async Task<CaseView> FileAsync(PhoneApplicationRequest request, ClaimsPrincipal user, string? idempotencyKey, CancellationToken ct)
    {
        var errors = new List<FormError>();
        DateTimeOffset? received = null;
        if (string.IsNullOrWhiteSpace(request.ReceivedAt))
            errors.Add(new("receivedAt", FormErrorRules.Required, "请填写来电时间（北京时间）。", "receivedAt: when the call was received is required (Beijing time)."));
        else if (TaskFormValidator.ParseDateTime(request.ReceivedAt) is { } at) received = at;
        else if (DateOnly.TryParse(request.ReceivedAt, System.Globalization.CultureInfo.InvariantCulture, out _))
            errors.Add(new("receivedAt", FormErrorRules.TimeRequired, "来电时间需要具体时间，例如 2026-11-28 09:30。", "receivedAt needs the time of the call, e.g. 2026-11-28 09:30."));
        else
            errors.Add(new("receivedAt", FormErrorRules.Type, "来电时间格式应为 yyyy-MM-dd HH:mm（北京时间）。", "receivedAt must be yyyy-MM-dd HH:mm (Beijing time)."));
        if (request.Note is { Length: > 1000 })
            errors.Add(new("note", FormErrorRules.MaxLength, "备注最多 1000 个字。", "note may have at most 1,000 characters."));
        if (errors.Count > 0) throw new FormValidationException(errors);
        if (string.IsNullOrWhiteSpace(idempotencyKey))
            throw new FormValidationException([new("Idempotency-Key", FormErrorRules.Required, "请求缺少 Idempotency-Key，重复提交时无法避免重复建单。",
                "Send an Idempotency-Key header so that a retried request does not file the application twice.")]);
        var details = request.Details ?? new ApplicationDetails();
        if (!string.IsNullOrWhiteSpace(request.Note)) details = details with { Note = request.Note.Trim() };
        var staff = user.ActorFor(Policies.FileApplications);
        var id = await applications.FileForMemberAsync(new ApplicationService.PhoneApplication(request.PolicyNumber, request.ServiceCode, request.Channel, received,
            request.CallerRole, details), staff, idempotencyKey, ct);
        return (await cases.GetAsync(id, user, ct))!;
    }
}

/// <summary>The case manager's COC workspace: enrolled members, their records and plans, open questions and alerts with their SLAs.</summary>
public sealed partial class CocWorkspaceService(IDbContextFactory<DomainDbContext> dbs, ITaskSource tasks, BusinessCalendar calendar, TimeProvider clock,
    PersonalDataProtector protector) : ICocWorkspace
{
    [GeneratedRegex(@"/api/consultations/([0-9a-f]{32})")]
    private static partial Regex ConsultationLink();

    public async Task<CocWorkspace> GetAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var apps = await (from a in db.Applications.AsNoTracking()
                          join p in db.Policies.AsNoTracking() on a.PolicyId equals p.Id
                          where a.ServiceCode == CareProgramme.CocService && (a.Status == ApplicationStatus.Booked || a.Status == ApplicationStatus.Accepted)
                          orderby a.ReceivedAt
                          select new { a.Id, a.PolicyNumber, p.InsuredName, a.InstanceId, a.Status, a.ReceivedAt }).Take(1000).ToListAsync(ct);
        var ids = apps.Select(a => a.Id).ToList();
        var records = await db.CareRecords.AsNoTracking().Where(r => ids.Contains(r.ApplicationId)).GroupBy(r => r.ApplicationId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var plans = await db.MedicationPlans.AsNoTracking().Where(r => ids.Contains(r.ApplicationId)).GroupBy(r => r.ApplicationId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var summaries = await db.MonthlySummaries.AsNoTracking().Where(r => ids.Contains(r.ApplicationId)).GroupBy(r => r.ApplicationId)
            .Select(g => new { g.Key, Month = g.Max(s => s.Month) }).ToDictionaryAsync(x => x.Key, x => x.Month, ct);
        var enrolledAt = await db.ApplicationEvents.AsNoTracking().Where(e => ids.Contains(e.ApplicationId) && e.Status == ApplicationStatus.Booked)
            .GroupBy(e => e.ApplicationId).Select(g => new { g.Key, At = g.Min(e => e.At) }).ToDictionaryAsync(x => x.Key, x => x.At, ct);
        var named = await CocCare.CurrentOfAsync(db, ids, ct);
        var open = (await tasks.OpenForInstancesAsync(apps.Select(a => a.InstanceId).ToList(), ct)).ToLookup(t => t.InstanceId);
        var now = clock.GetUtcNow();

        var members = apps.Select(a =>
        {
            var items = open[a.InstanceId].Select(t =>
            {
                double? left = t.DueAt is { } due ? Math.Round(calendar.Between(now, due, ServiceTimeLeft.Named(t.Hours)).TotalMinutes, 1) : null;
                var kind = t.ActivityType switch { "Health.Consultation" => "question", "Health.ServiceTask" => "alert", _ => "intake" };
                var consultation = t.Instructions is { } text && ConsultationLink().Match(text) is { Success: true } m ? m.Groups[1].Value : null;
                return new CocOpenItem(t.Id, kind, t.Title, t.CreatedAt, t.DueAt, left, left < 0, t.EscalatedTo, consultation);
            }).OrderBy(i => i.DueAt ?? DateTimeOffset.MaxValue).ToList();
            return new CocMember(a.Id, a.PolicyNumber, PersonalDataProtector.MaskName(a.InsuredName), enrolledAt.GetValueOrDefault(a.Id, a.ReceivedAt), a.Status,
                records.GetValueOrDefault(a.Id), plans.GetValueOrDefault(a.Id), items, summaries.GetValueOrDefault(a.Id),
                named.GetValueOrDefault(a.Id)?.CaseManager, named.GetValueOrDefault(a.Id)?.CaseManagerName);
        })
        // Whoever has the most urgent open item first.
        .OrderBy(m => m.Open.Select(i => i.DueAt).Where(d => d is not null).DefaultIfEmpty(DateTimeOffset.MaxValue).Min())
        .ToList();
        var all = members.SelectMany(m => m.Open).ToList();
        return new CocWorkspace(members, all.Count(i => i.Kind == "question"), all.Count(i => i.Kind == "alert"), all.Count(i => i.Overdue));
    }

    public async Task<IReadOnlyList<CocConsultation>?> ConsultationsAsync(string applicationId, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (!await db.Applications.AsNoTracking().AnyAsync(a => a.Id == applicationId && a.ServiceCode == CareProgramme.CocService, ct)) return null;
        var asked = await db.Consultations.AsNoTracking().Where(c => c.ApplicationId == applicationId).ToListAsync(ct);
        var answeredEvents = await db.ApplicationEvents.AsNoTracking().Where(e => e.ApplicationId == applicationId && e.MessageZh == "已回复您的咨询。").Select(e => e.At).ToListAsync(ct);
        var ordered = asked.OrderBy(c => c.AskedAt).ToList();
        return ordered.Select((c, i) =>
        {
            var next = i + 1 < ordered.Count ? ordered[i + 1].AskedAt : DateTimeOffset.MaxValue;
            return new CocConsultation(c.Id, c.AskedAt, PersonalDataProtector.MaskContent(protector.Unprotect(c.QuestionProtected)),
                c.AnsweredAt is not null || answeredEvents.Any(a => a >= c.AskedAt && a < next),
                c.AnswerProtected is null ? null : PersonalDataProtector.MaskContent(protector.Unprotect(c.AnswerProtected)), c.AnsweredBy, c.AnsweredAt);
        }).Reverse().ToList();
    }
}
