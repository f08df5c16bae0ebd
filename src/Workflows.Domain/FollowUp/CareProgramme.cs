using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Policies;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.FollowUp;

/// <summary>
/// The COC programme's follow-up records (治疗档案) and plans, and the staff's requests for documents: what the case
/// manager records, what the member uploads, the medication calendar, and the reminders each one schedules. Writes that
/// schedule reminders go through the writer connection, so the record and its reminders commit together.
/// </summary>
public sealed class CareProgramme(DomainDbContext db, StoreConnections connections, PersonalDataProtector protector, ReminderPlanner planner,
    BusinessCalendar calendar, TimeProvider clock)
{
    public const string CocService = "cpic-coc-oncology-follow-up";
    public const int MaxPlanDays = 184;

    public sealed record RecordView(string Id, string Kind, DateOnly OccurredOn, string Title, string RecordedBy, DateTimeOffset RecordedAt);
    public sealed record PlanView(string Id, string Drug, IReadOnlyList<string> TimesOfDay, DateOnly StartsOn, DateOnly EndsOn, int Reminders);
    public sealed record SummaryView(string Id, string ApplicationId, string Month, JsonObject Content, DateTimeOffset CreatedAt);

    /// <summary>Adds an entry to an enrolled member's record (the case manager any kind; the member, through self-service, documents).</summary>
    public async Task<RecordView> RecordAsync(string applicationId, string? kind, DateOnly? occurredOn, string? title, string recordedBy, CancellationToken ct)
    {
        var app = await EnrolledAsync(applicationId, ct);
        if (kind is null || !CareRecordKinds.All.Contains(kind))
            throw new ApplicationRequestException(400, "Unknown record kind", $"The kind must be one of {string.Join(", ", CareRecordKinds.All)}.");
        if (occurredOn is not { } day || day > calendar.LocalDate(clock.GetUtcNow()))
            throw new ApplicationRequestException(400, "Invalid date", "occurredOn must be a date (yyyy-MM-dd), not in the future.");
        if (string.IsNullOrWhiteSpace(title) || title.Length > 500)
            throw new ApplicationRequestException(400, "Invalid title", "The title must have 1 to 500 characters.");
        var record = new CareRecord
        {
            Id = Ids.New(), ApplicationId = app.Id, Kind = kind, OccurredOn = day, TitleProtected = protector.Protect(title.Trim()),
            RecordedBy = recordedBy, RecordedAt = clock.GetUtcNow(),
        };
        db.CareRecords.Add(record);
        await db.SaveChangesAsync(ct);
        return View(record);
    }

    public async Task<IReadOnlyList<RecordView>> RecordsAsync(string applicationId, CancellationToken ct) =>
        (await db.CareRecords.AsNoTracking().Where(r => r.ApplicationId == applicationId).OrderBy(r => r.OccurredOn).ThenBy(r => r.RecordedAt).ToListAsync(ct))
        .Select(View).ToList();

    /// <summary>Sets up an oral-drug calendar and schedules a reminder at every dose time (at most <see cref="MaxPlanDays"/> days).</summary>
    public async Task<PlanView> AddMedicationPlanAsync(string applicationId, string? drug, IReadOnlyList<string>? timesOfDay, DateOnly? startsOn, DateOnly? endsOn,
        string createdBy, CancellationToken ct)
    {
        var app = await EnrolledAsync(applicationId, ct);
        if (string.IsNullOrWhiteSpace(drug) || drug.Length > 200)
            throw new ApplicationRequestException(400, "Invalid drug", "Name the drug (1 to 200 characters).");
        var times = new List<TimeOnly>();
        foreach (var t in timesOfDay ?? [])
            times.Add(TimeOnly.TryParseExact(t, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
                ? time : throw new ApplicationRequestException(400, "Invalid dose time", $"'{t}' is not a time of day like 08:00."));
        if (times.Count is 0 or > 6) throw new ApplicationRequestException(400, "Invalid dose times", "Give 1 to 6 dose times a day, e.g. [\"08:00\", \"20:00\"].");
        if (startsOn is not { } from || endsOn is not { } to || to < from || to.DayNumber - from.DayNumber + 1 > MaxPlanDays)
            throw new ApplicationRequestException(400, "Invalid period", $"startsOn and endsOn must be dates, endsOn not before startsOn, at most {MaxPlanDays} days.");
        var now = clock.GetUtcNow();
        var plan = new MedicationPlan
        {
            Id = Ids.New(), ApplicationId = app.Id, DrugProtected = protector.Protect(drug.Trim()), TimesOfDay = string.Join(",", times.Select(t => t.ToString("HH:mm"))),
            StartsOn = from, EndsOn = to, CreatedBy = createdBy, CreatedAt = now,
        };
        var doses = planner.DoseTimes(from, to, times.Distinct().Order().ToList()).Where(at => at > now).ToList();
        await connections.WriteAsync(c => Task.FromResult(c.InTransaction(tx =>
        {
            c.Command("""
                INSERT INTO MedicationPlans (Id, ApplicationId, DrugProtected, TimesOfDay, StartsOn, EndsOn, CreatedBy, CreatedAt)
                VALUES (@id, @app, @drug, @times, @from, @to, @by, @at)
                """, null, ("@id", plan.Id), ("@app", plan.ApplicationId), ("@drug", plan.DrugProtected), ("@times", plan.TimesOfDay),
                ("@from", from), ("@to", to), ("@by", createdBy), ("@at", now.UtcTicks)).ExecuteNonQuery();
            foreach (var at in doses)
            {
                var local = TimeZoneInfo.ConvertTime(at, BusinessCalendar.Shanghai);
                ScheduledWorkStore.Add(tx, $"remind:medication:{plan.Id}:{local:yyyyMMddHHmm}", WorkKinds.Reminder, at, new JsonObject
                {
                    ["type"] = Reminders.Medication, ["applicationId"] = app.Id, ["planId"] = plan.Id, ["time"] = local.ToString("HH:mm"),
                }, now);
            }
            return true;
        }, now)), ct);
        return new PlanView(plan.Id, drug.Trim(), plan.TimesOfDay.Split(','), from, to, doses.Count);
    }

    /// <summary>Staff ask the member for documents: the application shows them as missing and the member is reminded until they arrive.</summary>
    public async Task<IReadOnlyList<string>> RequestDocumentsAsync(string applicationId, IReadOnlyList<string>? documents, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId, ct)
                  ?? throw new ApplicationRequestException(404, "No such application", $"There is no application {applicationId}.");
        if (ApplicationStatus.Final.Contains(app.Status))
            throw new ApplicationRequestException(409, "Already ended", $"The application is already {app.Status}.");
        var docs = (documents ?? []).Select(d => d?.Trim() ?? "").Where(d => d.Length > 0).Distinct().ToList();
        if (docs.Count is 0 or > 20 || docs.Any(d => d.Length > 200))
            throw new ApplicationRequestException(400, "Invalid documents", "Name 1 to 20 documents (each up to 200 characters).");
        var now = clock.GetUtcNow();
        var request = Ids.New();
        var times = planner.DocumentReminderTimes(now).ToList();
        await connections.WriteAsync(c => Task.FromResult(c.InTransaction(tx =>
        {
            c.Command("UPDATE ServiceApplications SET MissingDocumentsJson = @docs, UpdatedAt = @now WHERE Id = @id", null,
                ("@docs", JsonSerializer.Serialize(docs)), ("@now", now.UtcTicks), ("@id", app.Id)).ExecuteNonQuery();
            c.Command("INSERT INTO ApplicationEvents (ApplicationId, At, Status, MessageZh, MessageEn) VALUES (@app, @at, @status, @zh, @en)", null,
                ("@app", app.Id), ("@at", now.UtcTicks), ("@status", app.Status), ("@zh", $"请补充材料：{string.Join("、", docs)}。"),
                ("@en", $"Please send: {string.Join(", ", docs)}.")).ExecuteNonQuery();
            for (var i = 0; i < times.Count; i++)
                ScheduledWorkStore.Add(tx, $"remind:documents:{app.Id}:{request}:{i + 1}", WorkKinds.Reminder, times[i],
                    new JsonObject { ["type"] = Reminders.MissingDocuments, ["applicationId"] = app.Id }, now);
            return true;
        }, now)), ct);
        return docs;
    }

    /// <summary>The member sends documents (metadata; the files go to the document store): those named are no longer missing.</summary>
    public async Task<IReadOnlyList<string>> SubmitDocumentsAsync(string applicationId, IReadOnlyList<string>? documents, CancellationToken ct)
    {
        var app = await db.Applications.SingleAsync(a => a.Id == applicationId, ct);
        var missing = app.MissingDocumentsJson is null ? [] : JsonSerializer.Deserialize<List<string>>(app.MissingDocumentsJson)!;
        var given = (documents ?? []).Select(d => d?.Trim() ?? "").Where(d => d.Length > 0).ToHashSet();
        if (given.Count == 0) throw new ApplicationRequestException(400, "No documents", "Name the documents you send.");
        missing.RemoveAll(given.Contains);
        app.MissingDocumentsJson = missing.Count == 0 ? null : JsonSerializer.Serialize(missing);
        app.UpdatedAt = clock.GetUtcNow();
        db.ApplicationEvents.Add(new ApplicationEvent
        {
            ApplicationId = app.Id, At = app.UpdatedAt, Status = app.Status,
            MessageZh = missing.Count == 0 ? "材料已补齐。" : $"已收到材料，仍缺：{string.Join("、", missing)}。",
            MessageEn = missing.Count == 0 ? "All documents received." : $"Documents received; still missing: {string.Join(", ", missing)}.",
        });
        await db.SaveChangesAsync(ct);
        return missing;
    }

    public async Task<IReadOnlyList<SummaryView>> SummariesAsync(string applicationId, CancellationToken ct) =>
        (await db.MonthlySummaries.AsNoTracking().Where(s => s.ApplicationId == applicationId).OrderByDescending(s => s.Month).ToListAsync(ct)).Select(View).ToList();

    public async Task<IReadOnlyList<SummaryView>> SummariesOfMemberAsync(string member, CancellationToken ct) =>
        (await db.MonthlySummaries.AsNoTracking().Where(s => s.MemberUserName == member).OrderByDescending(s => s.Month).ToListAsync(ct)).Select(View).ToList();

    public async Task<IReadOnlyList<SummaryView>> SummariesOfMonthAsync(string month, CancellationToken ct) =>
        (await db.MonthlySummaries.AsNoTracking().Where(s => s.Month == month).OrderBy(s => s.ApplicationId).ToListAsync(ct)).Select(View).ToList();

    private async Task<ServiceApplication> EnrolledAsync(string applicationId, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId, ct)
                  ?? throw new ApplicationRequestException(404, "No such application", $"There is no application {applicationId}.");
        if (app.ServiceCode != CocService || app.Status != ApplicationStatus.Booked)
            throw new ApplicationRequestException(409, "Not enrolled", "Records and plans are kept for members enrolled in COC follow-up.");
        return app;
    }

    private RecordView View(CareRecord r) => new(r.Id, r.Kind, r.OccurredOn, protector.Unprotect(r.TitleProtected)!, r.RecordedBy, r.RecordedAt);

    private SummaryView View(MonthlySummary s) =>
        new(s.Id, s.ApplicationId, s.Month, JsonNode.Parse(protector.Unprotect(s.ContentProtected)!)!.AsObject(), s.CreatedAt);
}

/// <summary>
/// The monthly summaries (每月治疗、检查、医疗材料或保险报销事项清单) of one month: for every member enrolled in COC during
/// the month, the month's treatments, tests, documents and reimbursement items from their record, and the services
/// they used. One summary per member and month (a unique key): running the month again adds nothing.
/// </summary>
public sealed class MonthlySummaries(IDbContextFactory<DomainDbContext> dbs, StoreConnections connections, PersonalDataProtector protector,
    NotificationOutbox outbox, TimeProvider clock) : IScheduledWorkHandler
{
    public string Kind => WorkKinds.MonthlySummaries;

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct)
    {
        var month = DateOnly.ParseExact(work.Payload["month"]!.GetValue<string>() + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (made, existed) = await RunMonthAsync(month, ct);
        return $"{month:yyyy-MM}: {made} summaries made, {existed} existed";
    }

    public async Task<(int Made, int Existed)> RunMonthAsync(DateOnly month, CancellationToken ct)
    {
        var from = BusinessCalendar.At(month, TimeOnly.MinValue);
        var to = BusinessCalendar.At(month.AddMonths(1), TimeOnly.MinValue);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var enrolled = await db.Applications.AsNoTracking()
            .Where(a => a.ServiceCode == CareProgramme.CocService && a.CreatedAt < to && a.Status != ApplicationStatus.Refused)
            .Where(a => a.Status == ApplicationStatus.Booked || a.UpdatedAt >= from)
            // The programme ends with the contract (C 249-251): no summary of a month that starts after the policy's last day,
            // even when the programme was closed in the first minutes of that month.
            .Where(a => db.Policies.Any(p => p.Id == a.PolicyId && p.EndDate >= month))
            .ToListAsync(ct);
        int made = 0, existed = 0;
        foreach (var app in enrolled)
        {
            var records = await db.CareRecords.AsNoTracking()
                .Where(r => r.ApplicationId == app.Id && r.OccurredOn >= month && r.OccurredOn < month.AddMonths(1))
                .OrderBy(r => r.OccurredOn).ToListAsync(ct);
            var services = await db.Applications.AsNoTracking()
                .Where(a => a.ApplicantUserName == app.ApplicantUserName && a.Id != app.Id && a.UpdatedAt >= from && a.UpdatedAt < to)
                .OrderBy(a => a.CreatedAt).Select(a => new { a.ServiceCode, a.Status }).ToListAsync(ct);
            JsonArray Items(string kind) => new(records.Where(r => r.Kind == kind)
                .Select(r => (JsonNode)new JsonObject { ["date"] = r.OccurredOn.ToString("yyyy-MM-dd"), ["title"] = protector.Unprotect(r.TitleProtected) }).ToArray());
            var content = new JsonObject
            {
                ["month"] = month.ToString("yyyy-MM"),
                ["treatments"] = Items(CareRecordKinds.Treatment),
                ["tests"] = Items(CareRecordKinds.Test),
                ["documents"] = Items(CareRecordKinds.Document),
                ["reimbursements"] = Items(CareRecordKinds.Reimbursement),
                ["services"] = new JsonArray(services.Select(s => (JsonNode)new JsonObject { ["service"] = s.ServiceCode, ["status"] = s.Status }).ToArray()),
            };
            var now = clock.GetUtcNow();
            var added = await connections.WriteAsync(c => Task.FromResult(c.InTransaction(tx =>
            {
                var rows = c.Command("""
                    INSERT INTO MonthlySummaries (Id, ApplicationId, Month, MemberUserName, ContentProtected, CreatedAt)
                    VALUES (@id, @app, @month, @member, @content, @now) ON CONFLICT (ApplicationId, Month) DO NOTHING
                    """, null, ("@id", Ids.New()), ("@app", app.Id), ("@month", month.ToString("yyyy-MM")), ("@member", app.ApplicantUserName),
                    ("@content", protector.Protect(content.ToJsonString())), ("@now", now.UtcTicks)).ExecuteNonQuery();
                if (rows == 1)
                    outbox.Add(tx, new NotificationRequest($"summary:{app.Id}:{month:yyyy-MM}", "monthly-summary",
                        $"您 {month:yyyy年M月} 的治疗与服务小结已生成，可在“我的服务”中查看。",
                        $"Your summary for {month:yyyy-MM} is ready under My services.", app.ApplicantUserName, ApplicationId: app.Id), now);
                return rows == 1;
            }, now)), ct);
            if (added) made++; else existed++;
        }
        return (made, existed);
    }
}
