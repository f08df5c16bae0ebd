using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Policies;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.FollowUp;

/// <summary>
/// When members are reminded, on the business calendar (Asia/Shanghai). Each reminder is scheduled work with a key naming
/// what it reminds of, so it is scheduled, and sent, once:
/// - appointment: 10:00 the day before the appointment;
/// - cancellation deadline: 09:00 on the last day a cancellation still gives the use back (the notice period's close);
/// - medication (COC oral-drug calendar): at each dose time;
/// - missing documents: 10:00 one and three working days after staff asked for them, while they are still missing.
/// </summary>
public sealed class ReminderPlanner(BusinessCalendar calendar)
{
    public static readonly TimeOnly AppointmentReminderTime = new(10, 0);
    public static readonly TimeOnly CancellationReminderTime = new(9, 0);
    public static readonly TimeOnly DocumentsReminderTime = new(10, 0);
    public static readonly int[] DocumentsReminderWorkingDays = [1, 3];

    public DateTimeOffset AppointmentReminderAt(DateTimeOffset appointmentAt) =>
        BusinessCalendar.At(calendar.LocalDate(appointmentAt).AddDays(-1), AppointmentReminderTime);

    /// <summary>The last local day on which a cancellation still gives <paramref name="noticeWorkingDays"/> working days of notice.</summary>
    public DateOnly LastTimelyCancellationDay(DateTimeOffset appointmentAt, int noticeWorkingDays)
    {
        var appointmentDay = calendar.LocalDate(appointmentAt);
        var day = appointmentDay;
        while (calendar.WorkingDaysBetween(day, appointmentDay) < noticeWorkingDays) day = day.AddDays(-1);
        return day;
    }

    public DateTimeOffset CancellationReminderAt(DateTimeOffset appointmentAt, int noticeWorkingDays) =>
        BusinessCalendar.At(LastTimelyCancellationDay(appointmentAt, noticeWorkingDays), CancellationReminderTime);

    public IEnumerable<DateTimeOffset> DocumentReminderTimes(DateTimeOffset requestedAt) =>
        DocumentsReminderWorkingDays.Select(n => BusinessCalendar.At(calendar.AddWorkingDays(calendar.LocalDate(requestedAt), n), DocumentsReminderTime));

    public IEnumerable<DateTimeOffset> DoseTimes(DateOnly from, DateOnly to, IReadOnlyList<TimeOnly> times)
    {
        for (var day = from; day <= to; day = day.AddDays(1))
            foreach (var t in times) yield return BusinessCalendar.At(day, t);
    }

    /// <summary>Schedules the appointment and cancellation-deadline reminders of a booking, inside the booking step's transaction.</summary>
    public void ScheduleForBooking(WriteTransaction c, string applicationId, string serviceCode, string member, DateTimeOffset appointmentAt,
        int? noticeWorkingDays, DateTimeOffset now)
    {
        var payload = new JsonObject { ["applicationId"] = applicationId, ["member"] = member, ["appointmentAt"] = appointmentAt.ToString("O") };
        var stamp = appointmentAt.UtcTicks;
        var remindAt = AppointmentReminderAt(appointmentAt);
        if (remindAt > now)
            ScheduledWorkStore.Add(c, $"remind:appointment:{applicationId}:{stamp}", WorkKinds.Reminder, remindAt, With(payload, Reminders.Appointment), now);
        if (noticeWorkingDays is > 0 && CancellationReminderAt(appointmentAt, noticeWorkingDays.Value) is var cancelAt && cancelAt > now)
            ScheduledWorkStore.Add(c, $"remind:cancel-deadline:{applicationId}:{stamp}", WorkKinds.Reminder, cancelAt,
                With(payload, Reminders.CancellationDeadline, ("noticeWorkingDays", noticeWorkingDays.Value), ("serviceCode", serviceCode)), now);
    }

    private static JsonObject With(JsonObject payload, string type, params (string Key, JsonNode? Value)[] more)
    {
        var o = payload.DeepClone().AsObject();
        o["type"] = type;
        foreach (var (k, v) in more) o[k] = v;
        return o;
    }
}

/// <summary>
/// Sends a due reminder if it still applies (the appointment is still booked for that time, the documents are still
/// missing, the programme still runs): the message's key is the work's key, so a reminder delivered twice sends once.
/// </summary>
public sealed class Reminders(IDbContextFactory<DomainDbContext> dbs, StoreConnections connections, NotificationOutbox outbox,
    PersonalDataProtector protector, TimeProvider clock, ServiceCatalogue catalogue) : IScheduledWorkHandler
{
    public const string Appointment = "appointment";
    public const string CancellationDeadline = "cancellation-deadline";
    public const string Medication = "medication";
    public const string MissingDocuments = "missing-documents";

    public string Kind => WorkKinds.Reminder;

    /// <summary>The cancellation-deadline reminder, in the words of the rule a cancellation will apply (<see cref="Eligibility.CancellationNotice"/>).</summary>
    private NotificationRequest CancellationDeadlineMessage(string key, ServiceApplication app, DateTimeOffset local, int notice)
    {
        catalogue.TryGet(app.ServiceCode, out var service);
        var (zh, en) = Eligibility.CancellationNotice.DeadlineReminder(service, local, notice);
        return new NotificationRequest(key, "cancellation-deadline", zh, en, app.ApplicantUserName, ApplicationId: app.Id);
    }

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct)
    {
        var p = work.Payload;
        var type = p["type"]!.GetValue<string>();
        var applicationId = p["applicationId"]!.GetValue<string>();
        await using var db = await dbs.CreateDbContextAsync(ct);
        var app = await db.Applications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId, ct);
        if (app is null || ApplicationStatus.Final.Contains(app.Status)) return "the application has ended; no reminder";
        var member = app.ApplicantUserName;
        NotificationRequest? message;
        switch (type)
        {
            case Appointment or CancellationDeadline:
                var at = DateTimeOffset.Parse(p["appointmentAt"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                if (app.Status != ApplicationStatus.Booked || app.AppointmentAt != at) return "no longer booked for that time; no reminder";
                var local = TimeZoneInfo.ConvertTime(at, BusinessCalendar.Shanghai);
                message = type == Appointment
                    ? new NotificationRequest(work.Key, "appointment-reminder", $"提醒：您预约的服务在明天 {local:MM月dd日 HH:mm}，请按时前往。",
                        $"Reminder: your appointment is tomorrow, {local:yyyy-MM-dd HH:mm} (Beijing time).", member, ApplicationId: app.Id)
                    : CancellationDeadlineMessage(work.Key, app, local, p["noticeWorkingDays"]!.GetValue<int>());
                break;
            case Medication:
                var plan = await db.MedicationPlans.AsNoTracking().SingleOrDefaultAsync(x => x.Id == p["planId"]!.GetValue<string>(), ct);
                if (plan is null) return "the medication plan was removed; no reminder";
                var drug = protector.Unprotect(plan.DrugProtected);
                message = new NotificationRequest(work.Key, "medication-reminder", $"用药提醒：请按时服用 {drug}（{p["time"]}）。",
                    $"Medication reminder: time to take {drug} ({p["time"]}).", member, ApplicationId: app.Id);
                break;
            case MissingDocuments:
                if (app.MissingDocumentsJson is null) return "the documents have arrived; no reminder";
                var missing = string.Join("、", JsonNode.Parse(app.MissingDocumentsJson)!.AsArray().Select(x => x!.GetValue<string>()));
                message = new NotificationRequest(work.Key, "missing-documents", $"请补充材料：{missing}。材料齐全后我们将继续为您办理。",
                    $"Documents still missing: {missing}. We will continue once they arrive.", member, ApplicationId: app.Id);
                break;
            default:
                throw new InvalidOperationException($"Unknown reminder type '{type}'.");
        }
        var added = await connections.WriteAsync(c => Task.FromResult(c.InTransaction(t => outbox.Add(t, message, t.Now), clock.GetUtcNow())), ct);
        return added > 0 ? $"{type} reminder stored" : $"{type} reminder stored before";
    }
}
