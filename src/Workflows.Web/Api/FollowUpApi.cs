using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.FollowUp;
using Workflows.Persistence;
using Workflows.Persistence.Stores;
using Workflows.Scheduling;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// Follow-up: the SLA report, the notification outbox, scheduled work, the COC record and plans, documents asked of
/// members, and the monthly summaries. Members reach their own messages, summaries and documents under /api/me.
/// </summary>
public static class FollowUpApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sla/report", Report).RequireAuthorization(Policies.ReadSlaReport).WithTags("SLA");
        app.MapGet("/api/sla/report/tasks", ReportTasks).RequireAuthorization(Policies.ReadSlaReport).WithTags("SLA");
        app.MapGet("/api/notifications", Notifications).RequireAuthorization(Policies.ReadNotifications).WithTags("Notifications");

        var work = app.MapGroup("/api/scheduled-work").RequireAuthorization(Policies.OperateScheduling).WithTags("Scheduling");
        work.MapGet("", Work);
        work.MapPost("/{workId}/retry", Retry);

        var summaries = app.MapGroup("/api/summaries").RequireAuthorization(Policies.RunSummaries).WithTags("Summaries");
        summaries.MapGet("", SummariesOfMonth);
        summaries.MapPost("/run", RunSummaries);

        var coc = app.MapGroup("/api/coc/{applicationId}").RequireAuthorization(Policies.KeepCareRecords).WithTags("COC");
        coc.MapGet("/records", Records);
        coc.MapPost("/records", AddRecord);
        coc.MapPost("/medication-plans", AddPlan);
        coc.MapGet("/summaries", Summaries);

        app.MapPost("/api/applications/{applicationId}/request-documents", RequestDocuments).RequireAuthorization(Policies.RequestDocuments).WithTags("Documents");

        var me = app.MapGroup("/api/me").RequireAuthorization(Policies.MemberSelfService).WithTags("Member");
        me.MapGet("/notifications", MyNotifications);
        me.MapGet("/summaries", MySummaries);
        me.MapPost("/applications/{applicationId}/documents", SendDocuments);
    }

    private static async Task<Results<Ok<SlaReport.Report>, ProblemHttpResult>> Report(DomainDbContext db, WorkflowsDbContext engine, BusinessCalendar calendar,
        TimeProvider clock, string? from, string? to, CancellationToken ct)
    {
        if (!TryDate(from, out var f) || !TryDate(to, out var t))
            return ProblemMapping.Problem(400, "Invalid period", "from and to are dates (yyyy-MM-dd, Beijing time); both optional.");
        var today = calendar.LocalDate(clock.GetUtcNow());
        var start = BusinessCalendar.At(f ?? today.AddDays(1 - today.Day), TimeOnly.MinValue);
        var end = BusinessCalendar.At((t ?? today).AddDays(1), TimeOnly.MinValue);
        return TypedResults.Ok(await SlaReport.BuildAsync(db, engine, start, end, ct));
    }

    /// <summary>The SLA report's drill-down: the breached tasks of the period (optionally of one service and task type), at most 500.</summary>
    private static async Task<Results<Ok<IReadOnlyList<SlaReport.BreachedTask>>, ProblemHttpResult>> ReportTasks(DomainDbContext db, WorkflowsDbContext engine,
        BusinessCalendar calendar, TimeProvider clock, string? from, string? to, string? definitionId, string? activityType, CancellationToken ct)
    {
        if (!TryDate(from, out var f) || !TryDate(to, out var t))
            return ProblemMapping.Problem(400, "Invalid period", "from and to are dates (yyyy-MM-dd, Beijing time); both optional.");
        var today = calendar.LocalDate(clock.GetUtcNow());
        var start = BusinessCalendar.At(f ?? today.AddDays(1 - today.Day), TimeOnly.MinValue);
        var end = BusinessCalendar.At((t ?? today).AddDays(1), TimeOnly.MinValue);
        return TypedResults.Ok(await SlaReport.TasksAsync(db, engine, start, end, definitionId, activityType, 500, ct));
    }

    public sealed record NotificationView(string Id, string Channel, string? RecipientUserName, string? RecipientRole, string Template, string TextZh,
        string TextEn, string State, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string? ApplicationId);

    private static async Task<Ok<List<NotificationView>>> Notifications(DomainDbContext db, NotificationOutbox outbox, string? template, string? recipient,
        int? take, CancellationToken ct)
    {
        var q = db.Notifications.AsNoTracking();
        if (!string.IsNullOrEmpty(template)) q = q.Where(n => n.Template == template);
        if (!string.IsNullOrEmpty(recipient)) q = q.Where(n => n.RecipientUserName == recipient || n.RecipientRole == recipient);
        var rows = await q.OrderByDescending(n => n.CreatedAt).Take(Math.Clamp(take ?? 200, 1, 1000)).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(n => View(n, outbox)).ToList());
    }

    private static async Task<Ok<List<NotificationView>>> MyNotifications(DomainDbContext db, NotificationOutbox outbox, HttpContext http, CancellationToken ct)
    {
        var me = http.User.Identity!.Name!;
        var rows = await db.Notifications.AsNoTracking().Where(n => n.RecipientUserName == me).OrderByDescending(n => n.CreatedAt).Take(200).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(n => View(n, outbox)).ToList());
    }

    private static NotificationView View(Notification n, NotificationOutbox outbox)
    {
        var (zh, en) = outbox.Text(n);
        return new(n.Id, n.Channel, n.RecipientUserName, n.RecipientRole, n.Template, zh, en, n.State, n.Attempts, n.LastError, n.CreatedAt, n.SentAt, n.ApplicationId);
    }

    public sealed record WorkView(IReadOnlyDictionary<string, int> Counts, IReadOnlyList<ScheduledWork> Items);

    private static async Task<Ok<WorkView>> Work(ScheduledWorkStore store, string? kind, string? state, int? take, CancellationToken ct) =>
        TypedResults.Ok(new WorkView(await store.CountByStateAsync(ct), await store.RecentAsync(kind, state, Math.Clamp(take ?? 100, 1, 1000), ct)));

    /// <summary>Failed work (after its last retry) is run again on request.</summary>
    private static async Task<Results<Accepted, ProblemHttpResult>> Retry(ScheduledWorkStore store, Hangfire.IBackgroundJobClient hangfire, string workId,
        CancellationToken ct)
    {
        if (!await store.RequeueFailedAsync(workId, ct))
            return ProblemMapping.Problem(409, "Not failed", $"Work {workId} does not exist or has not failed; only failed work is run again by hand.");
        if (await store.GetAsync(workId, ct) is { } work) WorkDispatcher.Enqueue(hangfire, work);
        return TypedResults.Accepted($"/api/scheduled-work?state=Queued");
    }

    public sealed record RunRequest(string? Month);
    public sealed record RunAccepted(string Month, bool Added);

    /// <summary>
    /// Runs a month's summaries now (e.g. after correcting records). Requires an Idempotency-Key: the same request
    /// retried adds one run; whichever runs, each member keeps one summary for the month.
    /// </summary>
    private static async Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> RunSummaries(ScheduledWorkStore store, WorkDispatcher dispatcher,
        TimeProvider clock, RunRequest request, [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 100)
            return ProblemMapping.Problem(400, "Idempotency-Key required", "Send an Idempotency-Key header (up to 100 characters) so a retried run is added once.");
        if (!DateOnly.TryParseExact(request.Month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month))
            return ProblemMapping.Problem(400, "Invalid month", "month is a month like 2026-10.");
        var added = await MonthlySummaryJob.AddRunAsync(store, month, key, clock, ct);
        dispatcher.Signal();
        return TypedResults.Accepted("/api/summaries?month=" + request.Month, new RunAccepted(request.Month!, added));
    }

    private static async Task<Results<Ok<IReadOnlyList<CareProgramme.SummaryView>>, ProblemHttpResult>> SummariesOfMonth(CareProgramme coc, string? month,
        CancellationToken ct) =>
        month is { Length: 7 } ? TypedResults.Ok(await coc.SummariesOfMonthAsync(month, ct)) : ProblemMapping.Problem(400, "Invalid month", "month is a month like 2026-10.");

    public sealed record RecordRequest(string? Kind, DateOnly? OccurredOn, string? Title);

    private static async Task<Ok<IReadOnlyList<CareProgramme.RecordView>>> Records(CareProgramme coc, string applicationId, CancellationToken ct) =>
        TypedResults.Ok(await coc.RecordsAsync(applicationId, ct));

    private static async Task<Created<CareProgramme.RecordView>> AddRecord(CareProgramme coc, HttpContext http, string applicationId, RecordRequest request,
        CancellationToken ct)
    {
        var record = await coc.RecordAsync(applicationId, request.Kind, request.OccurredOn, request.Title, http.User.Identity!.Name!, ct);
        return TypedResults.Created($"/api/coc/{applicationId}/records", record);
    }

    public sealed record PlanRequest(string? Drug, List<string>? TimesOfDay, DateOnly? StartsOn, DateOnly? EndsOn);

    private static async Task<Created<CareProgramme.PlanView>> AddPlan(CareProgramme coc, WorkDispatcher dispatcher, HttpContext http, string applicationId,
        PlanRequest request, CancellationToken ct)
    {
        var plan = await coc.AddMedicationPlanAsync(applicationId, request.Drug, request.TimesOfDay, request.StartsOn, request.EndsOn, http.User.Identity!.Name!, ct);
        dispatcher.Signal();
        return TypedResults.Created($"/api/coc/{applicationId}/medication-plans/{plan.Id}", plan);
    }

    private static async Task<Ok<IReadOnlyList<CareProgramme.SummaryView>>> Summaries(CareProgramme coc, string applicationId, CancellationToken ct) =>
        TypedResults.Ok(await coc.SummariesAsync(applicationId, ct));

    public sealed record DocumentsRequest(List<string>? Documents);
    public sealed record DocumentsState(IReadOnlyList<string> Missing);

    private static async Task<Ok<DocumentsState>> RequestDocuments(CareProgramme coc, WorkDispatcher dispatcher, string applicationId, DocumentsRequest request,
        CancellationToken ct)
    {
        var missing = await coc.RequestDocumentsAsync(applicationId, request.Documents, ct);
        dispatcher.Signal();
        return TypedResults.Ok(new DocumentsState(missing));
    }

    private static async Task<Results<Ok<DocumentsState>, NotFound<ProblemDetailsBody>>> SendDocuments(CareProgramme coc, ApplicationService applications,
        HttpContext http, string applicationId, DocumentsRequest request, CancellationToken ct)
    {
        if (await applications.GetAsync(http.User.Identity!.Name!, applicationId, ct) is null)
            return TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));
        return TypedResults.Ok(new DocumentsState(await coc.SubmitDocumentsAsync(applicationId, request.Documents, ct)));
    }

    private static async Task<Ok<IReadOnlyList<CareProgramme.SummaryView>>> MySummaries(CareProgramme coc, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await coc.SummariesOfMemberAsync(http.User.Identity!.Name!, ct));

    private static bool TryDate(string? s, out DateOnly? d)
    {
        d = null;
        if (string.IsNullOrEmpty(s)) return true;
        if (!DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var v)) return false;
        d = v;
        return true;
    }
}
