using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Activities;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;
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
public sealed class ApplicationService(DomainDbContext db, WorkflowRuntime runtime, ServiceCatalogue catalogue, BusinessCalendar calendar, TimeProvider clock,
    Policies.PersonalDataProtector protector, Persistence.StoreConnections connections)
{
    public sealed record ApplyRequest(string? ServiceCode, string? PolicyNumber, ApplicationDetails? Details);

    public async Task<ApplicationView> ApplyAsync(string user, ApplyRequest request, string? idempotencyKey, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(request.ServiceCode) || !catalogue.TryGet(request.ServiceCode, out var service))
            throw new ApplicationRequestException(400, "Unknown service",
                $"'{request.ServiceCode}' is not a service; use one of: {string.Join(", ", catalogue.Services.Select(s => s.Code).Order())}.");
        // With its diagnoses: the eligibility check of the first step judges this same read (PolicyReads). Prepared, not EF (PolicyReader).
        var policy = await Policies.PolicyReader.OfMemberWithDiagnosesAsync(connections, user, request.PolicyNumber, ct)
                     ?? throw new ApplicationRequestException(404, "Not found", $"You have no policy numbered '{request.PolicyNumber}'.");
        var details = Validate(request.Details ?? new ApplicationDetails());
        var role = policy.InsuredUserName == user ? "insured" : policy.GuardianRelation == "agent" ? "agent" : "guardian";
        var (id, result) = await StartAsync(policy, service, user, role, details, ApplicationChannels.App, clock.GetUtcNow(), null, new Actor(user, "Member"), idempotencyKey, ct);
        // A new application is answered from what its first step committed; a replayed one is read (it may have moved on since).
        return result.Replayed ? (await GetAsync(user, id, ct))! : Committed(id, result);
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
        var policy = await db.Policies.AsNoTracking().Include(p => p.Diagnoses).FirstOrDefaultAsync(p => p.PolicyNumber == request.PolicyNumber, ct)
                     ?? throw new ApplicationRequestException(404, "Not found", $"没有保单号为“{request.PolicyNumber}”的保单。 There is no policy numbered '{request.PolicyNumber}'.");
        if (channel.Insurer is { } insurer && insurer != policy.Insurer)
            throw Bad($"{channel.NameZh}不受理该保单的服务。", $"channel: {channel.NameEn} does not take applications for {policy.Insurer} policies.");
        var details = Validate(request.Details ?? new ApplicationDetails());
        var applicant = (request.CallerRole is "guardian" or "agent" ? policy.GuardianUserName : policy.InsuredUserName) ?? "";
        return (await StartAsync(policy, service, applicant, request.CallerRole ?? "insured", details, channel.Code, received < now ? received : now, staff.Id, staff,
            idempotencyKey is null ? null : $"phone:{staff.Id}:{idempotencyKey}", ct)).ApplicationId;
    }

    private async Task<(string ApplicationId, StepResult Result)> StartAsync(Policies.Policy policy, ServiceDefinition service, string applicant, string role, ApplicationDetails details,
        string channel, DateTimeOffset receivedAt, string? filedBy, Actor actor, string? idempotencyKey, CancellationToken ct)
    {
        // The command is what was asked (service, policy, applicant, channel, details), not the ids generated for it: a retry
        // with the same key and the same request is answered with the first result, the same key with another request gets 422.
        var fingerprint = $"apply:{service.Code}:{WorkflowRuntime.Digest(policy.PolicyNumber, applicant, role, channel, JsonSerializer.Serialize(details, ApplicationInput.Json))}";
        for (var attempt = 1; ; attempt++)
        {
            var applicationId = Guid.CreateVersion7().ToString("N");
            var (stored, forWorkflow) = SplitFreeText(details, applicationId);
            var input = new ApplicationInput(applicationId, policy.PolicyNumber, service.Code, applicant, role, forWorkflow, channel, receivedAt).ToJson();
            var create = new StepEffect(ApplicationEffects.Create, new()
            {
                ["applicationId"] = applicationId, ["policyId"] = policy.Id, ["policyNumber"] = policy.PolicyNumber, ["serviceCode"] = service.Code,
                ["applicant"] = applicant, ["applicantRole"] = role, ["details"] = JsonSerializer.SerializeToNode(stored, ApplicationInput.Json),
                ["channel"] = channel, ["receivedAt"] = receivedAt.ToString("O"), ["filedBy"] = filedBy,
            }, "apply");
            try
            {
                StepResult result;
                using (PolicyReads.Offer(policy)) // the eligibility check of this step uses the policy read here, not a second read
                    result = await runtime.StartAsync(service.Code, JsonSerializer.SerializeToElement(input), actor, applicationId, idempotencyKey, ct, [create], fingerprint);
                return (result.Replayed ? await db.Applications.Where(a => a.InstanceId == result.InstanceId).Select(a => a.Id).FirstAsync(ct) : applicationId, result);
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
        var faulted = await FaultedAsync([app.InstanceId], ct);
        return View(app, timeline, faulted);
    }

    /// <summary>
    /// The application as the step that created it committed it (its row and timeline, <see cref="ApplicationEffects.Project"/>),
    /// and delayed if that step faulted: the same answer <see cref="GetAsync"/> reads from the database, without reading it.
    /// </summary>
    private ApplicationView Committed(string applicationId, StepResult result)
    {
        var at = result.CommittedAt ?? clock.GetUtcNow();
        var app = new ServiceApplication();
        var timeline = new List<TimelineEntry>();
        foreach (var effect in result.CommittedEffects)
            ApplicationEffects.Project(app, timeline, effect, result.InstanceId, applicationId, at);
        var faulted = result.SubStatus == WorkflowSubStatus.Faulted
            ? new Dictionary<string, DateTimeOffset> { [result.InstanceId] = at }
            : new Dictionary<string, DateTimeOffset>();
        return View(app, timeline, faulted);
    }

    public async Task<IReadOnlyList<ApplicationView>> ListAsync(string user, CancellationToken ct = default)
    {
        var apps = await MyApplications(user).OrderByDescending(a => a.CreatedAt).Take(500).ToListAsync(ct);
        var faulted = await FaultedAsync(apps.Select(a => a.InstanceId).ToList(), ct);
        return apps.Select(a => View(a, [], faulted)).ToList();
    }

    /// <summary>
    /// Of these instances, those stopped by an incident (a faulted step) and since when: their applications are shown as
    /// delayed, whatever their last status said, until staff retry them (see the incident queue).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> FaultedAsync(IReadOnlyList<string> instanceIds, CancellationToken ct = default)
    {
        if (instanceIds.Count == 0) return new Dictionary<string, DateTimeOffset>();
        // Provider-neutral: quoted names and one parameter per id (SQLite and PostgreSQL alike; no json_each).
        var result = new Dictionary<string, DateTimeOffset>();
        foreach (var chunk in instanceIds.Distinct().Chunk(500))
        {
            var placeholders = string.Join(", ", chunk.Select((_, i) => $"{{{i}}}"));
            var sql = System.Runtime.CompilerServices.FormattableStringFactory.Create(
                $"SELECT \"Id\", \"UpdatedAt\" FROM \"WorkflowInstances\" WHERE \"SubStatus\" = 'Faulted' AND \"Id\" IN ({placeholders})", chunk.Cast<object>().ToArray());
            foreach (var r in await db.Database.SqlQuery<FaultedRow>(sql).ToListAsync(ct))
                result[r.Id] = new DateTimeOffset(r.UpdatedAt, TimeSpan.Zero);
        }
        return result;
    }

    private sealed record FaultedRow(string Id, long UpdatedAt);

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
        var outcome = await NoticeAsync(app, ct);
        var (restored, zh, en) = (outcome.QuotaRestored, outcome.ExplanationZh, outcome.ExplanationEn);
        await runtime.CancelAsync(app.InstanceId, "Cancelled by the member", new Actor(user, "Member"),
        [
            // The instance's correlation id is the application's id, so the effects need not name it.
            new StepEffect(restored ? ApplicationEffects.ReleaseQuota : ApplicationEffects.ConsumeQuota, new(), "cancel"),
            new StepEffect(ApplicationEffects.Status, ApplicationEffects.StatusData(ApplicationStatus.Cancelled, zh, en), "cancel"),
        ], idempotencyKey, ct);
        return new CancelResult((await GetAsync(user, app.Id, ct))!, restored, outcome.NoticeRequiredWorkingDays, outcome.NoticeGivenWorkingDays, zh, en);
    }

    /// <summary>What cancelling now would mean, before the member confirms: the same rule the cancellation applies. Null when not theirs.</summary>
    public async Task<CancellationOutcome?> PreviewCancelAsync(string user, string applicationId, CancellationToken ct = default)
    {
        var app = await MyApplications(user).FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        if (ApplicationStatus.Final.Contains(app.Status))
            throw new ApplicationRequestException(409, "Already ended", $"The application is already {app.Status}; it cannot be cancelled.");
        return await NoticeAsync(app, ct);
    }

    private async Task<CancellationOutcome> NoticeAsync(ServiceApplication app, CancellationToken ct)
    {
        catalogue.TryGet(app.ServiceCode, out var service);
        var now = clock.GetUtcNow();
        // A use already taken (a sample taken, an opinion delivered, a programme started) is not given back by cancelling.
        var taken = await db.QuotaUses.AnyAsync(q => q.ApplicationId == app.Id && q.State == QuotaState.Consumed, ct);
        return CancellationNotice.Judge(service, calendar.LocalDate(now), app.AppointmentAt is { } at ? calendar.LocalDate(at) : null, calendar, taken);
    }

    /// <summary>
    /// The member's answer to what their timeline asked them to confirm (e.g. the pathology fee they pay themselves):
    /// resumes only this application's waiting <c>MemberConfirmation</c>. 409 when nothing waits for their answer.
    /// </summary>
    public async Task<ApplicationView?> ConfirmAsync(string user, string applicationId, bool? confirmed, string? idempotencyKey, CancellationToken ct = default)
    {
        var app = await MyApplications(user).FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        if (confirmed is null)
            throw new ApplicationRequestException(400, "Answer required", "confirmed: say true (I confirm) or false (I do not confirm).");
        var key = idempotencyKey is null ? null : $"confirm:{user}:{idempotencyKey}";
        // Answered already (or never asked): nothing waits, whoever sends it and however often.
        if (app.Status != ApplicationStatus.AwaitingConfirmation) throw NothingToConfirm();
        var resumed = await runtime.TriggerEventAsync(Activities.MemberConfirmation.EventName, app.Id, new() { ["confirmed"] = confirmed.Value },
            new Actor(user, "Member"), key, ct);
        if (resumed.Count == 0) throw NothingToConfirm();
        db.ChangeTracker.Clear();
        return await GetAsync(user, app.Id, ct);
    }

    private static ApplicationRequestException NothingToConfirm() =>
        new(409, "Nothing to confirm", "This application is not waiting for your confirmation.");

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
            throw new ApplicationRequestException(409, "Not taking questions", "The COC programme is not taking questions now (it is closing or has ended).");
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
                var used = await Eligibility.QuotaLedger.UsedAsync(db, new Eligibility.QuotaKey(policy.Id, service.Code, period), ct);
                var quota = service.QuotaPerPolicyPeriod!.Value;
                result.Add(new QuotaView(policy.PolicyNumber, service.Code, service.NameZh, service.NameEn, period, quota, used, Math.Max(0, quota - used)));
            }
        }
        return result;
    }

    /// <summary>One service of a policy as the member sees it: uses left, the first day it may be used, and what stands in the way now.</summary>
    public sealed record EntitlementView(string ServiceCode, string ServiceNameZh, string ServiceNameEn, int? Quota, int Used, int? Remaining,
        DateOnly UsableFrom, bool CanApplyNow, RefusalView? Blocker);

    public sealed record PolicyEntitlements(Policies.Policy Policy, string YourRole, IReadOnlyList<EntitlementView> Services);

    /// <summary>
    /// Each of the member's policies (CPIC and JD, renewals), and for each service of its insurer: remaining uses in the
    /// current quota period, the date it becomes usable (cooling-off or waiting period from the renewal chain's start,
    /// not before the policy starts), and the first rule that would refuse an application today regardless of what the
    /// form says (policy in force, start condition, optional cover, diagnosis, quota). The application itself is judged again.
    /// </summary>
    public async Task<IReadOnlyList<PolicyEntitlements>> EntitlementsAsync(string user, CancellationToken ct = default)
    {
        var today = calendar.LocalDate(clock.GetUtcNow());
        var result = new List<PolicyEntitlements>();
        var policies = await db.Policies.AsNoTracking().Include(p => p.Diagnoses)
            .Where(p => p.InsuredUserName == user || p.GuardianUserName == user).OrderByDescending(p => p.EndDate).ThenBy(p => p.PolicyNumber).ToListAsync(ct);
        foreach (var policy in policies)
        {
            var chainStart = await CheckEligibility.ChainStartAsync(db, policy, ct);
            var chainDiagnoses = await CheckEligibility.ChainDiagnosesAsync(db, policy, ct);
            var role = policy.InsuredUserName == user ? "insured" : policy.GuardianRelation == "agent" ? "agent" : "guardian";
            var services = new List<EntitlementView>();
            foreach (var service in catalogue.Services.Where(s => s.Insurer == policy.Insurer)) // the catalogue's (handbook's) order
            {
                var period = EligibilityRules.QuotaPeriodStart(policy, service, today);
                var used = await Eligibility.QuotaLedger.UsedAsync(db, new Eligibility.QuotaKey(policy.Id, service.Code, period), ct);
                var x = new EligibilityInput
                {
                    Policy = policy, ChainStart = chainStart, ChainDiagnoses = chainDiagnoses, Service = service, Today = today, ApplicantUserName = user,
                    Details = new ApplicationDetails(), QuotaUsed = used,
                };
                var usableFrom = EligibilityRules.UsableFrom(x);
                if (service.Code == "cpic-special-drug-direct-pay")
                {
                    var coolingOffEnd = policy.CoolingOffEnd ?? chainStart.AddDays(EligibilityRules.CpicCoolingOffDays);
                    if (coolingOffEnd > usableFrom) usableFrom = coolingOffEnd;
                }
                if (policy.EffectiveDate > usableFrom) usableFrom = policy.EffectiveDate;
                var blocker = EligibilityRules.PolicyInForce(x) ?? EligibilityRules.StartConditionPassed(x) ?? EligibilityRules.OptionalCoverBought(x)
                              ?? EligibilityRules.DiagnosisConfirmed(x) ?? EligibilityRules.QuotaLeft(x);
                var quota = service.QuotaPerPolicyPeriod;
                services.Add(new EntitlementView(service.Code, service.NameZh, service.NameEn, quota, used, quota is { } q ? Math.Max(0, q - used) : null,
                    usableFrom, blocker is null, blocker is null ? null : new RefusalView(blocker.Code, blocker.MessageZh, blocker.MessageEn)));
            }
            result.Add(new PolicyEntitlements(policy, role, services));
        }
        return result;
    }

    /// <summary>The application form for one of the member's policies and a service of its insurer; null when the policy is not theirs.</summary>
    public async Task<(Policies.Policy Policy, ApplicationForm Form)?> FormAsync(string user, string policyNumber, string serviceCode, CancellationToken ct = default)
    {
        var policy = await MyPolicies(user).FirstOrDefaultAsync(p => p.PolicyNumber == policyNumber, ct);
        if (policy is null || !catalogue.TryGet(serviceCode, out var service) || service.Insurer != policy.Insurer) return null;
        var role = policy.InsuredUserName == user ? "insured" : policy.GuardianRelation == "agent" ? "agent" : "guardian";
        return (policy, ApplicationForm.For(service, role));
    }

    public sealed record EstimateResult(Reimbursement.PayableAmount? Payable, ReferenceData.ListedDrug? Drug, string? RefusalZh, string? RefusalEn);

    /// <summary>
    /// JD 理赔试算: the drug is looked up on the JD specialty-drug list (附件二) by name; a drug not on it is not payable,
    /// whatever the caller says. The social-insurance facts are the member's (the list does not carry them). Null when
    /// the member has no such JD policy.
    /// </summary>
    public async Task<EstimateResult?> EstimateAsync(string user, string? policyNumber, string? drug, Reimbursement.DrugPurchase purchase,
        ReferenceData.ReferenceLookup refs, CancellationToken ct = default)
    {
        var policy = await MyPolicies(user).FirstOrDefaultAsync(p => p.PolicyNumber == policyNumber && p.Insurer == "JD", ct);
        if (policy is null) return null;
        var listed = refs.FindJdDrug(drug);
        if (listed is null)
            return new EstimateResult(null, null, $"“{drug}”不在京东安联特药清单内，不予给付。", $"'{drug}' is not on the JD Allianz specialty-drug list; it is not payable.");
        return new EstimateResult(Reimbursement.JdReimbursement.Calculate(policy.Variant ?? "", purchase), listed, null, null);
    }

    /// <summary>A member's COC question with the case manager's answer once there is one (Answer is null until then).</summary>
    public sealed record ConsultationView(string Id, string ApplicationId, string Question, DateTimeOffset AskedAt, bool Answered, string? Answer = null,
        DateTimeOffset? AnsweredAt = null);

    /// <summary>The member's own COC questions and their answers (decrypted for them), newest first.</summary>
    public async Task<IReadOnlyList<ConsultationView>> ConsultationsAsync(string user, string applicationId, Policies.PersonalDataProtector protector, CancellationToken ct = default)
    {
        var app = await MyApplications(user).FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return [];
        return await ConsultationsOfAsync(app.Id, protector, ct);
    }

    /// <summary>Whether the member has an application of that id (their own, as insured, guardian or applicant).</summary>
    public Task<bool> IsMineAsync(string user, string applicationId, CancellationToken ct = default) =>
        MyApplications(user).AnyAsync(a => a.Id == applicationId, ct);

    /// <summary>An application's COC questions and answers, decrypted, newest first (callers decide who may see them and mask them).</summary>
    public async Task<IReadOnlyList<ConsultationView>> ConsultationsOfAsync(string applicationId, Policies.PersonalDataProtector protector, CancellationToken ct = default)
    {
        var asked = await db.Consultations.AsNoTracking().Where(c => c.ApplicationId == applicationId).ToListAsync(ct);
        // Questions answered before answers were kept: the timeline's "answered" event after the question tells it.
        var answers = await db.ApplicationEvents.AsNoTracking().Where(e => e.ApplicationId == applicationId && e.MessageZh == "已回复您的咨询。").Select(e => e.At).ToListAsync(ct);
        var ordered = asked.OrderBy(c => c.AskedAt).ToList();
        return ordered.Select((c, i) =>
        {
            var next = i + 1 < ordered.Count ? ordered[i + 1].AskedAt : DateTimeOffset.MaxValue;
            return new ConsultationView(c.Id, c.ApplicationId, protector.Unprotect(c.QuestionProtected)!, c.AskedAt,
                c.AnsweredAt is not null || answers.Any(a => a >= c.AskedAt && a < next), protector.Unprotect(c.AnswerProtected), c.AnsweredAt);
        }).Reverse().ToList();
    }

    public IQueryable<Policies.Policy> MyPolicies(string user) =>
        db.Policies.AsNoTracking().Where(p => p.InsuredUserName == user || p.GuardianUserName == user);

    private IQueryable<ServiceApplication> MyApplications(string user) =>
        db.Applications.AsNoTracking().Where(a => a.ApplicantUserName == user
            || db.Policies.Any(p => p.Id == a.PolicyId && (p.InsuredUserName == user || p.GuardianUserName == user)));

    /// <summary>
    /// Free text a member types (the note, attachments' file names) may hold anything: an ID number, a phone, a diagnosis.
    /// It is kept encrypted on the application's row only (<see cref="ServiceApplication.DetailsJson"/>, a row that can be
    /// erased under PIPL art. 47); the workflow — its input, its state and its append-only journal — gets a reference to
    /// it ("personal-text:{application}:{field}"), never the text, so erasing the row erases the text without touching
    /// the journal's hash chain. Workflows do not decide on free text.
    /// </summary>
    private (ApplicationDetails Stored, ApplicationDetails ForWorkflow) SplitFreeText(ApplicationDetails d, string applicationId)
    {
        string? Ref(string? text, string field) => string.IsNullOrEmpty(text) ? text : $"{PersonalTextPrefix}{applicationId}:{field}";
        var stored = d with
        {
            Note = protector.ProtectOrNull(d.Note),
            Attachments = d.Attachments.Select(a => a with { FileName = protector.ProtectOrNull(a.FileName) ?? "" }).ToList(),
        };
        var forWorkflow = d with
        {
            Note = Ref(d.Note, "note"),
            Attachments = d.Attachments.Select((a, i) => a with { FileName = Ref(a.FileName, $"attachments[{i}].fileName") ?? "" }).ToList(),
        };
        return (stored, forWorkflow);
    }

    /// <summary>How the workflow refers to a member's free text kept encrypted on the application.</summary>
    public const string PersonalTextPrefix = "personal-text:";

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

    private ApplicationView View(ServiceApplication a, IReadOnlyList<TimelineEntry> timeline, IReadOnlyDictionary<string, DateTimeOffset> faulted)
    {
        catalogue.TryGet(a.ServiceCode, out var s);
        return new ApplicationView(a.Id, a.PolicyNumber, a.ServiceCode, s?.NameZh ?? a.ServiceCode, s?.NameEn ?? a.ServiceCode, a.ApplicantRole, a.Status,
            a.RefusalCode is null ? null : new RefusalView(a.RefusalCode, a.RefusalMessageZh ?? "", a.RefusalMessageEn ?? ""),
            a.AppointmentAt, a.CreatedAt, a.UpdatedAt, timeline,
            faulted.TryGetValue(a.InstanceId, out var since) && !ApplicationStatus.Final.Contains(a.Status) ? DelayView.From(since) : null,
            a.ReferenceDataVersion);
    }
}

public sealed record ApplicationView(string Id, string PolicyNumber, string ServiceCode, string ServiceNameZh, string ServiceNameEn, string ApplicantRole,
    string Status, RefusalView? Refusal, DateTimeOffset? AppointmentAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<TimelineEntry> Timeline,
    DelayView? Delay = null, string? ReferenceDataVersion = null)
{
    /// <summary>True while processing is stopped on the insurer's side (an incident staff must resolve).</summary>
    public bool Delayed => Delay is not null;
}

/// <summary>The application is delayed: its workflow stopped at a faulted step and waits for staff (the incident queue).</summary>
public sealed record DelayView(DateTimeOffset Since, string MessageZh, string MessageEn)
{
    public static DelayView From(DateTimeOffset since) => new(since,
        "您的申请处理出现延误，工作人员正在处理，无需重新提交。",
        "Your application is delayed: processing stopped on our side and staff are working on it. You do not need to apply again.");
}

public sealed record RefusalView(string Code, string MessageZh, string MessageEn);
public sealed record TimelineEntry(DateTimeOffset At, string Status, string MessageZh, string MessageEn);
