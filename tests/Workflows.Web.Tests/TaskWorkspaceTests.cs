using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Persistence.Entities;

namespace Workflows.Web.Tests;

/// <summary>
/// The staff inbox's task API through the real host on a real SQLite file: keyset paging, claim races, bulk actions with
/// per-item results, out-of-office delegation, the claim rule on completion, and member-bound tasks.
/// </summary>
public sealed class TaskWorkspaceTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private const string Template = "service-request-template";

    /// <summary>A signed-in API client for a user with the given roles (created on first use).</summary>
    private async Task<HttpClient> UserAsync(string userName, params string[] roles)
    {
        using (var scope = factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            if (await users.FindByNameAsync(userName) is null)
            {
                var user = new AppUser { UserName = userName, DisplayName = userName };
                Assert.True((await users.CreateAsync(user, BackOfficeFactory.Password)).Succeeded);
                foreach (var role in roles) await users.AddToRoleAsync(user, role);
            }
        }
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new("Bearer", await BackOfficeFactory.TokenFor(client, userName));
        return client;
    }

    private static async Task<string> StartTaskAsync(HttpClient caseManager, object? input = null)
    {
        var r = await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = Template, input = input ?? new { eligible = true } }));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return (await r.Body()).GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> Ok(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<List<JsonElement>> AllPagesAsync(HttpClient client, string query)
    {
        var items = new List<JsonElement>();
        string? after = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 1000, "paging does not end");
            var page = await Ok(await client.GetAsync($"/api/tasks/inbox?{query}{(after is null ? "" : $"&after={after}")}"));
            items.AddRange(page.GetProperty("items").EnumerateArray());
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null) return items;
            after = page.GetProperty("next").GetString();
        }
    }

    [Fact]
    public async Task Paging_through_1500_open_tasks_reaches_every_one_exactly_once_in_every_order()
    {
        // Half the tasks have no deadline; half have one of 1 to 3,000 minutes of service time in one of the three hours calendars.
        var analyst = await factory.ClientAs("Analyst");
        var deadlines = new
        {
            definitionId = "paging-deadlines",
            name = "Deadlines for paging",
            root = new
            {
                id = "flowchart1", type = "Elsa.Flowchart",
                activities = new object[]
                {
                    new
                    {
                        id = "work", type = "Health.ServiceTask",
                        title = new { typeName = "String", expression = new { type = "Literal", value = "限时任务" } },
                        dueWithinMinutes = new { typeName = "Int32", expression = new { type = "JavaScript", value = "input.minutes" } },
                        hours = new { typeName = "String", expression = new { type = "JavaScript", value = "input.hours" } },
                    },
                },
                connections = Array.Empty<object>(),
            },
        };
        await Ok(await analyst.PostAsJsonAsync("/api/workflow-definitions", deadlines));
        await Ok(await analyst.PostAsync("/api/workflow-definitions/paging-deadlines/publish", null));
        var caseManager = await factory.ClientAs("CaseManager");
        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        string[] hours = ["OfficeDay", "HospitalDay", "Hotline"];
        await Parallel.ForEachAsync(Enumerable.Range(0, 1500), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            if (i % 2 == 0) created.Add(await StartTaskAsync(caseManager));
            else
            {
                var r = await caseManager.SendAsync(Json.Post("/api/workflow-instances",
                    new { definitionId = "paging-deadlines", input = new { minutes = 1 + i * 7 % 3000, hours = hours[i % 3] } }));
                created.Add((await Ok(r)).GetProperty("bookmarks")[0].GetProperty("id").GetString()!);
            }
        });
        var specialist = await UserAsync("pager", "Specialist");
        var counts = await Ok(await specialist.GetAsync("/api/tasks/counts"));
        var workable = counts.GetProperty("workable").GetInt32();
        Assert.True(workable >= 1500, $"workable count {workable}");

        foreach (var query in new[] { "view=Workable&pageSize=97", "view=Unclaimed&sort=Due&pageSize=200", "view=Workable&sort=Created&pageSize=150",
                     "view=Workable&sort=Priority&pageSize=101", "view=Workable&sort=RemainingWorkingTime&desc=true&pageSize=113" })
        {
            var items = await AllPagesAsync(specialist, query);
            var ids = items.Select(i => i.GetProperty("id").GetString()!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Equal(workable, ids.Count);
            Assert.Empty(created.Except(ids));
            if (query.Contains("sort=Due"))
            {
                var due = items.Select(i => i.GetProperty("dueAt") is { ValueKind: JsonValueKind.String } d ? d.GetDateTimeOffset() : DateTimeOffset.MaxValue).ToList();
                Assert.Equal(due.Order(), due);
                Assert.True(due.Count(d => d != DateTimeOffset.MaxValue) >= 750);
            }
            if (query.Contains("RemainingWorkingTime"))
            {
                // Descending: tasks without a deadline first, then the most working time left down to the least.
                var remaining = items.Select(i => i.GetProperty("remainingWorkingMinutes") is { ValueKind: JsonValueKind.Number } m ? m.GetInt64() : long.MaxValue).ToList();
                Assert.Equal(remaining.OrderDescending(), remaining);
                Assert.Equal(3, items.Where(i => i.GetProperty("hours").ValueKind == JsonValueKind.String).Select(i => i.GetProperty("hours").GetString()).Distinct().Count());
            }
        }
        // The narrow views (read in one statement) page the same way: due today, and overdue, match their counts.
        foreach (var (view, count) in new[] { ("DueToday", "dueToday"), ("Overdue", "overdue") })
        foreach (var sort in new[] { "RemainingWorkingTime", "Due", "Priority" })
        {
            var items = await AllPagesAsync(specialist, $"view={view}&sort={sort}&pageSize=7");
            var ids = items.Select(i => i.GetProperty("id").GetString()!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Equal((await Ok(await specialist.GetAsync("/api/tasks/counts"))).GetProperty(count).GetInt32(), ids.Count);
        }
        // The legacy list pages too, newest first, with the cursor in a header.
        var legacy = await specialist.GetAsync("/api/tasks?pageSize=50");
        Assert.Equal(50, (await Ok(legacy)).GetArrayLength());
        Assert.True(legacy.Headers.Contains("X-Next-Cursor"));
        // A cursor of another view is refused, naming the parameter.
        var first = await Ok(await specialist.GetAsync("/api/tasks/inbox?view=Workable&pageSize=5"));
        var wrong = await specialist.GetAsync($"/api/tasks/inbox?view=Mine&after={first.GetProperty("next").GetString()}");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.True((await wrong.Body()).GetProperty("errors").TryGetProperty("after", out _));
    }

    [Fact]
    public async Task Twenty_parallel_claims_one_wins_and_the_others_are_told_who_has_it()
    {
        var taskId = await StartTaskAsync(await factory.ClientAs("CaseManager"));
        var clients = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => UserAsync($"racer{i:00}", "Specialist")));
        var responses = await Task.WhenAll(clients.Select(c => c.PostAsJsonAsync($"/api/tasks/{taskId}/claim", new { })));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var winner = (await Ok(Assert.Single(winners))).GetProperty("assignee").GetString()!;
        Assert.StartsWith("racer", winner);
        foreach (var r in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType!.MediaType);
            var problem = await r.Body();
            Assert.Equal(winner, problem.GetProperty("heldBy").GetString());
            Assert.Contains(winner, problem.GetProperty("detail").GetString());
        }

        var task = await Ok(await (await factory.ClientAs("Supervisor")).GetAsync($"/api/tasks/{taskId}"));
        Assert.Equal(winner, task.GetProperty("assignee").GetString());
        var auditor = await factory.ClientAs("Auditor");
        var instanceId = task.GetProperty("instanceId").GetString();
        var journal = await Ok(await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal"));
        var claimed = Assert.Single(journal.EnumerateArray(), e => e.GetProperty("eventName").GetString() == "TaskClaimed");
        Assert.Equal(winner, claimed.GetProperty("actorId").GetString());
        Assert.True((await Ok(await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal/verify"))).GetProperty("isValid").GetBoolean());

        // The winner sees it under 我的任务; another specialist cannot complete it, the winner can.
        var mine = await Ok(await clients.First(c => true).GetAsync("/api/tasks/inbox?view=Mine"));
        var loserIndex = Enumerable.Range(1, 20).First(i => $"racer{i:00}" != winner) - 1;
        var refused = await clients[loserIndex].SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Reached" }, "loser-completes"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var winnerClient = clients[int.Parse(winner[5..]) - 1];
        Assert.Contains((await Ok(await winnerClient.GetAsync("/api/tasks/inbox?view=Mine"))).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetString() == taskId);
        await Ok(await winnerClient.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Reached" }, "winner-completes")));
        _ = mine;
    }

    [Fact]
    public async Task Bulk_reassign_gives_a_result_per_task_and_a_stale_item_does_not_stop_the_others()
    {
        var caseManager = await factory.ClientAs("CaseManager");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await StartTaskAsync(caseManager));
        var supervisor = await factory.ClientAs("Supervisor");
        var seen = new Dictionary<string, long>();
        foreach (var id in ids) seen[id] = (await Ok(await supervisor.GetAsync($"/api/tasks/{id}"))).GetProperty("revision").GetInt64();
        // Meanwhile someone claims the second task: the supervisor's view of it is stale.
        var claimer = await UserAsync("bulk-claimer", "Specialist");
        await Ok(await claimer.PostAsJsonAsync($"/api/tasks/{ids[1]}/claim", new { }));
        await UserAsync("bulk-target", "Specialist");

        var results = await Ok(await supervisor.PostAsJsonAsync("/api/tasks/bulk",
            new { action = "Reassign", taskIds = ids.Append("no-such-task"), assignee = "bulk-target", expectedRevisions = seen }));
        var byId = results.EnumerateArray().ToDictionary(r => r.GetProperty("taskId").GetString()!);
        Assert.Equal(200, byId[ids[0]].GetProperty("status").GetInt32());
        Assert.Equal(409, byId[ids[1]].GetProperty("status").GetInt32());
        Assert.Equal("bulk-claimer", byId[ids[1]].GetProperty("assignee").GetString());
        Assert.Equal(200, byId[ids[2]].GetProperty("status").GetInt32());
        Assert.Equal(404, byId["no-such-task"].GetProperty("status").GetInt32());
        Assert.Equal("bulk-target", (await Ok(await supervisor.GetAsync($"/api/tasks/{ids[0]}"))).GetProperty("assignee").GetString());
        Assert.Equal("bulk-claimer", (await Ok(await supervisor.GetAsync($"/api/tasks/{ids[1]}"))).GetProperty("assignee").GetString());

        // Reassigning to someone outside the task's group is refused, naming the field; a specialist may not reassign at all.
        var outsider = await supervisor.PostAsJsonAsync($"/api/tasks/{ids[2]}/assign", new { assignee = "casemanager" });
        Assert.Equal(HttpStatusCode.BadRequest, outsider.StatusCode);
        Assert.True((await outsider.Body()).GetProperty("errors").TryGetProperty("assignee", out _));
        var notSupervisor = await claimer.PostAsJsonAsync("/api/tasks/bulk", new { action = "Reassign", taskIds = ids, assignee = "bulk-claimer" });
        Assert.Equal(HttpStatusCode.Forbidden, notSupervisor.StatusCode);
        var badAction = await claimer.PostAsJsonAsync("/api/tasks/bulk", new { action = "Teleport", taskIds = ids });
        Assert.Equal(HttpStatusCode.BadRequest, badAction.StatusCode);

        // The board counts them.
        var board = await Ok(await supervisor.GetAsync("/api/tasks/board"));
        Assert.Contains(board.GetProperty("people").EnumerateArray(), p => p.GetProperty("userName").GetString() == "bulk-target" && p.GetProperty("open").GetInt32() >= 2);
        Assert.Contains(board.GetProperty("groups").EnumerateArray(), g => g.GetProperty("role").GetString() == "Specialist");
    }

    [Fact]
    public async Task An_out_of_office_delegate_sees_and_works_the_delegators_tasks()
    {
        var taskId = await StartTaskAsync(await factory.ClientAs("CaseManager"));
        var away = await UserAsync("away-specialist", "Specialist");
        var standIn = await UserAsync("stand-in", "Specialist");
        await Ok(await away.PostAsJsonAsync($"/api/tasks/{taskId}/claim", new { }));
        Assert.DoesNotContain((await Ok(await standIn.GetAsync("/api/tasks/inbox?view=Mine"))).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetString() == taskId);
        Assert.Equal(HttpStatusCode.Conflict, (await standIn.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Reached" }, "too-early"))).StatusCode);

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        var backwards = await away.PostAsJsonAsync("/api/tasks/delegations", new { @delegate = "stand-in", from = today.AddDays(3).ToString("yyyy-MM-dd"), to = today.ToString("yyyy-MM-dd") });
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.True((await backwards.Body()).GetProperty("errors").TryGetProperty("to", out _));
        var delegation = await Ok(await away.PostAsJsonAsync("/api/tasks/delegations", new { @delegate = "stand-in", from = today.ToString("yyyy-MM-dd"), to = today.AddDays(7).ToString("yyyy-MM-dd") }));
        Assert.True(delegation.GetProperty("activeToday").GetBoolean());

        var mine = await Ok(await standIn.GetAsync("/api/tasks/inbox?view=Mine"));
        var item = Assert.Single(mine.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == taskId);
        Assert.True(item.GetProperty("canComplete").GetBoolean());
        Assert.True((await Ok(await standIn.GetAsync("/api/tasks/counts"))).GetProperty("mine").GetInt32() >= 1);
        var done = await Ok(await standIn.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Reached" }, "stand-in-completes")));
        var journal = await Ok(await (await factory.ClientAs("Auditor")).GetAsync($"/api/workflow-instances/{done.GetProperty("instanceId").GetString()}/journal"));
        var resumed = journal.EnumerateArray().Single(e => e.GetProperty("eventName").GetString() == "BookmarkResumed");
        Assert.Equal("stand-in", resumed.GetProperty("actorId").GetString());

        // Both see the delegation; the delegator ends it; a delegate outside the delegator's groups is refused.
        Assert.Single((await Ok(await standIn.GetAsync("/api/tasks/delegations"))).EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await away.DeleteAsync($"/api/tasks/delegations/{delegation.GetProperty("id").GetInt64()}")).StatusCode);
        var toCaseManager = await away.PostAsJsonAsync("/api/tasks/delegations", new { @delegate = "casemanager", to = today.AddDays(1).ToString("yyyy-MM-dd") });
        Assert.Equal(HttpStatusCode.BadRequest, toCaseManager.StatusCode);
    }

    [Fact]
    public async Task A_task_for_the_member_is_bound_to_that_member()
    {
        var analyst = await factory.ClientAs("Analyst");
        var definition = new
        {
            definitionId = "member-confirmation",
            name = "Member confirms",
            root = new
            {
                id = "flowchart1", type = "Elsa.Flowchart",
                activities = new object[]
                {
                    new
                    {
                        id = "confirm", type = "Workflows.HumanTask",
                        title = new { typeName = "String", expression = new { type = "Literal", value = "请确认预约" } },
                        role = new { typeName = "String", expression = new { type = "Literal", value = "Member" } },
                    },
                },
                connections = Array.Empty<object>(),
            },
        };
        await Ok(await analyst.PostAsJsonAsync("/api/workflow-definitions", definition));
        await Ok(await analyst.PostAsync("/api/workflow-definitions/member-confirmation/publish", null));
        var owner = await UserAsync("member-owner", "Member");
        var other = await UserAsync("member-other", "Member");
        var input = new { applicationId = "app-bound-1", policyNumber = "P-BOUND-1", serviceCode = "cpic-medical-escort", applicant = "member-owner", applicantRole = "insured", details = new { } };
        var started = await (await factory.ClientAs("CaseManager")).SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "member-confirmation", input }));
        var taskId = (await Ok(started)).GetProperty("bookmarks")[0].GetProperty("id").GetString()!;

        Assert.DoesNotContain((await Ok(await other.GetAsync("/api/tasks"))).EnumerateArray(), t => t.GetProperty("id").GetString() == taskId);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/tasks/{taskId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { }, "other-completes"))).StatusCode);
        // Staff do not see it in their lists either, and cannot complete it.
        var specialist = await factory.ClientAs("Specialist");
        Assert.Equal(HttpStatusCode.NotFound, (await specialist.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { }, "staff-completes"))).StatusCode);

        var mine = (await Ok(await owner.GetAsync("/api/tasks"))).EnumerateArray().Single(t => t.GetProperty("id").GetString() == taskId);
        Assert.Equal("app-bound-1", mine.GetProperty("applicationId").GetString());
        Assert.Equal("P-BOUND-1", mine.GetProperty("policyNumber").GetString());
        Assert.Equal("Finished", (await Ok(await owner.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { }, "owner-completes")))).GetProperty("status").GetString());
        // Members have no inbox views, counts or task actions.
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.GetAsync("/api/tasks/counts")).StatusCode);
    }

    [Fact]
    public async Task Saved_filters_are_kept_per_user_and_bad_filters_are_refused_naming_the_field()
    {
        var specialist = await UserAsync("filterer", "Specialist");
        var saved = await Ok(await specialist.PostAsJsonAsync("/api/tasks/filters",
            new { name = "我的高优先级", view = "Workable", filter = new { minPriority = 1, status = "Escalated" }, sort = "Due" }));
        var list = await Ok(await specialist.GetAsync("/api/tasks/filters"));
        var f = Assert.Single(list.EnumerateArray());
        Assert.Equal("我的高优先级", f.GetProperty("name").GetString());
        Assert.Empty((await Ok(await (await UserAsync("filterer-2", "Specialist")).GetAsync("/api/tasks/filters"))).EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, (await specialist.DeleteAsync($"/api/tasks/filters/{saved.GetProperty("id").GetInt64()}")).StatusCode);

        foreach (var (query, field) in new[] { ("view=Everything", "view"), ("sort=Random", "sort"), ("dueFrom=tomorrow", "dueFrom"), ("pageSize=0", "pageSize"),
                     ("status=Lost", "status"), ("dueFrom=2026-12-01&dueTo=2026-11-01", "dueTo") })
        {
            var r = await specialist.GetAsync($"/api/tasks/inbox?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.True((await r.Body()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
        // Filters narrow the list: by service (none of the template's tasks has one) and by the due range.
        Assert.Empty((await Ok(await specialist.GetAsync("/api/tasks/inbox?service=cpic-medical-escort&policyNumber=none"))).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_change_feed_reports_tasks_created_claimed_and_completed_after_each_commit()
    {
        var feed = factory.Services.GetRequiredService<Workflows.Persistence.Tasks.ITaskChangeFeed>();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<Workflows.Persistence.Tasks.TaskChange>();
        using (feed.Subscribe(seen.Enqueue))
        {
            var taskId = await StartTaskAsync(await factory.ClientAs("CaseManager"));
            var worker = await UserAsync("feed-worker", "Specialist");
            await Ok(await worker.PostAsJsonAsync($"/api/tasks/{taskId}/claim", new { }));
            // A refused action commits nothing and reports nothing.
            var other = await UserAsync("feed-other", "Specialist");
            Assert.Equal(HttpStatusCode.Conflict, (await other.PostAsJsonAsync($"/api/tasks/{taskId}/claim", new { })).StatusCode);
            await Ok(await worker.SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Reached" }, "feed-complete")));
            var mine = seen.Where(c => c.TaskId == taskId).ToList();
            Assert.Equal([Workflows.Persistence.Tasks.TaskChangeKind.Created, Workflows.Persistence.Tasks.TaskChangeKind.Changed, Workflows.Persistence.Tasks.TaskChangeKind.Completed],
                mine.Select(c => c.Kind));
            Assert.Equal("feed-worker", mine[1].Assignee);
            Assert.Equal("Specialist", mine[0].CandidateRole);
        }
        var after = seen.Count;
        await StartTaskAsync(await factory.ClientAs("CaseManager"));
        Assert.Equal(after, seen.Count); // unsubscribed
    }
}
