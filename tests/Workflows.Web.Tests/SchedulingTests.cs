using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Workflows.Domain.FollowUp;
using Workflows.Persistence.Stores;
using Workflows.Scheduling;

namespace Workflows.Web.Tests;

/// <summary>
/// Deadlines, escalations, reminders and monthly summaries through the real host: Quartz's SQLite job store and Hangfire
/// run on a fake clock (the host's TimeProvider), so the tests stand on exact Asia/Shanghai instants without sleeping
/// through them; they only wait (briefly, in real time) for the schedulers to notice the clock moved.
/// </summary>
public abstract class SchedulingScenario(ScenarioFactory factory)
{
    protected ScenarioFactory Factory => factory;

    protected async Task<string> ImportCpicAsync(string user, string effective = "2025-11-01", string end = "2026-10-31", string? recurrenceOn = "2026-01-10")
    {
        var number = "S-" + Guid.NewGuid().ToString("N")[..10];
        var admin = await factory.ClientAs("Admin");
        var r = await admin.PostAsJsonAsync("/api/policies/import", new { policies = new[] { new
        {
            policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = effective, endDate = end, specialtyDrugCover = true,
            insured = new { name = "测试", idNumber = "110101198005010011", phone = "13900000001", birthDate = "1980-05-01", userName = user },
            diagnoses = recurrenceOn is null ? Array.Empty<object>() : [new { kind = "recurrence", diagnosedOn = recurrenceOn, detail = "复发" }],
        } } });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return number;
    }

    protected static async Task<string> ApplyAsync(HttpClient member, string service, string policy, object? details = null)
    {
        var r = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = service, policyNumber = policy, details = details ?? new { } });
        var body = await r.Body();
        Assert.True(r.StatusCode == HttpStatusCode.Created && body.GetProperty("status").GetString() == "Accepted", body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    protected string InstanceOf(string applicationId)
    {
        using var scope = factory.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == applicationId).InstanceId;
    }

    protected async Task<JsonElement?> TaskOf(HttpClient staff, string applicationId)
    {
        var instanceId = InstanceOf(applicationId);
        var tasks = await (await staff.GetAsync("/api/tasks")).Body();
        return tasks.EnumerateArray().Where(t => t.GetProperty("instanceId").GetString() == instanceId).Select(t => (JsonElement?)t).SingleOrDefault();
    }

    protected async Task CompleteAsync(HttpClient staff, string applicationId, string outcome, object? data = null)
    {
        var task = await TaskOf(staff, applicationId) ?? throw new InvalidOperationException($"No open task for application {applicationId}.");
        var r = await staff.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome, data = data ?? new { } }, Guid.NewGuid().ToString()));
        Assert.True(r.StatusCode == HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
    }

    protected ScheduledWorkStore Work => factory.Services.GetRequiredService<ScheduledWorkStore>();

    /// <summary>Moves the fake clock and waits (real time) until <paramref name="done"/> holds: the schedulers poll about once a second.</summary>
    protected async Task Eventually(Func<Task<bool>> done, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > until)
                // Say what the schedulers were doing: the recent work, the monthly cron, the host's warnings and scheduling log.
                Assert.Fail($"Timed out waiting for: {what}.\nRecent work: " +
                            string.Join("; ", (await Work.RecentAsync(null, null, 12)).Select(w => $"{w.Key} {w.State} due {w.DueAt:O} {w.LastError}")) +
                            "\nCron: " + CronState() + "\nLog: " + string.Join("\n", Directory.GetFiles(factory.LogDirectory).SelectMany(ReadShared)
                                .Where(l => l.Contains("\"Warning\"") || l.Contains("\"Error\"") || l.Contains("Workflows.Scheduling"))
                                .TakeLast(25).Select(l => l.Length > 400 ? l[..400] : l)));
            await Task.Delay(100);
        }
    }

    private string CronState()
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT TRIGGER_NAME || ' ' || TRIGGER_STATE || ' ' || COALESCE(NEXT_FIRE_TIME, 'null') || ' ' || COALESCE(PREV_FIRE_TIME, 'null') || ' start ' || START_TIME FROM QRTZ_TRIGGERS WHERE TRIGGER_GROUP = 'cron'";
        var rows = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) rows.Add(r.GetString(0));
        return string.Join(", ", rows) + $" (now {factory.Clock.GetUtcNow().UtcTicks})";
    }

    protected static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }

    protected long Scalar(string sql, params (string, object)[] args)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    /// <summary>Simulates a crash after the work's effect committed but before it was marked Done, then runs its Hangfire job again.</summary>
    protected async Task RunAgainAsync(ScheduledWork work)
    {
        using (var c = factory.Database.OpenSqlite())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "UPDATE ScheduledWork SET State = 'Queued' WHERE Id = @id";
            cmd.Parameters.AddWithValue("@id", work.Id);
            cmd.ExecuteNonQuery();
        }
        using var scope = factory.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<WorkRunner>().RunAsync(work.Id, CancellationToken.None);
    }

    /// <summary>
    /// Delivers the work's trigger again, twice over: through Quartz (the durable job fired by hand with the same work key)
    /// and by calling what a firing does. Returns what the direct call answered (false: nothing handed over).
    /// </summary>
    protected async Task<bool> FireTriggerAgainAsync(ScheduledWork work)
    {
        var scheduler = await factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(DueWorkJob.Key, new JobDataMap { [DueWorkJob.WorkKeyName] = work.Key });
        return await factory.Services.GetRequiredService<DueWorkJob>().HandOverAsync(work.Key, CancellationToken.None);
    }
}

/// <summary>SLA deadlines on the business calendar, and escalation once the deadline passes, exactly once.</summary>
public sealed class SlaEscalationTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task First_call_deadlines_walk_over_the_Spring_Festival_and_an_overdue_task_is_escalated_once()
    {
        // Friday 13 Feb 2026, 19:30 in Shanghai: inside hospital hours (08:00–20:00). The next working day is the make-up
        // Saturday 14 Feb (调休), so the first call is due on Saturday at 20:00.
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-13T11:30:00Z"));
        var policy = await ImportCpicAsync("sla-member");
        var member = await Factory.MemberAsync("sla-member");
        var inHours = await ApplyAsync(member, "cpic-outpatient-green-channel", policy, new { hospital = "复旦大学附属肿瘤医院" });
        // The same evening at 21:00, after hours: the clock starts at the next opening (Saturday 08:00); one working day on
        // from Saturday skips the festival (15–23 Feb) to Tuesday 24 Feb, 20:00.
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-13T13:00:00Z"));
        var afterHours = await ApplyAsync(member, "cpic-outpatient-green-channel", policy, new { hospital = "复旦大学附属肿瘤医院" });

        var specialist = await Factory.ClientAs("Specialist");
        var first = (await TaskOf(specialist, inHours))!.Value;
        var second = (await TaskOf(specialist, afterHours))!.Value;
        Assert.Equal(DateTimeOffset.Parse("2026-02-14T12:00:00Z"), first.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2026-02-24T12:00:00Z"), second.GetProperty("dueAt").GetDateTimeOffset());
        var bookmark = first.GetProperty("id").GetString()!;
        var deadline = await Work.GetByKeyAsync(ScheduleOnCommit.SlaKey(bookmark));
        Assert.Equal(DateTimeOffset.Parse("2026-02-14T12:00:00Z"), deadline!.DueAt);

        // One second before the deadline nothing happens; one second after, the task is escalated.
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-14T11:59:59Z"));
        await Task.Delay(1500);
        specialist = await Factory.ClientAs("Specialist"); // tokens follow the clock: a day later the old one has expired
        Assert.Equal(0, (await TaskOf(specialist, inHours))!.Value.GetProperty("priority").GetInt32());
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-14T12:00:01Z"));
        var supervisor = await Factory.ClientAs("Supervisor");
        await Eventually(async () => (await TaskOf(supervisor, inHours)) is { } t && t.GetProperty("escalatedTo").GetString() == "Supervisor", "the overdue task escalated");
        await Eventually(async () => (await Work.GetByKeyAsync(ScheduleOnCommit.SlaKey(bookmark)))!.State == WorkStates.Done, "the deadline's work done");

        var escalated = (await TaskOf(supervisor, inHours))!.Value;
        Assert.Equal(1, escalated.GetProperty("priority").GetInt32());
        Assert.Equal(0, (await TaskOf(specialist, afterHours))!.Value.GetProperty("priority").GetInt32()); // not due until the 24th
        Assert.Null(await TaskOf(supervisor, afterHours));

        // Delivered again: the same Quartz trigger, and the Hangfire job re-run as after a crash before it was marked done.
        var work = (await Work.GetByKeyAsync(ScheduleOnCommit.SlaKey(bookmark)))!;
        Assert.False(await FireTriggerAgainAsync(work));
        await RunAgainAsync(work);
        await Task.Delay(1000);

        specialist = await Factory.ClientAs("Specialist");
        var instanceId = InstanceOf(inHours);
        var auditor = await Factory.ClientAs("Auditor");
        var journal = await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal")).Body();
        var escalations = journal.EnumerateArray().Where(e => e.GetProperty("eventName").GetString() == "TaskEscalated").ToList();
        Assert.Single(escalations);
        Assert.Equal("system", escalations[0].GetProperty("actorId").GetString());
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM SlaBreaches WHERE BookmarkId = @b", ("@b", bookmark)));
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM Notifications WHERE Template = 'sla-breach' AND InstanceId = @i", ("@i", instanceId)));
        await Eventually(async () => (await (await supervisor.GetAsync("/api/notifications?template=sla-breach")).Body()).EnumerateArray()
            .Any(n => n.GetProperty("state").GetString() == "Sent" && n.GetProperty("recipientRole").GetString() == "Supervisor"), "the supervisors' message delivered");

        var report = await (await supervisor.GetAsync("/api/sla/report?from=2026-02-01&to=2026-02-28")).Body();
        Assert.Equal((1, 1), (report.GetProperty("breaches").GetInt32(), report.GetProperty("stillOpen").GetInt32()));
        // The report names the service, and drills down to the breached task.
        var line = report.GetProperty("lines")[0];
        Assert.Equal("门诊绿通", line.GetProperty("serviceName").GetString()[..4]);
        var drill = (await (await supervisor.GetAsync($"/api/sla/report/tasks?from=2026-02-01&to=2026-02-28&definitionId={line.GetProperty("definitionId").GetString()}")).Body())
            .EnumerateArray().ToList();
        var breached = Assert.Single(drill);
        Assert.Equal((bookmark, "Open"), (breached.GetProperty("taskId").GetString(), breached.GetProperty("status").GetString()));

        // The supervisor may work the escalated task; afterwards the breach no longer counts as open.
        await CompleteAsync(supervisor, inHours, "Reached");
        report = await (await supervisor.GetAsync("/api/sla/report?from=2026-02-01&to=2026-02-28")).Body();
        Assert.Equal((1, 0), (report.GetProperty("breaches").GetInt32(), report.GetProperty("stillOpen").GetInt32()));
        member = await Factory.MemberAsync("sla-member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/sla/report")).StatusCode);
    }
}

/// <summary>The COC response times in minutes of service time: a question or a grade III+ alert after hours counts from the next opening.</summary>
public sealed class CocResponseTimeTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task A_question_and_an_alert_at_19_50_are_due_next_working_morning_with_the_minutes_left_carried_over()
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-03T02:00:00Z"));
        var policy = await ImportCpicAsync("coc-sla-member", effective: "2026-01-10", end: "2027-01-09", recurrenceOn: null);
        var member = await Factory.MemberAsync("coc-sla-member");
        var app = await ApplyAsync(member, "cpic-coc-oncology-follow-up", policy);
        await CompleteAsync(await Factory.ClientAs("CaseManager"), app, "Enrolled");

        // Friday 13 February, 19:50 in Shanghai: ten minutes of hospital hours (08:00–20:00) are left today. The next
        // working day is the make-up Saturday 14 February, so a 30-minute answer is due there at 08:20 and a 2-hour alert at 09:50.
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-02-13T11:50:00Z"));
        member = await Factory.MemberAsync("coc-sla-member");
        Assert.Equal(HttpStatusCode.Created, (await member.PostAsJsonAsync($"/api/me/applications/{app}/consultations", new { question = "今晚可以服药吗？" })).StatusCode);
        var admin = await Factory.ClientAs("Admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(Json.Post("/api/events/CocAlert", new { correlationKey = app }))).StatusCode);

        var instanceId = InstanceOf(app);
        var tasks = (await (await (await Factory.ClientAs("CaseManager")).GetAsync("/api/tasks")).Body()).EnumerateArray()
            .Where(t => t.GetProperty("instanceId").GetString() == instanceId).ToList();
        var answer = tasks.Single(t => t.GetProperty("activityId").GetString() == "answer");
        var alert = tasks.Single(t => t.GetProperty("activityId").GetString() == "handle");
        Assert.Equal(DateTimeOffset.Parse("2026-02-14T00:20:00Z"), answer.GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2026-02-14T01:50:00Z"), alert.GetProperty("dueAt").GetDateTimeOffset());
    }
}

/// <summary>Reminders of a booking at their calendar instants, each sent once.</summary>
public sealed class ReminderTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task A_booking_schedules_the_cancellation_deadline_and_appointment_reminders_and_each_is_sent_once()
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-09-21T02:00:00Z"));
        var policy = await ImportCpicAsync("reminded-member");
        var member = await Factory.MemberAsync("reminded-member");
        var app = await ApplyAsync(member, "cpic-inpatient-surgery-green-channel", policy, new { hospital = "复旦大学附属肿瘤医院" });
        var specialist = await Factory.ClientAs("Specialist");
        await CompleteAsync(specialist, app, "Reached");
        // Thursday 8 October 10:00, right after National Day. Three working days' notice: the last day to cancel and keep
        // the use is Monday 28 September (29, 30 Sep and 8 Oct follow it), reminded at 09:00 that day.
        await CompleteAsync(specialist, app, "Booked", new { appointmentAt = "2026-10-08T10:00:00+08:00" });
        var stamp = DateTimeOffset.Parse("2026-10-08T02:00:00Z").UtcTicks;
        var cancel = (await Work.GetByKeyAsync($"remind:cancel-deadline:{app}:{stamp}"))!;
        var appointment = (await Work.GetByKeyAsync($"remind:appointment:{app}:{stamp}"))!;
        Assert.Equal(DateTimeOffset.Parse("2026-09-28T01:00:00Z"), cancel.DueAt);
        Assert.Equal(DateTimeOffset.Parse("2026-10-07T02:00:00Z"), appointment.DueAt);

        async Task<List<JsonElement>> Mine(string template)
        {
            member = await Factory.MemberAsync("reminded-member");
            return (await (await member.GetAsync("/api/me/notifications")).Body()).EnumerateArray()
                .Where(n => n.GetProperty("template").GetString() == template).ToList();
        }

        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-09-28T01:00:01Z"));
        await Eventually(async () => (await Mine("cancellation-deadline")).Count == 1, "the cancellation-deadline reminder");
        Assert.Empty(await Mine("appointment-reminder"));
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-10-07T02:00:01Z"));
        await Eventually(async () => (await Mine("appointment-reminder")).Count == 1, "the appointment reminder");
        await Eventually(async () => (await Work.GetByKeyAsync(appointment.Key))!.State == WorkStates.Done, "the reminder's work done");

        // Delivered twice, re-run after a crash: still one message each.
        Assert.False(await FireTriggerAgainAsync(appointment));
        await RunAgainAsync((await Work.GetByKeyAsync(appointment.Key))!);
        await RunAgainAsync((await Work.GetByKeyAsync(cancel.Key))!);
        Assert.Single(await Mine("appointment-reminder"));
        Assert.Single(await Mine("cancellation-deadline"));
        var text = (await Mine("appointment-reminder"))[0].GetProperty("textZh").GetString();
        Assert.Contains("10月08日 10:00", text);
    }
}

/// <summary>The COC monthly summary from the 1st-of-month cron, once per member and month; the medication calendar's reminders.</summary>
public sealed class MonthlySummaryTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task The_cron_on_the_1st_at_08_00_Shanghai_summarises_last_month_once_and_a_rerun_adds_nothing()
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-10-02T02:00:00Z"));
        var policy = await ImportCpicAsync("summary-member", effective: "2026-01-10", end: "2027-01-09", recurrenceOn: null);
        var member = await Factory.MemberAsync("summary-member");
        var app = await ApplyAsync(member, "cpic-coc-oncology-follow-up", policy);
        var caseManager = await Factory.ClientAs("CaseManager");
        await CompleteAsync(caseManager, app, "Enrolled");

        foreach (var (kind, day, title) in new[] { ("Treatment", "2026-10-01", "第3周期化疗"), ("Test", "2026-10-02", "血常规"), ("Document", "2026-10-02", "出院小结"),
                     ("Reimbursement", "2026-10-02", "化疗费用报销"), ("Test", "2026-09-30", "九月的检查") })
        {
            var r = await caseManager.PostAsJsonAsync($"/api/coc/{app}/records", new { kind, occurredOn = day, title });
            Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        }
        var plan = await caseManager.PostAsJsonAsync($"/api/coc/{app}/medication-plans",
            new { drug = "卡培他滨", timesOfDay = new[] { "08:00" }, startsOn = "2026-10-20", endsOn = "2026-10-21" });
        Assert.Equal(2, (await plan.Body()).GetProperty("reminders").GetInt32());
        var bad = await caseManager.PostAsJsonAsync($"/api/coc/{app}/records", new { kind = "Gossip", occurredOn = "2026-10-01", title = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        // 08:00:01 on 1 November in Shanghai is 00:00:01 UTC.
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-11-01T00:00:01Z"));
        caseManager = await Factory.ClientAs("CaseManager");
        JsonElement summaries = default;
        await Eventually(async () => (summaries = await (await caseManager.GetAsync($"/api/coc/{app}/summaries")).Body()).GetArrayLength() == 1,
            "October's summary");
        var content = summaries[0].GetProperty("content");
        Assert.Equal("2026-10", content.GetProperty("month").GetString());
        Assert.Equal("第3周期化疗", content.GetProperty("treatments")[0].GetProperty("title").GetString());
        Assert.Equal(1, content.GetProperty("tests").GetArrayLength()); // September's test is not October's
        Assert.Equal(1, content.GetProperty("documents").GetArrayLength());
        Assert.Equal(1, content.GetProperty("reimbursements").GetArrayLength());
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Key = 'summaries:2026-10' AND State = 'Done'"));

        // Running October again (e.g. after a correction) keeps one summary and one message per member.
        var run = await caseManager.SendAsync(Json.Post("/api/summaries/run", new { month = "2026-10" }, "rerun-october"));
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);
        await Eventually(async () => Scalar("SELECT COUNT(*) FROM ScheduledWork WHERE Key = 'summaries:2026-10:rerun-october' AND State = 'Done'") == 1, "the re-run");
        Assert.Equal(1, (await (await caseManager.GetAsync($"/api/coc/{app}/summaries")).Body()).GetArrayLength());
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM Notifications WHERE Template = 'monthly-summary' AND ApplicationId = @a", ("@a", app)));
        Assert.Equal(HttpStatusCode.BadRequest, (await caseManager.SendAsync(Json.Post("/api/summaries/run", new { month = "2026-10" }))).StatusCode);

        member = await Factory.MemberAsync("summary-member");
        var mine = await (await member.GetAsync("/api/me/summaries")).Body();
        Assert.Equal("2026-10", mine.EnumerateArray().Single().GetProperty("month").GetString());
        await Eventually(async () => (await (await member.GetAsync("/api/me/notifications")).Body()).EnumerateArray()
            .Count(n => n.GetProperty("template").GetString() == "medication-reminder") == 2, "both dose reminders (due while the clock jumped)");
        // Titles and texts are encrypted at rest.
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM CareRecords WHERE TitleProtected LIKE '%化疗%'"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM Notifications WHERE TextProtected LIKE '%卡培他滨%'"));
        // Nor in the logs: not the drug, not a record's title, not the insured's ID number or phone.
        var log = string.Join("\n", Directory.GetFiles(Factory.LogDirectory).SelectMany(ReadShared));
        Privacy.AssertHidden(log, "the log", "summaries:2026-10", "卡培他滨", "第3周期化疗", "110101198005010011", "13900000001");
    }
}

/// <summary>Documents staff ask for: the member is reminded one and three working days later, only while they are missing.</summary>
public sealed class MissingDocumentsTests(ScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<ScenarioFactory>
{
    [Fact]
    public async Task The_member_is_reminded_while_documents_are_missing_and_not_after_they_arrive()
    {
        // Wednesday 30 September 2026, 15:00 in Shanghai. One working day on is Thursday 8 October (National Day 1–7 Oct),
        // three working days on is Saturday 10 October, a make-up working day (调休).
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-09-30T07:00:00Z"));
        var policy = await ImportCpicAsync("docs-member");
        var member = await Factory.MemberAsync("docs-member");
        var app = await ApplyAsync(member, "cpic-mdt-consultation", policy, new { city = "上海" });
        var specialist = await Factory.ClientAs("Specialist");
        var asked = await specialist.PostAsJsonAsync($"/api/applications/{app}/request-documents", new { documents = new[] { "病理报告", "出院小结" } });
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        var reminders = (await Work.RecentAsync(WorkKinds.Reminder, null, 10)).Where(w => w.Key.StartsWith($"remind:documents:{app}:")).OrderBy(w => w.DueAt).ToList();
        Assert.Equal([DateTimeOffset.Parse("2026-10-08T02:00:00Z"), DateTimeOffset.Parse("2026-10-10T02:00:00Z")], reminders.Select(w => w.DueAt));
        Assert.Equal(HttpStatusCode.BadRequest, (await specialist.PostAsJsonAsync($"/api/applications/{app}/request-documents", new { documents = Array.Empty<string>() })).StatusCode);

        async Task<int> Count()
        {
            member = await Factory.MemberAsync("docs-member");
            return (await (await member.GetAsync("/api/me/notifications")).Body()).EnumerateArray().Count(n => n.GetProperty("template").GetString() == "missing-documents");
        }

        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-10-08T02:00:01Z"));
        await Eventually(async () => await Count() == 1, "the first documents reminder");
        member = await Factory.MemberAsync("docs-member");
        var sent = await (await member.PostAsJsonAsync($"/api/me/applications/{app}/documents", new { documents = new[] { "病理报告", "出院小结" } })).Body();
        Assert.Equal(0, sent.GetProperty("missing").GetArrayLength());

        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-10-10T02:00:01Z"));
        await Eventually(async () => (await Work.GetByKeyAsync(reminders[1].Key))!.State == WorkStates.Done, "the second reminder's work");
        Assert.Contains("arrived", (await Work.GetByKeyAsync(reminders[1].Key))!.Result);
        Assert.Equal(1, await Count());
        // Another member cannot send documents for this application.
        var other = await Factory.MemberAsync("docs-other");
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync($"/api/me/applications/{app}/documents", new { documents = new[] { "x" } })).StatusCode);
    }
}

/// <summary>A host whose members are also reached by SMS through a messaging gateway, here a real HTTP listener on loopback.</summary>
public sealed class GatewayScenarioFactory : ScenarioFactory
{
    public SmsGateway Gateway { get; } = new();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Notifications:MemberChannels:0", "Inbox");
        builder.UseSetting("Notifications:MemberChannels:1", "Sms");
        builder.UseSetting("Notifications:Sms:Url", Gateway.Url);
        builder.UseSetting("Notifications:Sms:ApiKey", "test-key");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Gateway.Dispose();
    }
}

/// <summary>A messaging gateway on loopback: refuses the first request (503), accepts the rest, and keeps what it received.</summary>
public sealed class SmsGateway : IDisposable
{
    private readonly System.Net.HttpListener _listener = new();
    public string Url { get; }
    public List<(string? Key, string? ApiKey, string Body)> Received { get; } = [];

    public SmsGateway()
    {
        var port = System.Net.Sockets.TcpListener.Create(0) is var probe ? Start(probe) : 0;
        Url = $"http://127.0.0.1:{port}/sms/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private static int Start(System.Net.Sockets.TcpListener probe)
    {
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            System.Net.HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            int count;
            lock (Received)
            {
                Received.Add((context.Request.Headers["Idempotency-Key"], context.Request.Headers["X-Api-Key"], body));
                count = Received.Count;
            }
            context.Response.StatusCode = count == 1 ? 503 : 200;
            var reply = System.Text.Encoding.UTF8.GetBytes(count == 1 ? "{}" : $"{{\"messageId\":\"sms-{count}\"}}");
            await context.Response.OutputStream.WriteAsync(reply);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        try { _listener.Stop(); _listener.Close(); } catch (ObjectDisposedException) { }
    }
}

/// <summary>Messages to members through a configured SMS gateway: retried after a refusal, sent once, without personal data.</summary>
public sealed class GatewayDeliveryTests(GatewayScenarioFactory factory) : SchedulingScenario(factory), IClassFixture<GatewayScenarioFactory>
{
    [Fact]
    public async Task A_reminder_goes_to_the_inbox_and_through_the_gateway_retried_after_a_refusal_with_one_idempotency_key()
    {
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-09-30T07:00:00Z"));
        var policy = await ImportCpicAsync("sms-member");
        var member = await Factory.MemberAsync("sms-member");
        var app = await ApplyAsync(member, "cpic-mdt-consultation", policy, new { city = "上海" });
        var specialist = await Factory.ClientAs("Specialist");
        (await specialist.PostAsJsonAsync($"/api/applications/{app}/request-documents", new { documents = new[] { "病理报告" } })).EnsureSuccessStatusCode();
        Factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-10-08T02:00:01Z"));

        var gateway = factory.Gateway;
        await Eventually(async () =>
        {
            member = await Factory.MemberAsync("sms-member");
            var mine = (await (await member.GetAsync("/api/me/notifications")).Body()).EnumerateArray()
                .Where(n => n.GetProperty("template").GetString() == "missing-documents").ToList();
            return mine.Count == 2 && mine.All(n => n.GetProperty("state").GetString() == "Sent");
        }, "the reminder sent to the inbox and, after one retry, through the SMS gateway", seconds: 45);

        List<(string? Key, string? ApiKey, string Body)> received;
        lock (gateway.Received) received = gateway.Received.ToList();
        Assert.Equal(2, received.Count); // refused once (503), accepted on the retry
        Assert.Single(received.Select(r => r.Key).Distinct());
        Assert.All(received, r => Assert.Equal("test-key", r.ApiKey));
        var body = JsonDocument.Parse(received[1].Body).RootElement;
        Assert.Equal(("sms-member", "missing-documents"), (body.GetProperty("toUser").GetString(), body.GetProperty("template").GetString()));
        Privacy.AssertHidden(received[1].Body, "the SMS gateway's request", "missing-documents", "13900000001", "110101198005010011");
        Assert.Equal(2, Scalar("SELECT Attempts FROM Notifications WHERE Channel = 'Sms' AND RecipientUserName = 'sms-member'"));
    }
}

/// <summary>The Hangfire dashboard shows and re-runs every job: Admins only.</summary>
public sealed class HangfireDashboardTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    [Fact]
    public async Task Only_admins_open_the_dashboard()
    {
        var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hangfire")).StatusCode);
        foreach (var role in new[] { "Member", "Specialist", "CaseManager", "Supervisor", "Analyst", "Auditor" })
            Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.ClientAs(role)).GetAsync("/hangfire")).StatusCode);
        var admin = await factory.ClientAs("Admin");
        var page = await admin.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Hangfire", await page.Content.ReadAsStringAsync());
        var work = await (await admin.GetAsync("/api/scheduled-work")).Body();
        Assert.Equal(JsonValueKind.Object, work.GetProperty("counts").ValueKind);
    }
}
