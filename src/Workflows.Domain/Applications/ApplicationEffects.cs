using System.Text.Json.Nodes;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.Applications;

/// <summary>
/// The effects service workflows have on applications and quotas, applied inside the step's transaction: an
/// application's row and timeline change exactly when the workflow step that decided it commits, and a quota is
/// reserved by a conditional update of its counter (<see cref="Eligibility.QuotaLedger"/>), so concurrent applications never overdraw it, on any provider.
/// </summary>
public sealed class ApplicationEffects(TimeProvider clock, FollowUp.ReminderPlanner reminders, Catalogue.ServiceCatalogue catalogue) : IStepEffectHandler
{
    public const string Create = "application.create";
    public const string Status = "application.status";
    public const string ReserveQuota = "quota.reserve";
    public const string ConsumeQuota = "quota.consume";
    public const string ReleaseQuota = "quota.release";
    /// <summary>The case manager's answer to a COC question (encrypted before it reaches the effect), with who answered and when.</summary>
    public const string AnswerConsultation = "consultation.answer";

    public IReadOnlyCollection<string> Types { get; } = [Create, Status, ReserveQuota, ConsumeQuota, ReleaseQuota, AnswerConsultation];

    public void Apply(StepTransaction c, StepEffect effect)
    {
        var instance = c.Instance;
        var d = effect.Data;
        // The step's time, as its journal entries carry: the caller can then answer from the commit (Project) with the same times.
        var now = instance.UpdatedAt.UtcTicks;
        var applicationId = d["applicationId"]?.GetValue<string>() ?? instance.CorrelationId
                            ?? throw new InvalidOperationException($"Effect {effect.Type} of instance {instance.Id} names no application.");
        switch (effect.Type)
        {
            case Create:
                c.Command("""
                    INSERT INTO ServiceApplications (Id, PolicyId, PolicyNumber, ServiceCode, ApplicantUserName, ApplicantRole, Status, InstanceId, DetailsJson, CreatedAt, UpdatedAt,
                        Channel, ReceivedAt, FiledBy)
                    VALUES (@id, @policy, @number, @service, @user, @role, @status, @instance, @details, @now, @now, @channel, @received, @filedBy)
                    """, ("@id", applicationId), ("@policy", Str(d, "policyId")), ("@number", Str(d, "policyNumber")), ("@service", Str(d, "serviceCode")),
                    ("@user", Str(d, "applicant")), ("@role", Str(d, "applicantRole")), ("@status", ApplicationStatus.Submitted), ("@instance", instance.Id),
                    ("@details", d["details"]?.ToJsonString() ?? "{}"), ("@now", now), ("@channel", (d["channel"] as JsonValue)?.ToString() ?? ApplicationChannels.App),
                    ("@received", d["receivedAt"] is JsonValue r ? DateTimeOffset.Parse(r.ToString(), System.Globalization.CultureInfo.InvariantCulture).UtcTicks : now),
                    ("@filedBy", (d["filedBy"] as JsonValue)?.ToString())).ExecuteNonQuery();
                var (submittedZh, submittedEn) = Received(d);
                Event(c, applicationId, ApplicationStatus.Submitted, submittedZh, submittedEn, now);
                break;

            case Status:
                var status = Str(d, "status");
                var at = d["appointmentAt"]?.GetValue<string>() is { } s ? (long?)DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture).UtcTicks : null;
                var rows = c.Command("""
                    UPDATE ServiceApplications SET Status = @status, RefusalCode = COALESCE(@code, RefusalCode), RefusalMessageZh = COALESCE(@zhr, RefusalMessageZh),
                        RefusalMessageEn = COALESCE(@enr, RefusalMessageEn), AppointmentAt = COALESCE(@at, AppointmentAt), UpdatedAt = @now,
                        ReferenceDataVersion = COALESCE(@refs, ReferenceDataVersion)
                    WHERE Id = @id
                    """, ("@status", status), ("@code", d["code"]?.GetValue<string>()),
                    ("@zhr", status == ApplicationStatus.Refused ? Str(d, "zh") : null), ("@enr", status == ApplicationStatus.Refused ? Str(d, "en") : null),
                    ("@at", at), ("@now", now), ("@id", applicationId), ("@refs", (d["referenceDataVersion"] as JsonValue)?.ToString())).ExecuteNonQuery();
                if (rows == 0) throw new InvalidOperationException($"Application {applicationId} does not exist.");
                Event(c, applicationId, status, Str(d, "zh"), Str(d, "en"), now);
                if (status == ApplicationStatus.Booked && at is { } booked) ScheduleReminders(c, applicationId, new DateTimeOffset(booked, TimeSpan.Zero));
                break;

            case ReserveQuota:
                var quota = d["quota"]!.GetValue<int>();
                var key = new Eligibility.QuotaKey(Str(d, "policyId"), Str(d, "serviceCode"), DateOnly.Parse(Str(d, "periodStart"), System.Globalization.CultureInfo.InvariantCulture));
                if (!Eligibility.QuotaLedger.Reserve(c, key, quota, applicationId, now))
                    throw new EffectRefusedException("QUOTA_EXHAUSTED", $"The quota of {quota} for {key.ServiceCode} is used up.");
                break;

            case ConsumeQuota:
                Eligibility.QuotaLedger.Consume(c, applicationId, now);
                break;

            case ReleaseQuota:
                Eligibility.QuotaLedger.Release(c, applicationId, now);
                break;

            case AnswerConsultation:
                // Only a question of this application, answered once: a second answer task for the same question changes nothing.
                var answered = c.Command("""
                    UPDATE MemberConsultations SET AnswerProtected = @answer, AnsweredBy = @by, AnsweredAt = @now
                    WHERE Id = @id AND ApplicationId = @app AND AnswerProtected IS NULL
                    """, ("@answer", Str(d, "answerProtected")), ("@by", Str(d, "answeredBy")), ("@now", now), ("@id", Str(d, "consultationId")),
                    ("@app", applicationId)).ExecuteNonQuery();
                if (answered == 0 && Convert.ToInt64(c.Command("SELECT COUNT(*) FROM MemberConsultations WHERE Id = @id AND ApplicationId = @app",
                        ("@id", Str(d, "consultationId")), ("@app", applicationId)).ExecuteScalar()) == 0)
                    throw new InvalidOperationException($"Consultation {Str(d, "consultationId")} is not a question of application {applicationId}.");
                break;
        }
    }

    /// <summary>A booking schedules its reminders (the day before; before the cancellation notice closes) in the same transaction.</summary>
    private void ScheduleReminders(WriteTransaction c, string applicationId, DateTimeOffset appointmentAt)
    {
        using var r = c.Command("SELECT ServiceCode, ApplicantUserName FROM ServiceApplications WHERE Id = @id", ("@id", applicationId)).ExecuteReader();
        if (!r.Read()) return;
        var (service, member) = (r.GetString(0), r.GetString(1));
        r.Close();
        catalogue.TryGet(service, out var entry);
        reminders.ScheduleForBooking(c, applicationId, service, member, appointmentAt, entry?.CancellationNoticeWorkingDays, clock.GetUtcNow());
    }

    /// <summary>The timeline's first line: received in the app, or taken by a hotline.</summary>
    private static (string Zh, string En) Received(JsonObject d)
    {
        var channel = ApplicationChannels.Of((d["channel"] as JsonValue)?.ToString());
        return channel.ByPhone
            ? ($"已通过{channel.NameZh}受理您的申请。", $"Your application was taken by {channel.NameEn}.")
            : ("已收到您的申请。", "Your application was received.");
    }

    /// <summary>
    /// What <see cref="Apply"/> writes for the application effects of one step (create, status), applied to the row and
    /// timeline in memory: the application as the step left it, without reading it back. Effects for other applications
    /// and those that do not change the row or timeline are skipped. Kept beside <see cref="Apply"/> so the two change
    /// together; a test compares the answer built here with the application read from the database.
    /// </summary>
    public static void Project(ServiceApplication app, List<TimelineEntry> timeline, StepEffect effect, string instanceId, string? correlationId, DateTimeOffset at)
    {
        var d = effect.Data;
        var applicationId = d["applicationId"]?.GetValue<string>() ?? correlationId;
        switch (effect.Type)
        {
            case Create:
                app.Id = applicationId!;
                app.PolicyId = Str(d, "policyId");
                app.PolicyNumber = Str(d, "policyNumber");
                app.ServiceCode = Str(d, "serviceCode");
                app.ApplicantUserName = Str(d, "applicant");
                app.ApplicantRole = Str(d, "applicantRole");
                app.Status = ApplicationStatus.Submitted;
                app.InstanceId = instanceId;
                app.CreatedAt = app.UpdatedAt = at;
                var (zh, en) = Received(d);
                timeline.Add(new TimelineEntry(at, ApplicationStatus.Submitted, zh, en));
                break;
            case Status when applicationId == app.Id:
                var status = Str(d, "status");
                app.Status = status;
                app.RefusalCode = d["code"]?.GetValue<string>() ?? app.RefusalCode;
                if (status == ApplicationStatus.Refused)
                {
                    app.RefusalMessageZh = Str(d, "zh");
                    app.RefusalMessageEn = Str(d, "en");
                }
                if (d["appointmentAt"]?.GetValue<string>() is { } s)
                    app.AppointmentAt = new DateTimeOffset(DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture).UtcTicks, TimeSpan.Zero);
                app.ReferenceDataVersion = (d["referenceDataVersion"] as JsonValue)?.ToString() ?? app.ReferenceDataVersion;
                app.UpdatedAt = at;
                timeline.Add(new TimelineEntry(at, status, Str(d, "zh"), Str(d, "en")));
                break;
        }
    }

    private static void Event(WriteTransaction c, string applicationId, string status, string zh, string en, long now) =>
        c.Command("INSERT INTO ApplicationEvents (ApplicationId, At, Status, MessageZh, MessageEn) VALUES (@app, @at, @status, @zh, @en)",
            ("@app", applicationId), ("@at", now), ("@status", status), ("@zh", zh), ("@en", en)).ExecuteNonQuery();

    private static string Str(JsonObject d, string key) =>
        d[key]?.GetValue<string>() ?? throw new InvalidOperationException($"Effect data lacks '{key}'.");

    /// <summary>Effect data for a status change with its bilingual timeline message.</summary>
    public static JsonObject StatusData(string status, string zh, string en, string? code = null, DateTimeOffset? appointmentAt = null,
        string? referenceDataVersion = null) => new()
    {
        ["referenceDataVersion"] = referenceDataVersion,
        ["status"] = status,
        ["zh"] = zh,
        ["en"] = en,
        ["code"] = code,
        ["appointmentAt"] = appointmentAt?.ToString("O"),
    };
}
