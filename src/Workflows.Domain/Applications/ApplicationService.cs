using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Activities;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Applications;

/// <summary>A refusal of the request itself (before any workflow runs), with the HTTP status that fits it.</summary>
public sealed class ApplicationRequestException(int status, string title, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
}

/// <summary>
/// Members' applications: apply (starts the service's published workflow, which judges eligibility), see state and
/// timeline, cancel (the notice rule decides whether the quota comes back), list, remaining quotas.
/// A member sees only applications and policies where they are the insured or the guardian/agent; anything else is "not found".
/// </summary>
public sealed class ApplicationService(DomainDbContext db, WorkflowRuntime runtime, ServiceCatalogue catalogue, BusinessCalendar calendar, TimeProvider clock)
{
    public sealed record ApplyRequest(string? ServiceCode, string? PolicyNumber, ApplicationDetails? Details);

    public async Task<ApplicationView> ApplyAsync(string user, ApplyRequest request, string? idempotencyKey, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(request.ServiceCode) || !catalogue.TryGet(request.ServiceCode, out var service))
            throw new ApplicationRequestException(400, "Unknown service",
                $"'{request.ServiceCode}' is not a service; use one of: {string.Join(", ", catalogue.Services.Select(s => s.Code).Order())}.");
        var policy = await MyPolicies(user).FirstOrDefaultAsync(p => p.PolicyNumber == request.PolicyNumber, ct)
                     ?? throw new ApplicationRequestException(404, "Not found", $"You have no policy numbered '{request.PolicyNumber}'.");
        var details = Validate(request.Details ?? new ApplicationDetails());
        var role = policy.InsuredUserName == user ? "insured" : policy.GuardianRelation == "agent" ? "agent" : "guardian";
        var id = await StartAsync(policy, service, user, role, details, ApplicationChannels.App, clock.GetUtcNow(), null, new Actor(user, "Member"), idempotencyKey, ct);
        return (await GetAsync(user, id, ct))!;
    }

    public sealed record PhoneApplication(string? PolicyNumber, string? ServiceCode, string? Channel, DateTimeOffset? ReceivedAt, string? CallerRole, ApplicationDetails? Details);

    /// <summary>
    /// A specialist files an application for a member who called a hotline: the channel and the time the call was
    /// received are kept on the application, and the SLAs of the tasks it opens count from that time. The applicant is the
    /// insured's (or guardian's) account when they have one. Returns the application's id.
    /// </summary>
    public async Task<string> FileForMemberAsync(PhoneApplication request, Actor staff, string? idempotencyKey, CancellationToken ct = default)
    {
        static ApplicationRequestException Bad(string zh, string en) => new(400, "申请信息有误 / Invalid application", $"{zh} {en}");
        if (string.IsNullOrWhiteSpace(request.ServiceCode) || !catalogue.TryGet(request.ServiceCode, out var service))
            throw Bad($"“{request.ServiceCode}”不是可申请的服务。", $"serviceCode: '{request.ServiceCode}' is not a service; use one of: {string.Join(", ", catalogue.Services.Select(s => s.Code).Order())}.");
        var channel = ApplicationChannels.Find(request.Channel);
        if (channel is null || !channel.ByPhone)
            throw Bad("请选择受理渠道。", $"channel: use one of {string.Join(", ", ApplicationChannels.All.Where(c => c.ByPhone).Select(c => c.Code))}.");
        var now = clock.GetUtcNow();
        if (request.ReceivedAt is not { } received) throw Bad("请填写来电时间。", "receivedAt: when the call was received is required (yyyy-MM-dd HH:mm, Beijing time).");
        if (received > now.AddMinutes(1)) throw Bad("来电时间不能晚于现在。", "receivedAt: the call cannot have been received in the future.");
        if (received < now.AddDays(-30)) throw Bad("来电时间不能早于 30 天前。", "receivedAt: a call more than 30 days ago cannot be filed as received then.");
        if (request.CallerRole is not (null or "insured" or "guardian" or "agent"))
            throw Bad("来电人身份只能是被保险人、监护人或代理人。", "callerRole: insured, guardian or agent.");
        var policy = await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.PolicyNumber == request.PolicyNumber, ct)
                     ?? throw new ApplicationRequestException(404, "Not found", $"没有保单号为“{request.PolicyNumber}”的保单。 There is no policy numbered '{request.PolicyNumber}'.");
        if (channel.Insurer is { } insurer && insurer != policy.Insurer)
            throw Bad($"{channel.NameZh}不受理该保单的服务。", $"channel: {channel.NameEn} does not take applications for {policy.Insurer} policies.");
        var details = Validate(request.Details ?? new ApplicationDetails());
        var applicant = (request.CallerRole is "guardian" or "agent" ? policy.GuardianUserName : policy.InsuredUserName) ?? "";
        return await StartAsync(policy, service, applicant, request.CallerRole ?? "insured", details, channel.Code, received < now ? received : now, staff.Id, staff,
            idempotencyKey is null ? null : $"phone:{staff.Id}:{idempotencyKey}", ct);
    }

    private async Task<string> StartAsync(Policies.Policy policy, ServiceDefinition service, string applicant, string role, ApplicationDetails details,
        string channel, DateTimeOffset receivedAt, string? filedBy, Actor actor, string? idempotencyKey, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var applicationId = Guid.CreateVersion7().ToString("N");
            var input = new ApplicationInput(applicationId, policy.PolicyNumber, service.Code, applicant, role, details, channel, receivedAt).ToJson();
            var create = new StepEffect(ApplicationEffects.Create, new()
            {
                ["applicationId"] = applicationId, ["policyId"] = policy.Id, ["policyNumber"] = policy.PolicyNumber, ["serviceCode"] = service.Code,
                ["applicant"] = applicant, ["applicantRole"] = role, ["details"] = JsonSerializer.SerializeToNode(details, ApplicationInput.Json),
                ["channel"] = channel, ["receivedAt"] = receivedAt.ToString("O"), ["filedBy"] = filedBy,
            }, "apply");
            try
            {
                var result = await runtime.StartAsync(service.Code, JsonSerializer.SerializeToElement(input), actor, applicationId, idempotencyKey, ct, [create]);
                return result.Replayed ? await db.Applications.Where(a => a.InstanceId == result.InstanceId).Select(a => a.Id).FirstAsync(ct) : applicationId;
            }
            catch (EffectRefusedException e) when (e.Code == "QUOTA_EXHAUSTED" && attempt == 1)
            {
                // Another application took the last use between the check and the commit: judge again, now seeing it.
            }
            catch (WorkflowNotFoundException)
            {
                throw new ApplicationRequestException(503, "Service unavailable", $"The service '{service.NameEn}' is not open for applications right now.");
            }
        }
    }

    public async Task<ApplicationView?> GetAsync(string user, string applicationId, CancellationToken ct = default)
    {
        var app = await MyApplications(user).FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        var timeline = await db.ApplicationEvents.AsNoTracking().Where(e => e.ApplicationId == app.Id).OrderBy(e => e.Id)
            .Select(e => new TimelineEntry(e.At, e.Status, e.MessageZh, e.MessageEn)).ToListAsync(ct);
        return View(app, timeline);
    }

    public async Task<IReadOnlyList<ApplicationView>> ListAsync(string user, CancellationToken ct = default) =>
        (await MyApplications(user).OrderByDescending(a => a.CreatedAt).Take(500).ToListAsync(ct)).Select(a => View(a, [])).ToList();

    public sealed record CancelResult(ApplicationView Application, bool QuotaRestored, int? NoticeRequiredWorkingDays, int? NoticeGivenWorkingDays, string ExplanationZh, string ExplanationEn);

    /// <summary>
    /// Cancels an application. With an appointment booked, a cancellation at least the service's notice period ahead
    /// (1 or 3 working days, counted on the business calendar) gives the quota back; a later one uses it up.
    /// </summary>
    public async Task<CancelResult?> CancelAsync(string user, string applicationId, string? idempotencyKey, CancellationToken ct = default)
    {
        var app = await MyApplications(user).FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        if (ApplicationStatus.Final.Contains(app.Status))
            throw new ApplicationRequestException(409, "Already ended", $"The application is already {app.Status}; it cannot be cancelled.");
        catalogue.TryGet(app.ServiceCode, out var service);
        var notice = service?.CancellationNoticeWorkingDays;
        var today = calendar.LocalDate(clock.GetUtcNow());
        int? given = app.AppointmentAt is { } at ? calendar.WorkingDaysBetween(today, calendar.LocalDate(at)) : null;
        // Gene testing counts as used only once the sample is taken (C 739-741): before that, a cancellation gives it back.
        var usedOnlyWhenSampled = service?.QuotaConsumedWhen.Contains("sample-taken") == true;
        var restored = usedOnlyWhenSampled || given is null || notice is null || given >= notice;
        var (zh, en) = (given, notice, restored) switch
        {
            _ when usedOnlyWhenSampled => ("申请已取消（尚未采样），服务次数已退回。", "Cancelled before the sample was taken; the use was given back."),
            (null, _, _) => ("申请已取消（尚未预约），服务次数已退回。", "Cancelled before any booking; the use was given back."),
            (_, null, _) => ("申请已取消，服务次数已退回。", "Cancelled; the use was given back."),
            (_, _, true) => ($"已提前 {given} 个工作日取消（须至少提前 {notice} 个），服务次数已退回。", $"Cancelled {given} working days ahead (at least {notice} required); the use was given back."),
            _ => ($"取消时距预约仅 {given} 个工作日（须至少提前 {notice} 个），本次服务视为已使用。", $"Cancelled only {given} working days ahead (at least {notice} required); the use counts as taken."),
        };
        await runtime.CancelAsync(app.InstanceId, "Cancelled by the member", new Actor(user, "Member"),
        [
            // The instance's correlation id is the application's id, so the effects need not name it.
            new StepEffect(restored ? ApplicationEffects.ReleaseQuota : ApplicationEffects.ConsumeQuota, new(), "cancel"),
            new StepEffect(ApplicationEffects.Status, ApplicationEffects.StatusData(ApplicationStatus.Cancelled, zh, en), "cancel"),
        ], idempotencyKey, ct);
        return new CancelResult((await GetAsync(user, app.Id, ct))!, restored, notice, given, zh, en);
    }

    /// <summary>
    /// COC 在线咨询: the member asks their case manager a question. The text is stored encrypted; the workflow is told only
    /// that consultation N was asked, and the case manager's task shows the question to the case manager alone.
    /// </summary>
    public async Task<MemberConsultation?> AskAsync(string user, string applicationId, string? question, Policies.PersonalDataProtector protector, CancellationToken ct = default)
    {
        var app = await MyApplications(user).FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        if (app.ServiceCode != "cpic-coc-oncology-follow-up" || app.Status != ApplicationStatus.Booked)
            throw new ApplicationRequestException(409, "Not enrolled", "Questions go to your case manager once you are enrolled in COC follow-up.");
        if (string.IsNullOrWhiteSpace(question) || question.Length > 2000)
            throw new ApplicationRequestException(400, "Invalid question", "The question must have 1 to 2,000 characters.");
        var consultation = new MemberConsultation
        {
            Id = Guid.CreateVersion7().ToString("N"), ApplicationId = app.Id, AskedBy = user, QuestionProtected = protector.Protect(question), AskedAt = clock.GetUtcNow(),
        };
        db.Consultations.Add(consultation);
        await db.SaveChangesAsync(ct);
        var resumed = await runtime.TriggerEventAsync("CocConsultation", app.Id, new() { ["consultationId"] = consultation.Id }, new Actor(user, "Member"),
            $"consultation:{consultation.Id}", ct);
        if (resumed.Count == 0)
        {
            db.Consultations.Remove(consultation); // not delivered: nothing kept
            await db.SaveChangesAsync(ct);
            throw new ApplicationRequestException(409, "Busy", "Your case manager is answering your previous question; please wait for the answer.");
        }
        return consultation;
    }

    public sealed record QuotaView(string PolicyNumber, string ServiceCode, string ServiceNameZh, string ServiceNameEn, DateOnly PeriodStart, int Quota, int Used, int Remaining);

    public async Task<IReadOnlyList<QuotaView>> QuotasAsync(string user, CancellationToken ct = default)
    {
        var today = calendar.LocalDate(clock.GetUtcNow());
        var result = new List<QuotaView>();
        foreach (var policy in await MyPolicies(user).ToListAsync(ct))
        {
            foreach (var service in catalogue.Services.Where(s => s.Insurer == policy.Insurer && s.QuotaPerPolicyPeriod is not null).OrderBy(s => s.Code))
            {
                var period = Eligibility.EligibilityRules.QuotaPeriodStart(policy, service, today);
                var used = await db.QuotaUses.CountAsync(q => q.PolicyId == policy.Id && q.ServiceCode == service.Code && q.PeriodStart == period && q.State != QuotaState.Released, ct);
                var quota = service.QuotaPerPolicyPeriod!.Value;
                result.Add(new QuotaView(policy.PolicyNumber, service.Code, service.NameZh, service.NameEn, period, quota, used, Math.Max(0, quota - used)));
            }
        }
        return result;
    }

    public IQueryable<Policies.Policy> MyPolicies(string user) =>
        db.Policies.AsNoTracking().Where(p => p.InsuredUserName == user || p.GuardianUserName == user);

    private IQueryable<ServiceApplication> MyApplications(string user) =>
        db.Applications.AsNoTracking().Where(a => a.ApplicantUserName == user
            || db.Policies.Any(p => p.Id == a.PolicyId && (p.InsuredUserName == user || p.GuardianUserName == user)));

    private static ApplicationDetails Validate(ApplicationDetails d)
    {
        void Max(string? value, int max, string field)
        {
            if (value is { Length: var n } && n > max)
                throw new ApplicationRequestException(400, "Invalid application", $"{field} is {n:N0} characters long; at most {max:N0} are allowed.");
        }
        Max(d.Hospital, 100, "hospital");
        Max(d.City, 50, "city");
        Max(d.Drug, 100, "drug");
        Max(d.Note, 1000, "note");
        Max(d.PreferredTime, 100, "preferredTime");
        Max(d.RefusedApplicationId, 64, "refusedApplicationId");
        if (d.PrescriptionDays is < 1) throw new ApplicationRequestException(400, "Invalid application", "prescriptionDays must be at least 1.");
        if (d.Attachments.Count > 20) throw new ApplicationRequestException(400, "Invalid application", "At most 20 attachments.");
        foreach (var a in d.Attachments)
        {
            Max(a.Kind, 50, "attachment kind");
            Max(a.FileName, 200, "attachment file name");
            Max(a.ContentType, 100, "attachment content type");
            if (a.SizeBytes is <= 0 or > 50_000_000)
                throw new ApplicationRequestException(400, "Invalid application", $"Attachment '{a.FileName}' must be between 1 byte and 50 MB.");
        }
        return d;
    }

    private ApplicationView View(ServiceApplication a, IReadOnlyList<TimelineEntry> timeline)
    {
        catalogue.TryGet(a.ServiceCode, out var s);
        return new ApplicationView(a.Id, a.PolicyNumber, a.ServiceCode, s?.NameZh ?? a.ServiceCode, s?.NameEn ?? a.ServiceCode, a.ApplicantRole, a.Status,
            a.RefusalCode is null ? null : new RefusalView(a.RefusalCode, a.RefusalMessageZh ?? "", a.RefusalMessageEn ?? ""),
            a.AppointmentAt, a.CreatedAt, a.UpdatedAt, timeline);
    }
}

public sealed record ApplicationView(string Id, string PolicyNumber, string ServiceCode, string ServiceNameZh, string ServiceNameEn, string ApplicantRole,
    string Status, RefusalView? Refusal, DateTimeOffset? AppointmentAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TimelineEntry> Timeline);

public sealed record RefusalView(string Code, string MessageZh, string MessageEn);
public sealed record TimelineEntry(DateTimeOffset At, string Status, string MessageZh, string MessageEn);
