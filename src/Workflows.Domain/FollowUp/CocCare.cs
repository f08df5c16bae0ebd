using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Policies;
using Workflows.Engine.Runtime;
using Workflows.Persistence;

namespace Workflows.Domain.FollowUp;

/// <summary>
/// An alert of the COC programme (指标预警 / 不良反应): an indicator in an uploaded report, or an adverse reaction graded
/// by CTCAE 5.0 (grade 1 to 5). Grade I/II sends the member self-check guidance (自查指引); grade III and above starts a
/// case-manager task due within 2 hours of service time (C 295-305, 349).
/// </summary>
public sealed class CocAlert
{
    public string Id { get; set; } = "";
    public string ApplicationId { get; set; } = "";
    public int Grade { get; set; }
    /// <summary><see cref="CocAlertSources"/>: indicator (指标预警) or adverse-reaction (不良反应).</summary>
    public string Source { get; set; } = "";
    /// <summary>What was found (e.g. "白细胞 2.1×10⁹/L"), encrypted: it is health data.</summary>
    public string DetailProtected { get; set; } = "";
    /// <summary><see cref="CocAlertHandling"/>: self-check guidance sent, or a task started.</summary>
    public string Handling { get; set; } = "";
    public string RaisedBy { get; set; } = "";
    public DateTimeOffset RaisedAt { get; set; }
}

public static class CocAlertSources
{
    public const string Indicator = "indicator";
    public const string AdverseReaction = "adverse-reaction";
    public static readonly string[] All = [Indicator, AdverseReaction];
}

public static class CocAlertHandling
{
    public const string SelfCheck = "self-check";
    public const string Task = "task";
}

/// <summary>
/// The member's named 1-to-1 case manager (专属个案管理师) in a COC programme: one row per assignment, the latest is
/// current; earlier rows are the history (who reassigned, when, why).
/// </summary>
public sealed class CocCaseManagerAssignment
{
    public long Id { get; set; }
    public string ApplicationId { get; set; } = "";
    public string CaseManager { get; set; } = "";
    /// <summary>The case manager's display name when assigned (shown to the member; staff names are not personal data of the member).</summary>
    public string CaseManagerName { get; set; } = "";
    public string AssignedBy { get; set; } = "";
    public DateTimeOffset AssignedAt { get; set; }
    public string? Reason { get; set; }
}

/// <summary>A nutrition assessment (营养状况评估, PG-SGA): the score, the global rating A/B/C and the advice, encrypted.</summary>
public sealed class NutritionAssessment
{
    public string Id { get; set; } = "";
    public string ApplicationId { get; set; } = "";
    public DateOnly AssessedOn { get; set; }
    public int Score { get; set; }
    /// <summary>PG-SGA global rating: A (well nourished), B (moderate or suspected malnutrition), C (severely malnourished).</summary>
    public string Rating { get; set; } = "";
    public string AdviceProtected { get; set; } = "";
    public string RecordedBy { get; set; } = "";
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>
/// The PG-SGA triage (the rule as data): what a score calls for. 0-1 no intervention, re-assess during treatment; 2-3
/// education of the member and family; 4-8 intervention by a dietitian with the nurse/doctor; 9 and above a critical
/// need for symptom management and nutrition intervention.
/// </summary>
public static class PgSga
{
    public const int MaxScore = 35;
    public static readonly string[] Ratings = ["A", "B", "C"];

    public sealed record Triage(int From, string Level, string TextZh, string TextEn);

    public static readonly IReadOnlyList<Triage> Levels =
    [
        new(0, "none", "暂无需营养干预，治疗期间定期复评。", "No intervention needed; re-assess during treatment."),
        new(2, "education", "由营养师或护士对您和家属进行营养教育，并结合症状用药。", "Education of you and your family by a dietitian or nurse, with symptom treatment."),
        new(4, "intervention", "需要营养师会同护士/医生进行营养干预。", "Intervention by a dietitian together with the nurse or doctor."),
        new(9, "critical", "急需改善症状并进行营养干预，请尽快与主治医生联系。", "A critical need for symptom management and nutrition intervention; contact your doctor soon."),
    ];

    public static Triage For(int score) => Levels.Last(l => score >= l.From);
}

/// <summary>
/// What the handbook's alert grades call for, as data: the self-check guidance text sent for grade I/II (by source),
/// and the grade from which a case-manager task is started.
/// </summary>
public static class CocAlertRules
{
    public const int MinGrade = 1;
    public const int MaxGrade = 5;
    /// <summary>III 级及以上预警 → 人工干预 (C 297, 303).</summary>
    public const int TaskFromGrade = 3;
    /// <summary>指标预警 2 小时内响应 (C 349), counted in hospital service hours (C 353-355).</summary>
    public const int TaskWithinMinutes = 120;

    public static readonly IReadOnlyDictionary<string, (string Zh, string En)> SelfCheckGuidance = new Dictionary<string, (string, string)>
    {
        [CocAlertSources.Indicator] = ("您上传的报告中有一项指标轻度异常（{0}级预警）。请按自查指引：核对检查日期与单位，注意休息与饮食，一周内复查该指标；如出现发热、出血、明显乏力等情况，请立即就医或在线咨询您的个案管理师。",
            "An indicator in your report is mildly abnormal (grade {0}). Self-check: confirm the test date and units, rest and eat well, and re-test within a week; with fever, bleeding or marked fatigue see a doctor or ask your case manager."),
        [CocAlertSources.AdverseReaction] = ("您报告的不良反应为 {0} 级（轻度）。请按自查指引：记录症状出现的时间和程度，按医嘱用药，多饮水、清淡饮食；如症状加重或出现新的症状，请在线咨询您的个案管理师或及时就医。",
            "The adverse reaction you reported is grade {0} (mild). Self-check: note when and how strong the symptoms are, take your medicine as prescribed, drink plenty and eat light; if it gets worse, ask your case manager or see a doctor."),
    };
}

/// <summary>Staff users who may be named case managers: the host's identity store answers (the domain has no user table).</summary>
public interface ICaseManagerDirectory
{
    /// <summary>The display name of an enabled staff user with the CaseManager role, or null.</summary>
    Task<string?> CaseManagerNameAsync(string userName, CancellationToken ct);
}

/// <summary>
/// The COC programme's precise management (个案管理师精准管理): graded alerts, the named case manager, nutrition
/// assessments. Writes that send a message go through the writer connection with the outbox, in one transaction.
/// </summary>
public sealed class CocCare(DomainDbContext db, StoreConnections connections, PersonalDataProtector protector, NotificationOutbox outbox,
    WorkflowRuntime runtime, BusinessCalendar calendar, TimeProvider clock, ILogger<CocCare> logger, ICaseManagerDirectory? directory = null)
{
    public sealed record AlertView(string Id, string ApplicationId, int Grade, string Source, string Detail, string Handling, string RaisedBy, DateTimeOffset RaisedAt,
        string? GuidanceZh);

    public sealed record CaseManagerView(string ApplicationId, string? UserName, string? DisplayName, DateTimeOffset? AssignedAt, string? AssignedBy,
        IReadOnlyList<CaseManagerChange> History);

    public sealed record CaseManagerChange(string UserName, string DisplayName, string AssignedBy, DateTimeOffset AssignedAt, string? Reason);

    public sealed record NutritionView(string Id, DateOnly AssessedOn, int Score, string Rating, string TriageLevel, string TriageZh, string TriageEn, string Advice,
        string RecordedBy, DateTimeOffset RecordedAt);

    /// <summary>
    /// Raises an alert on an enrolled member. Grade I/II: the member is sent the self-check guidance (outbox, timeline),
    /// no task. Grade III+: the workflow's alert event starts a case-manager task due within 2 hours of service time.
    /// </summary>
    public async Task<AlertView> RaiseAlertAsync(string applicationId, int? grade, string? source, string? detail, string raisedBy, CancellationToken ct,
        string? idempotencyKey = null)
    {
        var app = await EnrolledAsync(applicationId, ct);
        if (grade is not (>= CocAlertRules.MinGrade and <= CocAlertRules.MaxGrade) || grade is not { } g)
            throw new ApplicationRequestException(400, "Invalid grade", $"grade is the CTCAE grade of the alert, a whole number from {CocAlertRules.MinGrade} to {CocAlertRules.MaxGrade}.");
        if (source is null || !CocAlertSources.All.Contains(source))
            throw new ApplicationRequestException(400, "Invalid source", $"source must be one of {string.Join(", ", CocAlertSources.All)} (指标预警 or 不良反应).");
        if (string.IsNullOrWhiteSpace(detail) || detail.Length > 500)
            throw new ApplicationRequestException(400, "Invalid detail", "detail says what was found (1 to 500 characters), e.g. 白细胞 2.1×10⁹/L.");
        var now = clock.GetUtcNow();
        // A retried request with the same Idempotency-Key (per caller and application) answers the alert it raised, once.
        var id = idempotencyKey is null ? Ids.New() : KeyedId("alert", raisedBy, app.Id, idempotencyKey);
        if (idempotencyKey is not null && await db.CocAlerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct) is { } earlier)
        {
            if (earlier.Grade != g || earlier.Source != source || protector.Unprotect(earlier.DetailProtected) != detail.Trim())
                throw new ApplicationRequestException(409, "Idempotency-Key reused", "This Idempotency-Key was used for a different alert; use a new key for a new alert.");
            return View(earlier, null);
        }
        var alert = new CocAlert
        {
            Id = id, ApplicationId = app.Id, Grade = g, Source = source, DetailProtected = protector.Protect(detail.Trim()),
            Handling = g >= CocAlertRules.TaskFromGrade ? CocAlertHandling.Task : CocAlertHandling.SelfCheck, RaisedBy = raisedBy, RaisedAt = now,
        };
        string? guidance = null;
        if (alert.Handling == CocAlertHandling.SelfCheck)
        {
            var (zh, en) = CocAlertRules.SelfCheckGuidance[source];
            guidance = string.Format(zh, Roman(g));
            var guidanceEn = string.Format(en, Roman(g));
            await connections.WriteAsync(c => Task.FromResult(c.InTransaction(t =>
            {
                InsertAlert(t, alert);
                c.Command("INSERT INTO ApplicationEvents (ApplicationId, At, Status, MessageZh, MessageEn) VALUES (@app, @at, @status, @zh, @en)", null,
                    ("@app", app.Id), ("@at", now.UtcTicks), ("@status", app.Status), ("@zh", $"已向您发送{Roman(g)}级预警自查指引。"),
                    ("@en", $"Self-check guidance for a grade {Roman(g)} alert was sent to you.")).ExecuteNonQuery();
                outbox.Add(t, new NotificationRequest($"coc-alert:{alert.Id}", "coc-self-check", guidance, guidanceEn, app.ApplicantUserName, null, app.Id, app.InstanceId), now);
                return true;
            }, now)), ct);
        }
        else
        {
            db.CocAlerts.Add(alert);
            await db.SaveChangesAsync(ct);
            var resumed = await runtime.TriggerEventAsync("CocAlert", app.Id, new JsonObject { ["alertId"] = alert.Id, ["grade"] = g }, new Actor(raisedBy, "CaseManager"),
                $"coc-alert:{alert.Id}", ct);
            if (resumed.Count == 0)
            {
                db.CocAlerts.Remove(alert);
                await db.SaveChangesAsync(ct);
                throw new ApplicationRequestException(409, "Not taking alerts", "The COC programme is not taking alerts now (it is closing or has ended).");
            }
        }
        logger.LogInformation("COC alert {AlertId} grade {Grade} on application {ApplicationId}: {Handling}", alert.Id, g, app.Id, alert.Handling);
        return View(alert, guidance);
    }

    public async Task<AlertView?> AlertAsync(string alertId, CancellationToken ct) =>
        await db.CocAlerts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == alertId, ct) is { } a ? View(a, null) : null;

    public async Task<IReadOnlyList<AlertView>> AlertsAsync(string applicationId, CancellationToken ct) =>
        (await db.CocAlerts.AsNoTracking().Where(a => a.ApplicationId == applicationId).ToListAsync(ct))
        .OrderByDescending(a => a.RaisedAt).Select(a => View(a, null)).ToList();

    /// <summary>
    /// Names the member's case manager. A case manager may take an unassigned member themselves (由我负责); naming
    /// someone else, or changing the named one, is a supervisor's (with a reason). The member is told on their timeline.
    /// </summary>
    public async Task<CaseManagerView> AssignCaseManagerAsync(string applicationId, string? caseManager, string? reason, string by, bool supervisor, CancellationToken ct)
    {
        var app = await EnrolledAsync(applicationId, ct);
        if (string.IsNullOrWhiteSpace(caseManager))
            throw new ApplicationRequestException(400, "Invalid case manager", "caseManager names the user name of a case manager.");
        caseManager = caseManager.Trim();
        var name = directory is null ? caseManager : await directory.CaseManagerNameAsync(caseManager, ct);
        if (name is null)
            throw new ApplicationRequestException(400, "Invalid case manager", $"{caseManager} is not an enabled staff user with the case manager role.");
        var current = await CurrentAsync(app.Id, ct);
        if (current?.CaseManager == caseManager) return await CaseManagerAsync(app.Id, ct); // PUT of the state there is: a retry changes nothing
        if (!supervisor && (current is not null || caseManager != by))
            throw new ApplicationRequestException(403, "Supervisors reassign", "A case manager may take an unassigned member; naming another case manager or changing one is a supervisor's.");
        if (current is not null && string.IsNullOrWhiteSpace(reason))
            throw new ApplicationRequestException(400, "Reason required", "reason says why the member's case manager changes (shown in the history).");
        if (reason is { Length: > 200 })
            throw new ApplicationRequestException(400, "Invalid reason", "reason may have at most 200 characters.");
        var now = clock.GetUtcNow();
        db.CocCaseManagers.Add(new CocCaseManagerAssignment
        {
            ApplicationId = app.Id, CaseManager = caseManager, CaseManagerName = string.IsNullOrWhiteSpace(name) ? caseManager : name, AssignedBy = by, AssignedAt = now,
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
        });
        db.ApplicationEvents.Add(new ApplicationEvent
        {
            ApplicationId = app.Id, At = now, Status = app.Status,
            MessageZh = current is null ? $"您的专属个案管理师：{(string.IsNullOrWhiteSpace(name) ? caseManager : name)}。" : $"您的专属个案管理师已变更为 {(string.IsNullOrWhiteSpace(name) ? caseManager : name)}。",
            MessageEn = current is null ? $"Your case manager: {name}." : $"Your case manager is now {name}.",
        });
        await db.SaveChangesAsync(ct);
        logger.LogInformation("COC application {ApplicationId}: case manager {CaseManager} named by {By}", app.Id, caseManager, by);
        return await CaseManagerAsync(app.Id, ct);
    }

    public async Task<CaseManagerView> CaseManagerAsync(string applicationId, CancellationToken ct)
    {
        var rows = await db.CocCaseManagers.AsNoTracking().Where(x => x.ApplicationId == applicationId).OrderByDescending(x => x.Id).ToListAsync(ct);
        var current = rows.FirstOrDefault();
        return new CaseManagerView(applicationId, current?.CaseManager, current?.CaseManagerName, current?.AssignedAt, current?.AssignedBy,
            rows.Select(r => new CaseManagerChange(r.CaseManager, r.CaseManagerName, r.AssignedBy, r.AssignedAt, r.Reason)).ToList());
    }

    /// <summary>The named case managers of many applications at once (the workspace's list).</summary>
    public static async Task<Dictionary<string, CocCaseManagerAssignment>> CurrentOfAsync(DomainDbContext db, IReadOnlyCollection<string> applicationIds, CancellationToken ct) =>
        (await db.CocCaseManagers.AsNoTracking().Where(x => applicationIds.Contains(x.ApplicationId)).ToListAsync(ct))
        .GroupBy(x => x.ApplicationId).ToDictionary(g => g.Key, g => g.MaxBy(x => x.Id)!);

    private Task<CocCaseManagerAssignment?> CurrentAsync(string applicationId, CancellationToken ct) =>
        db.CocCaseManagers.AsNoTracking().Where(x => x.ApplicationId == applicationId).OrderByDescending(x => x.Id).FirstOrDefaultAsync(ct);

    /// <summary>Records a PG-SGA nutrition assessment; the member is sent the triage and the advice.</summary>
    public async Task<NutritionView> AssessNutritionAsync(string applicationId, DateOnly? assessedOn, int? score, string? rating, string? advice, string by, CancellationToken ct)
    {
        var app = await EnrolledAsync(applicationId, ct);
        if (assessedOn is not { } on || on > calendar.LocalDate(clock.GetUtcNow()))
            throw new ApplicationRequestException(400, "Invalid date", "assessedOn is the assessment's date (yyyy-MM-dd), not in the future.");
        if (score is not (>= 0 and <= PgSga.MaxScore) || score is not { } s)
            throw new ApplicationRequestException(400, "Invalid score", $"score is the PG-SGA total score, a whole number from 0 to {PgSga.MaxScore}.");
        if (rating is null || !PgSga.Ratings.Contains(rating))
            throw new ApplicationRequestException(400, "Invalid rating", "rating is the PG-SGA global rating: A (well nourished), B (moderate malnutrition) or C (severe malnutrition).");
        if (string.IsNullOrWhiteSpace(advice) || advice.Length > 1000)
            throw new ApplicationRequestException(400, "Invalid advice", "advice is the nutrition advice for the member (1 to 1,000 characters).");
        var now = clock.GetUtcNow();
        var a = new NutritionAssessment
        {
            Id = Ids.New(), ApplicationId = app.Id, AssessedOn = on, Score = s, Rating = rating, AdviceProtected = protector.Protect(advice.Trim()), RecordedBy = by, RecordedAt = now,
        };
        var triage = PgSga.For(s);
        await connections.WriteAsync(c => Task.FromResult(c.InTransaction(t =>
        {
            c.Command("""
                INSERT INTO NutritionAssessments (Id, ApplicationId, AssessedOn, Score, Rating, AdviceProtected, RecordedBy, RecordedAt)
                VALUES (@id, @app, @on, @score, @rating, @advice, @by, @at)
                """, null, ("@id", a.Id), ("@app", a.ApplicationId), ("@on", on), ("@score", s), ("@rating", rating), ("@advice", a.AdviceProtected),
                ("@by", by), ("@at", now.UtcTicks)).ExecuteNonQuery();
            outbox.Add(t, new NotificationRequest($"coc-nutrition:{a.Id}", "coc-nutrition",
                $"营养状况评估（{on:yyyy-MM-dd}）：PG-SGA {s} 分，{rating} 级。{triage.TextZh}建议：{advice.Trim()}",
                $"Nutrition assessment ({on:yyyy-MM-dd}): PG-SGA {s}, rating {rating}. {triage.TextEn} Advice: {advice.Trim()}",
                app.ApplicantUserName, null, app.Id, app.InstanceId), now);
            return true;
        }, now)), ct);
        return View(a);
    }

    public async Task<IReadOnlyList<NutritionView>> NutritionAsync(string applicationId, CancellationToken ct) =>
        (await db.NutritionAssessments.AsNoTracking().Where(n => n.ApplicationId == applicationId).ToListAsync(ct))
        .OrderByDescending(n => n.AssessedOn).ThenByDescending(n => n.RecordedAt).Select(View).ToList();

    private async Task<ServiceApplication> EnrolledAsync(string applicationId, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId, ct)
                  ?? throw new ApplicationRequestException(404, "No such application", $"There is no application {applicationId}.");
        if (app.ServiceCode != CareProgramme.CocService || app.Status != ApplicationStatus.Booked)
            throw new ApplicationRequestException(409, "Not enrolled", "Alerts, case managers and assessments are kept for members enrolled in COC follow-up.");
        return app;
    }

    private static void InsertAlert(WriteTransaction c, CocAlert a) =>
        c.Command("""
            INSERT INTO CocAlerts (Id, ApplicationId, Grade, Source, DetailProtected, Handling, RaisedBy, RaisedAt)
            VALUES (@id, @app, @grade, @source, @detail, @handling, @by, @at)
            """, ("@id", a.Id), ("@app", a.ApplicationId), ("@grade", a.Grade), ("@source", a.Source), ("@detail", a.DetailProtected), ("@handling", a.Handling),
            ("@by", a.RaisedBy), ("@at", a.RaisedAt.UtcTicks)).ExecuteNonQuery();

    /// <summary>A stable id for a keyed command: the same caller, application and key give the same id (the command's dedupe).</summary>
    private static string KeyedId(string command, string caller, string applicationId, string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{command}\n{caller}\n{applicationId}\n{key}")))[..32];

    /// <summary>I, II, III, IV, V: the handbook writes the grades in Roman numerals.</summary>
    public static string Roman(int grade) => grade switch { 1 => "I", 2 => "II", 3 => "III", 4 => "IV", 5 => "V", _ => grade.ToString() };

    private AlertView View(CocAlert a, string? guidance) =>
        new(a.Id, a.ApplicationId, a.Grade, a.Source, protector.Unprotect(a.DetailProtected)!, a.Handling, a.RaisedBy, a.RaisedAt, guidance);

    private NutritionView View(NutritionAssessment n)
    {
        var t = PgSga.For(n.Score);
        return new(n.Id, n.AssessedOn, n.Score, n.Rating, t.Level, t.TextZh, t.TextEn, protector.Unprotect(n.AdviceProtected)!, n.RecordedBy, n.RecordedAt);
    }
}
