using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.Activities;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;
using Workflows.Domain.Policies;
using Workflows.Engine.Activities;
using Workflows.Engine.Activities.Forms;
using Workflows.Engine.Runtime;

namespace Workflows.Web.Workspace;

/// <summary>
/// The case view and case search for staff: everything about one application on one screen, personal data masked
/// (a reveal needs a reason and goes to the access trail), and a search paged in SQL.
/// </summary>
public sealed class CaseService(IDbContextFactory<DomainDbContext> dbs, IWorkflowStore store, ITaskSource tasks, ServiceCatalogue catalogue,
    BusinessCalendar calendar, PersonalDataProtector protector, Workflows.Domain.FreeText.PersonalTexts texts, TimeProvider clock, IHttpContextAccessor http) : ICaseService
{
    public async Task<CaseView?> ForTaskAsync(string taskId, ClaimsPrincipal user, CancellationToken ct)
    {
        var task = await tasks.FindAsync(taskId, ct);
        if (task is null) return null;
        var instance = await store.LoadInstanceAsync(task.InstanceId, ct);
        return instance?.CorrelationId is { } applicationId ? await GetAsync(applicationId, user, ct) : null;
    }

    public async Task<CaseView?> GetAsync(string applicationId, ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        var policy = await db.Policies.AsNoTracking().FirstAsync(p => p.Id == app.PolicyId, ct);
        catalogue.TryGet(app.ServiceCode, out var service);
        var now = clock.GetUtcNow();
        var today = calendar.LocalDate(now);
        if (http.HttpContext is { } h) Infrastructure.AccessTrail.Note(h, $"case {app.Id} (masked)", app.InstanceId);

        // Member, masked.
        var member = new CaseMember(PersonalDataProtector.MaskName(policy.InsuredName),
            PersonalDataProtector.MaskIdNumber(protector.Unprotect(policy.InsuredIdNumberProtected)),
            policy.InsuredPhoneProtected is null ? null : PersonalDataProtector.MaskPhone(protector.Unprotect(policy.InsuredPhoneProtected)),
            policy.InsuredBirthDate, policy.InsuredUserName, policy.GuardianName is null ? null : PersonalDataProtector.MaskName(policy.GuardianName),
            policy.GuardianRelation, app.ApplicantRole);

        // Policy and entitlement.
        int? quota = service?.QuotaPerPolicyPeriod;
        DateOnly? period = null;
        var used = 0;
        if (service is not null)
        {
            period = EligibilityRules.QuotaPeriodStart(policy, service, today);
            var p = period.Value;
            used = await Workflows.Domain.Eligibility.QuotaLedger.UsedAsync(db, new Workflows.Domain.Eligibility.QuotaKey(policy.Id, service.Code, p), ct);
        }
        var chainStart = await CheckEligibility.ChainStartAsync(db, policy, ct);
        var usableFrom = service is null ? policy.EffectiveDate : EligibilityRules.UsableFrom(new EligibilityInput
        {
            Policy = policy, ChainStart = chainStart, Service = service, Today = today, ApplicantUserName = "", Details = new ApplicationDetails(), QuotaUsed = used,
        });
        var casePolicy = new CasePolicy(policy.PolicyNumber, policy.Insurer, policy.Product, policy.Variant, policy.EffectiveDate, policy.EndDate, policy.SpecialtyDrugCover,
            quota, used, quota is { } qn ? Math.Max(0, qn - used) : null, period, usableFrom);

        // Timeline, documents.
        var timeline = await db.ApplicationEvents.AsNoTracking().Where(e => e.ApplicationId == app.Id).OrderBy(e => e.Id)
            .Select(e => new CaseTimelineEntry(e.At, e.Status, e.MessageZh, e.MessageEn)).ToListAsync(ct);
        // Free text (the member's note, file names, staff notes) is kept encrypted; the view shows it masked by content,
        // and names the reference a reveal (with a reason) reads it by.
        var journal = await store.GetJournalAsync(app.InstanceId, ct);
        var references = new List<string> { $"{ApplicationService.PersonalTextPrefix}{app.Id}:note" };
        var details = JsonNode.Parse(app.DetailsJson) as JsonObject ?? new JsonObject();
        var attachments = (details["attachments"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        references.AddRange(attachments.Select((_, i) => $"{ApplicationService.PersonalTextPrefix}{app.Id}:attachments[{i}].fileName"));
        references.AddRange(journal.Select(e => e.Payload?["data"]?["note"]).OfType<JsonValue>().Select(v => v.ToString()));
        var plain = await texts.ReadAsync(app, references, ct);
        string? Masked(string reference) => plain.TryGetValue(reference, out var t) ? PersonalDataProtector.MaskContent(t) : null;
        if (details["note"] is not null) details["note"] = Masked(references[0]) ?? "";
        var documents = new List<CaseDocument>();
        for (var i = 0; i < attachments.Count; i++)
        {
            var a = attachments[i];
            var fileRef = references[1 + i];
            if (a["fileName"] is not null) a["fileName"] = Masked(fileRef) ?? "";
            documents.Add(new CaseDocument(a["kind"]?.ToString() ?? "", "received", a["fileName"]?.ToString(), a["sizeBytes"] is JsonValue sz && sz.TryGetValue<long>(out var n) ? n : null,
                plain.ContainsKey(fileRef) ? fileRef : null));
        }
        if (app.MissingDocumentsJson is { } missing)
            foreach (var d in JsonSerializer.Deserialize<List<string>>(missing) ?? []) documents.Add(new CaseDocument(d, "missing", null, null));
        var asked = timeline.Any(t => t.MessageZh.StartsWith("请补充材料", StringComparison.Ordinal));
        if (asked && app.MissingDocumentsJson is null) documents.Add(new CaseDocument("补充材料 Requested documents", "received", null, null));

        // Journal: eligibility, earlier tasks and their notes; open tasks and their SLAs.
        var eligibility = Eligibility(journal, app);
        var open = await tasks.OpenForInstancesAsync([app.InstanceId], ct);
        var caseTasks = Tasks(journal, open, plain);
        var slas = open.Where(t => t.DueAt is not null).Select(t => Sla(t, now)).ToList();
        var current = open.FirstOrDefault();
        var instructions = new CaseInstructions(current?.Title, current?.Instructions, service?.RequiredDocuments ?? [], Notes(service), Steps(service));
        var channel = ApplicationChannels.Of(app.Channel);

        return new CaseView(app.Id, app.InstanceId, app.ServiceCode, service?.NameZh ?? app.ServiceCode, service?.NameEn ?? app.ServiceCode, app.Status,
            new ChannelView(channel.Code, channel.NameZh, channel.NameEn, channel.Phone), app.ReceivedAt, app.FiledBy, app.CreatedAt, app.AppointmentAt,
            details, member, casePolicy, eligibility, timeline, documents, caseTasks, slas, instructions);
    }

    private static CaseEligibility Eligibility(IReadOnlyList<JournalEntry> journal, ServiceApplication app)
    {
        var done = journal.LastOrDefault(e => e.EventName == JournalEvents.ActivityCompleted && e.ActivityType == "Health.CheckEligibility");
        if (done is null) return new CaseEligibility("Pending", null, "资格校验尚未完成。", "Eligibility has not been checked yet.", null);
        var outcome = (done.Payload?["outcomes"] as JsonArray)?.FirstOrDefault()?.ToString() ?? "";
        var version = done.Payload?["output"]?["referenceDataVersion"]?.ToString() ?? app.ReferenceDataVersion;
        if (outcome == "Eligible") return new CaseEligibility("Eligible", null, "符合服务条件。", "Eligible for the service.", done.Timestamp, version);
        return new CaseEligibility("NotEligible", done.Payload?["output"]?["code"]?.ToString() ?? app.RefusalCode, app.RefusalMessageZh, app.RefusalMessageEn, done.Timestamp, version);
    }

    private static List<CaseTask> Tasks(IReadOnlyList<JournalEntry> journal, IReadOnlyList<TaskRef> open, IReadOnlyDictionary<string, string> texts)
    {
        var created = journal.Where(e => e.EventName == JournalEvents.BookmarkCreated && e.Payload?["kind"]?.ToString() == BookmarkKinds.HumanTask && e.BookmarkId is not null)
            .ToList();
        var resumed = journal.Where(e => e.EventName == JournalEvents.BookmarkResumed && e.BookmarkId is not null).ToDictionary(e => e.BookmarkId!, e => e);
        var cancelled = journal.Where(e => e.EventName == JournalEvents.BookmarkCancelled && e.BookmarkId is not null).Select(e => e.BookmarkId!).ToHashSet();
        var openById = open.ToDictionary(t => t.Id);
        var result = new List<CaseTask>();
        foreach (var c in created)
        {
            var task = c.Payload?["task"] as JsonObject;
            var title = task?["title"]?.ToString() ?? c.ActivityName ?? c.ActivityId ?? "";
            var role = task?["role"]?.ToString() ?? "";
            DateTimeOffset? due = task?["dueAt"] is JsonValue d && DateTimeOffset.TryParse(d.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var dd) ? dd : null;
            if (openById.TryGetValue(c.BookmarkId!, out var o))
            {
                result.Add(new CaseTask(o.Id, o.ActivityId, o.Title, o.Role, "open", o.CreatedAt, o.DueAt, null, null, null, null, null, o.EscalatedTo));
                continue;
            }
            if (resumed.TryGetValue(c.BookmarkId!, out var r))
            {
                var outcome = r.Payload?["outcome"]?.ToString();
                // The journal holds a reference to the note (or, for tasks completed before notes were kept apart, the note
                // as the journal masked it); either way the view shows it masked by content.
                var note = r.Payload?["data"]?["note"]?.ToString();
                var isReference = note is not null && texts.ContainsKey(note);
                var shown = note is null ? null : PersonalDataProtector.MaskContent(isReference ? texts[note] : Workflows.Domain.FreeText.PersonalTexts.IsReference(note) ? "" : note);
                result.Add(new CaseTask(c.BookmarkId!, c.ActivityId ?? "", title, role, "done", c.Timestamp, due, r.Timestamp, r.ActorId, outcome,
                    outcome is null ? null : OutcomeLabels.For(outcome).LabelZh, shown, null, isReference ? note : null));
            }
            else if (cancelled.Contains(c.BookmarkId!))
                result.Add(new CaseTask(c.BookmarkId!, c.ActivityId ?? "", title, role, "cancelled", c.Timestamp, due, null, null, null, null, null, null));
        }
        return result;
    }

    private CaseSla Sla(TaskRef t, DateTimeOffset now)
    {
        var hours = ServiceTimeLeft.Named(t.Hours);
        var left = calendar.Between(now, t.DueAt!.Value, hours);
        var (zh, en) = ServiceTimeLeft.Describe(left);
        return new CaseSla(t.Id, t.DueAt.Value, t.Hours ?? "OfficeDay", Math.Round(left.TotalMinutes, 1), left < TimeSpan.Zero, zh, en);
    }

    private static IReadOnlyList<string> Notes(ServiceDefinition? service) => service?.Notes ?? [];
    private static IReadOnlyList<string> Steps(ServiceDefinition? service) => service?.Steps ?? [];

    public async Task<RevealResult?> RevealAsync(string applicationId, RevealRequest request, ClaimsPrincipal user, CancellationToken ct)
    {
        var field = request.Field?.Trim();
        var isText = Workflows.Domain.FreeText.PersonalTexts.IsReference(field);
        if (field is not ("idNumber" or "phone" or "name" or "guardianIdNumber" or "guardianPhone" or "note") && !isText)
            throw new WorkspaceRequestException("field", "只能查看：证件号（idNumber）、电话（phone）、姓名（name）、监护人证件号（guardianIdNumber）、监护人电话（guardianPhone）、会员备注（note）或案件视图给出的文字引用（personal-text:…）。",
                "field must be idNumber, phone, name, guardianIdNumber, guardianPhone, note, or a text reference the case view gave (personal-text:…).");
        var reason = request.Reason?.Trim() ?? "";
        if (reason.Length is < 4 or > 200)
            throw new WorkspaceRequestException("reason", "请填写查看原因（4 至 200 个字），该原因将记入访问日志。", "Give the reason for revealing it (4 to 200 characters); it is kept in the access trail.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null) return null;
        var policy = await db.Policies.AsNoTracking().FirstAsync(p => p.Id == app.PolicyId, ct);
        if (field == "note") field = $"{ApplicationService.PersonalTextPrefix}{app.Id}:note";
        var value = Workflows.Domain.FreeText.PersonalTexts.IsReference(field)
            ? (await texts.ReadAsync(app, [field!], ct)).GetValueOrDefault(field!)
            : field switch
        {
            "idNumber" => protector.Unprotect(policy.InsuredIdNumberProtected),
            "phone" => protector.Unprotect(policy.InsuredPhoneProtected),
            "name" => policy.InsuredName,
            "guardianIdNumber" => protector.Unprotect(policy.GuardianIdNumberProtected),
            _ => protector.Unprotect(policy.GuardianPhoneProtected),
        };
        if (http.HttpContext is { } h) Infrastructure.AccessTrail.Note(h, $"reveal {field} of case {app.Id}: {reason}", app.InstanceId);
        if (string.IsNullOrEmpty(value))
            throw new WorkspaceRequestException("field", "此案件没有该信息。", $"The case holds no {field}.");
        return new RevealResult(field, value, clock.GetUtcNow());
    }

    public async Task<CasePage> SearchAsync(CaseQuery query, ClaimsPrincipal user, CancellationToken ct)
    {
        var size = Math.Clamp(query.PageSize, 1, 200);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var q = from a in db.Applications.AsNoTracking()
                join p in db.Policies.AsNoTracking() on a.PolicyId equals p.Id
                select new { a, p.InsuredName };
        if (!string.IsNullOrWhiteSpace(query.PolicyNumber)) { var n = query.PolicyNumber.Trim(); q = q.Where(x => x.a.PolicyNumber == n); }
        if (!string.IsNullOrWhiteSpace(query.Service)) q = q.Where(x => x.a.ServiceCode == query.Service);
        if (!string.IsNullOrWhiteSpace(query.Status)) q = q.Where(x => x.a.Status == query.Status);
        if (!string.IsNullOrWhiteSpace(query.Channel)) q = q.Where(x => x.a.Channel == query.Channel);
        if (query.From is { } from) { var f = BusinessCalendar.At(from, TimeOnly.MinValue); q = q.Where(x => x.a.ReceivedAt >= f); }
        if (query.To is { } to) { var t = BusinessCalendar.At(to.AddDays(1), TimeOnly.MinValue); q = q.Where(x => x.a.ReceivedAt < t); }
        if (!string.IsNullOrWhiteSpace(query.MemberName))
        {
            var name = query.MemberName.Trim();
            if (name.Contains('*'))
            {
                // The masked form: the first character and the length (张** matches any three-character name starting with 张).
                var first = name[..1];
                var length = name.Length;
                q = q.Where(x => x.InsuredName.StartsWith(first) && x.InsuredName.Length == length);
            }
            else q = q.Where(x => x.InsuredName == name);
        }
        var total = await q.CountAsync(ct);
        if (Cursor.Parse(query.After) is { } after)
        {
            var (at, id) = after;
            q = q.Where(x => x.a.ReceivedAt < at || (x.a.ReceivedAt == at && string.Compare(x.a.Id, id) < 0));
        }
        var rows = await q.OrderByDescending(x => x.a.ReceivedAt).ThenByDescending(x => x.a.Id).Take(size + 1)
            .Select(x => new { x.a.Id, x.a.PolicyNumber, x.InsuredName, x.a.ServiceCode, x.a.Status, x.a.Channel, x.a.ReceivedAt, x.a.UpdatedAt, x.a.AppointmentAt })
            .ToListAsync(ct);
        var page = rows.Take(size).Select(r =>
        {
            catalogue.TryGet(r.ServiceCode, out var s);
            return new CaseSummary(r.Id, r.PolicyNumber, PersonalDataProtector.MaskName(r.InsuredName), r.ServiceCode, s?.NameZh ?? r.ServiceCode, s?.NameEn ?? r.ServiceCode,
                r.Status, r.Channel, r.ReceivedAt, r.UpdatedAt, r.AppointmentAt);
        }).ToList();
        var next = rows.Count > size ? Cursor.Format(page[^1].ReceivedAt, page[^1].ApplicationId) : null;
        if (http.HttpContext is { } h) Infrastructure.AccessTrail.Note(h, $"case search: {page.Count} of {total}");
        return new CasePage(page, next, total);
    }

    /// <summary>The keyset cursor: the last row's receipt (UTC ticks) and id.</summary>
    private static class Cursor
    {
        public static string Format(DateTimeOffset at, string id) => $"{at.UtcTicks}.{id}";

        public static (DateTimeOffset At, string Id)? Parse(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            var dot = text.IndexOf('.');
            if (dot <= 0 || !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks < 0 || ticks > DateTimeOffset.MaxValue.UtcTicks)
                throw new WorkspaceRequestException("after", "翻页参数无效，请从第一页重新查询。", "after is not a cursor this search gave; start again from the first page.");
            return (new DateTimeOffset(ticks, TimeSpan.Zero), text[(dot + 1)..]);
        }
    }
}

/// <summary>A workspace request that names a bad field: 400 with the field and the rule in Chinese and English.</summary>
public sealed class WorkspaceRequestException(string field, string zh, string en) : FormValidationException([new FormError(field, "invalid", zh, en)]);
