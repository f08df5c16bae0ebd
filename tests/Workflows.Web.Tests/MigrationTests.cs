using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Evidence;

namespace Workflows.Web.Tests;

/// <summary>
/// Moving waiting cases to a new version through the real host (HTTP, SQLite file): dry run and run over 1,000 waiting
/// cases keep every due date and re-run nothing; unmappable cases are reported and left untouched; an explicit map moves
/// them; completions racing the migration do not corrupt anything.
/// </summary>
public sealed class MigrationTests : IAsyncLifetime
{
    private readonly BackOfficeFactory _host = new();
    public const string DefinitionId = "migration-demo";

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>Start → the given service tasks one after the other (each due within 2 working days).</summary>
    public static JsonObject Definition(params string[] tasks)
    {
        var activities = new JsonArray { new JsonObject { ["id"] = "start", ["name"] = "Start1", ["type"] = "Elsa.Start", ["version"] = 1 } };
        var connections = new JsonArray();
        var previous = "start";
        foreach (var t in tasks)
        {
            activities.Add(new JsonObject
            {
                ["id"] = t, ["name"] = t, ["type"] = "Health.ServiceTask", ["version"] = 1,
                ["title"] = Literal("String", $"Task {t}"),
                ["role"] = Literal("String", "Specialist"),
                ["hours"] = Literal("String", "OfficeDay"),
                ["dueWithinWorkingDays"] = Literal("Int32", "2"),
                ["outcomes"] = new JsonObject { ["typeName"] = "String[]", ["expression"] = new JsonObject { ["type"] = "Object", ["value"] = "[\"Done\"]" } },
            });
            connections.Add(new JsonObject
            {
                ["source"] = new JsonObject { ["activity"] = previous, ["port"] = "Done" },
                ["target"] = new JsonObject { ["activity"] = t, ["port"] = "In" },
            });
            previous = t;
        }
        return new JsonObject
        {
            ["definitionId"] = DefinitionId, ["name"] = "Migration demo 迁移演示", ["version"] = 1,
            ["variables"] = new JsonArray(),
            ["root"] = new JsonObject
            {
                ["id"] = "flowchart1", ["nodeId"] = "Workflow1:flowchart1", ["name"] = "Flowchart1", ["type"] = "Elsa.Flowchart", ["version"] = 1,
                ["activities"] = activities, ["connections"] = connections,
            },
        };
    }

    private static JsonObject Literal(string type, string value) =>
        new() { ["typeName"] = type, ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = value } };

    public static async Task PublishAsync(HttpClient analyst, JsonObject definition)
    {
        var saved = await analyst.SendAsync(Json.Post("/api/workflow-definitions", definition));
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var published = await analyst.PostAsync($"/api/workflow-definitions/{DefinitionId}/publish", null);
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
    }

    private WorkflowRuntime Runtime => _host.Services.GetRequiredService<WorkflowRuntime>();
    private static readonly Actor Specialist = new("specialist", "Specialist");

    private async Task<List<string>> StartAsync(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
            ids.Add((await Runtime.StartAsync(DefinitionId, null, new Actor("casemanager", "CaseManager"))).InstanceId);
        return ids;
    }

    private async Task<string> CompleteOpenTaskAsync(string instanceId)
    {
        var instance = (await _host.Services.GetRequiredService<IWorkflowStore>().LoadInstanceAsync(instanceId))!;
        var bookmark = instance.Bookmarks.Single();
        await Runtime.ResumeAsync(bookmark.Id, new ResumeInput("Done"), Specialist, $"done:{bookmark.Id}");
        return bookmark.ActivityId;
    }

    private sealed record TaskRow(string Id, string InstanceId, string ActivityId, long? DueAt, string Status);
    private sealed record InstanceRow(string Id, int Version, long Revision, long JournalSequence, string LastHash);

    private List<TaskRow> Tasks()
    {
        using var c = _host.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Id, InstanceId, ActivityId, DueAt, Status FROM HumanTasks WHERE DefinitionId = @d";
        cmd.Parameters.AddWithValue("@d", DefinitionId);
        using var r = cmd.ExecuteReader();
        var list = new List<TaskRow>();
        while (r.Read()) list.Add(new TaskRow(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.GetString(4)));
        return list;
    }

    private Dictionary<string, InstanceRow> Instances()
    {
        using var c = _host.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Id, Version, Revision, JournalSequence, LastJournalHash FROM WorkflowInstances WHERE DefinitionId = @d";
        cmd.Parameters.AddWithValue("@d", DefinitionId);
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<string, InstanceRow>();
        while (r.Read()) map[r.GetString(0)] = new InstanceRow(r.GetString(0), r.GetInt32(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4));
        return map;
    }

    private Dictionary<string, (string ActivityId, long? ResumeAt, string Payload)> Bookmarks()
    {
        using var c = _host.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT b.Id, b.ActivityId, b.ResumeAt, b.PayloadJson FROM Bookmarks b JOIN WorkflowInstances i ON i.Id = b.InstanceId WHERE i.DefinitionId = @d";
        cmd.Parameters.AddWithValue("@d", DefinitionId);
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<string, (string, long?, string)>();
        while (r.Read()) map[r.GetString(0)] = (r.GetString(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetString(3));
        return map;
    }

    private static async Task<JsonElement> WaitForRunAsync(HttpClient analyst, string runId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            var status = await (await analyst.GetAsync($"/api/migrations/{runId}")).Body();
            if (status.GetProperty("state").GetString() != "Running") return status;
            Assert.True(DateTime.UtcNow < deadline, "the migration run did not end within 10 minutes");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Dry_run_and_run_over_1000_waiting_cases_keep_every_due_date_and_rerun_nothing()
    {
        var analyst = await _host.ClientAs("analyst");
        await PublishAsync(analyst, Definition("review", "legacy", "approve"));
        var ids = await StartAsync(1_000);
        // 100 cases are further on: waiting in 'legacy', which version 2 no longer has.
        foreach (var id in ids.Take(100)) Assert.Equal("review", await CompleteOpenTaskAsync(id));
        await PublishAsync(analyst, Definition("review", "check", "approve"));

        var tasksBefore = Tasks().Where(t => t.Status == "Open").ToDictionary(t => t.Id);
        var bookmarksBefore = Bookmarks();
        var instancesBefore = Instances();
        Assert.Equal(1_000, tasksBefore.Count);
        Assert.All(tasksBefore.Values, t => Assert.NotNull(t.DueAt));

        // The dry run: per case what maps and what cannot, with the due date kept; nothing is stored.
        var report = await (await analyst.SendAsync(Json.Post("/api/migrations/dry-run", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2 }))).Body();
        Assert.Equal(1_000, report.GetProperty("total").GetInt32());
        Assert.Equal(900, report.GetProperty("mappable").GetInt32());
        Assert.Equal(100, report.GetProperty("unmappable").GetInt32());
        foreach (var plan in report.GetProperty("instances").EnumerateArray())
        {
            var b = plan.GetProperty("bookmarks")[0];
            var task = tasksBefore[b.GetProperty("bookmarkId").GetString()!];
            Assert.Equal(task.DueAt, b.GetProperty("dueAt").GetDateTimeOffset().UtcTicks);
            if (task.ActivityId == "legacy")
            {
                Assert.Equal("Unmappable", plan.GetProperty("state").GetString());
                Assert.Equal(JsonValueKind.Null, b.GetProperty("toActivityId").ValueKind);
                Assert.Contains("'legacy'", b.GetProperty("problem").GetString());
            }
            else
            {
                Assert.Equal("Mappable", plan.GetProperty("state").GetString());
                Assert.Equal("review", b.GetProperty("toActivityId").GetString());
                Assert.True(b.GetProperty("dueKept").GetBoolean());
            }
        }
        Assert.Equal(instancesBefore, Instances());

        // The run, in batches of 50, with progress.
        var started = await analyst.SendAsync(Json.Post("/api/migrations", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, batchSize = 50 }));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var runId = (await started.Body()).GetProperty("runId").GetString()!;
        var status = await WaitForRunAsync(analyst, runId);
        Assert.Equal("Finished", status.GetProperty("state").GetString());
        Assert.Equal(900, status.GetProperty("migrated").GetInt32());
        Assert.Equal(100, status.GetProperty("unmappable").GetInt32());
        Assert.Equal(1_000, status.GetProperty("processed").GetInt32());
        Assert.Equal(20, status.GetProperty("batches").GetInt32());
        Assert.Equal(100, status.GetProperty("refused").GetArrayLength());

        var after = Instances();
        var tasksAfter = Tasks().Where(t => t.Status == "Open").ToDictionary(t => t.Id);
        var bookmarksAfter = Bookmarks();
        // Every open task and bookmark is still there with the same due date and payload; none was closed or re-created.
        Assert.Equal(tasksBefore.Keys.Order(), tasksAfter.Keys.Order());
        foreach (var (id, before) in tasksBefore)
        {
            Assert.Equal(before.DueAt, tasksAfter[id].DueAt);
            Assert.Equal(before.ActivityId, tasksAfter[id].ActivityId);
            Assert.Equal(bookmarksBefore[id], bookmarksAfter[id]);
        }
        var verifier = _host.Services.GetRequiredService<JournalVerifier>();
        var store = _host.Services.GetRequiredService<IWorkflowStore>();
        foreach (var id in ids)
        {
            var journal = await store.GetJournalAsync(id);
            var legacy = ids.IndexOf(id) < 100;
            if (legacy)
            {
                // Left untouched: same version, revision and chain head.
                Assert.Equal(instancesBefore[id], after[id]);
                Assert.DoesNotContain(journal, e => e.EventName == JournalEvents.InstanceMigrated);
                continue;
            }
            Assert.Equal(2, after[id].Version);
            Assert.Equal(instancesBefore[id].Revision + 1, after[id].Revision);
            // One journal entry per case, with the analyst as actor; nothing ran (no activity started or completed after it).
            var added = journal.Where(e => e.Sequence > instancesBefore[id].JournalSequence).ToList();
            var entry = Assert.Single(added);
            Assert.Equal(JournalEvents.InstanceMigrated, entry.EventName);
            Assert.Equal(("analyst", "Analyst"), (entry.ActorId, entry.ActorRole));
            Assert.Equal(2, entry.Version);
            Assert.Equal(1, entry.Payload!["fromVersion"]!.GetValue<int>());
            Assert.True((await verifier.VerifyAsync(id)).IsValid);
        }

        // A migrated case continues on version 2: its review is not run again, the next task is v2's 'check'.
        var moved = ids[500];
        Assert.Equal("review", await CompleteOpenTaskAsync(moved));
        var movedJournal = await store.GetJournalAsync(moved);
        Assert.Single(movedJournal, e => e.EventName == JournalEvents.ActivityStarted && e.ActivityId == "review");
        Assert.Single(movedJournal, e => e.EventName == JournalEvents.ActivityStarted && e.ActivityId == "check");
        Assert.Equal(2, movedJournal.Single(e => e.EventName == JournalEvents.ActivityStarted && e.ActivityId == "check").Version);

        // An explicit map moves the rest: 'legacy' → 'check', due dates kept. A map naming an unknown activity is refused.
        var bad = await analyst.SendAsync(Json.Post("/api/migrations/dry-run", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, map = new Dictionary<string, string> { ["legacy"] = "nope" } }));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Body();
        Assert.Contains("nope", problem.GetProperty("errors").GetProperty("map.legacy")[0].GetString());
        var rerun = await analyst.SendAsync(Json.Post("/api/migrations", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, map = new Dictionary<string, string> { ["legacy"] = "check" } }));
        var second = await WaitForRunAsync(analyst, (await rerun.Body()).GetProperty("runId").GetString()!);
        Assert.Equal(100, second.GetProperty("migrated").GetInt32());
        Assert.Equal(0, second.GetProperty("unmappable").GetInt32());
        var final = Tasks().Where(t => t.Status == "Open").ToDictionary(t => t.Id);
        foreach (var id in ids.Take(100))
        {
            var task = final.Values.Single(t => t.InstanceId == id);
            Assert.Equal("check", task.ActivityId);
            Assert.Equal(tasksBefore[task.Id].DueAt, task.DueAt);
        }
        Assert.All(Instances().Values, i => Assert.Equal(2, i.Version));
    }

    [Fact]
    public async Task Bad_requests_name_the_field_and_only_analysts_migrate()
    {
        var analyst = await _host.ClientAs("analyst");
        await PublishAsync(analyst, Definition("review", "approve"));
        await StartAsync(3);
        await PublishAsync(analyst, Definition("review", "approve", "close"));

        async Task<string> Refused(object body, string field)
        {
            var r = await analyst.SendAsync(Json.Post("/api/migrations/dry-run", body));
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("problem+json", r.Content.Headers.ContentType!.ToString());
            var p = await r.Body();
            return p.GetProperty("errors").GetProperty(field)[0].GetString()!;
        }
        Assert.Contains("version 7", await Refused(new { definitionId = DefinitionId, fromVersion = 7, toVersion = 2 }, "fromVersion"));
        Assert.Contains("later", await Refused(new { definitionId = DefinitionId, fromVersion = 2, toVersion = 1 }, "toVersion"));
        Assert.Contains("'nope'", await Refused(new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, map = new Dictionary<string, string> { ["nope"] = "review" } }, "map.nope"));
        Assert.Contains("batchSize", await Refused(new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, batchSize = 0 }, "batchSize"));
        var missing = await analyst.SendAsync(Json.Post("/api/migrations/dry-run", new { definitionId = "no-such", fromVersion = 1, toVersion = 2 }));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync("/api/migrations/nope")).StatusCode);
        // The draft after the published version cannot be a target.
        var draft = Definition("review", "approve", "close", "extra");
        draft["version"] = 2;
        (await analyst.SendAsync(Json.Post("/api/workflow-definitions", draft))).EnsureSuccessStatusCode();
        Assert.Contains("not published", await Refused(new { definitionId = DefinitionId, fromVersion = 1, toVersion = 3 }, "toVersion"));

        foreach (var role in new[] { "casemanager", "auditor", "admin", "specialist" })
        {
            var other = await _host.ClientAs(role);
            Assert.Equal(HttpStatusCode.Forbidden, (await other.SendAsync(Json.Post("/api/migrations/dry-run", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2 }))).StatusCode);
        }
        // Nothing moved.
        Assert.All(Instances().Values, i => Assert.Equal(1, i.Version));

        // The command: a dry run lists the cases, the run moves them with the command line's actor.
        var (dryExit, dryOut) = await BackOfficeProcess.RunCommandAsync("migrate-instances", DefinitionId, "--from", "1", "--to", "2", "--dry-run",
            "--DataDirectory", _host.DataDirectory);
        Assert.True(dryExit == 0, dryOut);
        Assert.Contains("3 waiting: 3 can move, 0 cannot be mapped", dryOut);
        Assert.All(Instances().Values, i => Assert.Equal(1, i.Version));
        var (runExit, runOut) = await BackOfficeProcess.RunCommandAsync("migrate-instances", DefinitionId, "--from", "1", "--to", "2", "--actor", "ops-wang",
            "--DataDirectory", _host.DataDirectory);
        Assert.True(runExit == 0, runOut);
        Assert.Contains("3 moved, 0 cannot be mapped", runOut);
        Assert.All(Instances().Values, i => Assert.Equal(2, i.Version));
        var store = _host.Services.GetRequiredService<IWorkflowStore>();
        foreach (var id in Instances().Keys)
            Assert.Equal("ops-wang", (await store.GetJournalAsync(id)).Single(e => e.EventName == JournalEvents.InstanceMigrated).ActorId);
    }

    [Fact]
    public async Task Migrated_cases_replay_identically_across_the_version_switch()
    {
        var analyst = await _host.ClientAs("analyst");
        await PublishAsync(analyst, Definition("review", "approve"));
        var ids = await StartAsync(20);
        // Some cases are further on (waiting in 'approve') when they are moved; the rest wait in 'review'.
        foreach (var id in ids.Take(5)) Assert.Equal("review", await CompleteOpenTaskAsync(id));
        await PublishAsync(analyst, Definition("review", "check", "approve"));
        var run = await analyst.SendAsync(Json.Post("/api/migrations", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, batchSize = 10 }));
        var status = await WaitForRunAsync(analyst, (await run.Body()).GetProperty("runId").GetString()!);
        Assert.Equal(20, status.GetProperty("migrated").GetInt32());

        // The cases go on to their end on version 2 (the moved 'review' tasks now pass 'check').
        var store = _host.Services.GetRequiredService<IWorkflowStore>();
        foreach (var id in ids)
            while ((await store.LoadInstanceAsync(id))!.Bookmarks.Count > 0) await CompleteOpenTaskAsync(id);

        var replay = _host.Services.GetRequiredService<Workflows.Domain.Replay.CaseReplay>();
        foreach (var id in ids)
        {
            var journal = await store.GetJournalAsync(id);
            var migrated = journal.Single(e => e.EventName == JournalEvents.InstanceMigrated);
            Assert.Equal(1, journal[0].Version);
            Assert.Equal(2, journal[^1].Version);
            Assert.Equal(JournalEvents.WorkflowFinished, journal[^1].EventName);
            var report = (await replay.ReplayAsync(id))!;
            Assert.True(report.Outcome == Workflows.Domain.Replay.ReplayOutcomes.Identical, $"{id}: {report.SummaryZh} {report.Divergence}");
            Assert.Equal(journal.Count, report.ReplayedEntries);
            Assert.True(migrated.Sequence < journal.Count);
        }

        // A migration entry that moves a task to another activity than it did is a divergence at that entry, not a pass.
        var first = ids[^1]; // moved from review to review: the edit sends it to approve
        var recorded = (await store.LoadInstanceAsync(first))!;
        var edited = (await store.GetJournalAsync(first)).Select(e =>
        {
            if (e.EventName != JournalEvents.InstanceMigrated) return e;
            var payload = (JsonObject)e.Payload!.DeepClone();
            payload["bookmarks"]![0]!["to"] = "approve";
            return e with { Payload = payload };
        }).ToList();
        var tampered = await replay.ReplayAsync(recorded, edited);
        Assert.NotEqual(Workflows.Domain.Replay.ReplayOutcomes.Identical, tampered.Outcome);
    }

    [Fact]
    public async Task Completions_racing_the_migration_do_not_corrupt_any_case()
    {
        var analyst = await _host.ClientAs("analyst");
        await PublishAsync(analyst, Definition("review", "approve"));
        var ids = await StartAsync(200);
        await PublishAsync(analyst, Definition("review", "check", "approve"));

        var run = await analyst.SendAsync(Json.Post("/api/migrations", new { definitionId = DefinitionId, fromVersion = 1, toVersion = 2, batchSize = 10 }));
        var runId = (await run.Body()).GetProperty("runId").GetString()!;
        // Meanwhile specialists complete the review of every other case; a completion that loses the race to the
        // migration is refused with a conflict and sent again, as a client would.
        var completed = new List<(string Instance, string From)>();
        foreach (var id in ids.Where((_, i) => i % 2 == 0))
        {
            for (var attempt = 0; ; attempt++)
            {
                try { completed.Add((id, await CompleteOpenTaskAsync(id))); break; }
                catch (ConcurrencyConflictException) when (attempt < 10) { }
            }
        }
        var status = await WaitForRunAsync(analyst, runId);
        Assert.Equal("Finished", status.GetProperty("state").GetString());

        var store = _host.Services.GetRequiredService<IWorkflowStore>();
        var verifier = _host.Services.GetRequiredService<JournalVerifier>();
        var openTasks = Tasks().Where(t => t.Status == "Open").ToList();
        var bookmarks = Bookmarks();
        // The task table and the bookmarks agree: one open task per open bookmark, on the same activity.
        Assert.Equal(bookmarks.Keys.Order(), openTasks.Select(t => t.Id).Order());
        Assert.All(openTasks, t => Assert.Equal(bookmarks[t.Id].ActivityId, t.ActivityId));
        foreach (var id in ids)
        {
            Assert.True((await verifier.VerifyAsync(id)).IsValid, $"chain of {id}");
            var instance = (await store.LoadInstanceAsync(id))!;
            var journal = await store.GetJournalAsync(id);
            Assert.True(journal.Count(e => e.EventName == JournalEvents.InstanceMigrated) <= 1);
            Assert.Single(journal, e => e.EventName == JournalEvents.ActivityStarted && e.ActivityId == "review");
            var definition = (await store.GetDefinitionVersionAsync(instance.DefinitionVersionId))!;
            // Every waiting activity exists in the version the case runs.
            Assert.All(instance.Bookmarks, b => Assert.Contains(definition.Root.Activities!, a => a.Id == b.ActivityId));
            var wasCompleted = completed.Any(c => c.Instance == id);
            Assert.Equal(wasCompleted ? 1 : 0, journal.Count(e => e.EventName == JournalEvents.BookmarkResumed));
        }
        // The run went over every case: the waiting ones moved (some after planning again), none is left on version 1
        // except those whose completion won and moved them on in version 1 before the run reached them, which the run moved too.
        Assert.All(Instances().Values, i => Assert.Equal(2, i.Version));
        Assert.Equal(0, status.GetProperty("unmappable").GetInt32());
    }
}
