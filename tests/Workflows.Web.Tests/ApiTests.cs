using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Workflows.Web.Tests;

public sealed class ApiTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private const string Template = "service-request-template";

    private async Task<JsonElement> StartAsync(HttpClient caseManager, object? input = null, string? key = null)
    {
        var r = await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = Template, input }, key));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return await r.Body();
    }

    [Fact]
    public async Task Workflows_folder_is_imported_at_startup_as_published_definitions()
    {
        var analyst = await factory.ClientAs("Analyst");
        var list = await (await analyst.GetAsync("/api/workflow-definitions")).Body();
        var template = list.EnumerateArray().Single(d => d.GetProperty("definitionId").GetString() == Template);
        Assert.True(template.GetProperty("isPublished").GetBoolean());
        Assert.Equal("file", template.GetProperty("source").GetString());
        var json = await (await analyst.GetAsync($"/api/workflow-definitions/{Template}")).Body();
        Assert.Equal("Elsa.Flowchart", json.GetProperty("root").GetProperty("type").GetString());
        Assert.Equal(200, json.GetProperty("root").GetProperty("activities")[1].GetProperty("metadata").GetProperty("designer").GetProperty("position").GetProperty("y").GetInt32());
    }

    [Fact]
    public async Task Analyst_saves_publishes_and_reverts_versions_and_instances_keep_theirs()
    {
        var analyst = await factory.ClientAs("Analyst");
        var caseManager = await factory.ClientAs("CaseManager");
        var draft = new
        {
            definitionId = "api-versions",
            name = "API versions test",
            root = new
            {
                id = "flowchart1", type = "Elsa.Flowchart",
                activities = new object[]
                {
                    new { id = "t", type = "Workflows.HumanTask", title = new { typeName = "String", expression = new { type = "Literal", value = "First" } },
                          metadata = new { designer = new { position = new { x = 10, y = 20 } } } },
                },
                connections = Array.Empty<object>(),
            },
        };
        var saved = await (await analyst.PostAsJsonAsync("/api/workflow-definitions", draft)).Body();
        Assert.Equal(1, saved.GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsync("/api/workflow-definitions/api-versions/publish", null)).StatusCode);
        var v1Instance = await StartAsync(caseManager, null, null) is var _ ? await (await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "api-versions" }))).Body() : default;
        Assert.Equal(1, v1Instance.GetProperty("version").GetInt32());

        var latest = (await (await analyst.GetAsync("/api/workflow-definitions/api-versions")).Body()).GetRawText()
            .Replace("\"First\"", "\"Second\"");
        var v2 = await (await analyst.PostAsync("/api/workflow-definitions", new StringContent(latest, Encoding.UTF8, "application/json"))).Body();
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        await analyst.PostAsync("/api/workflow-definitions/api-versions/publish", null);
        var v2Instance = await (await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "api-versions" }))).Body();
        Assert.Equal(2, v2Instance.GetProperty("version").GetInt32());
        Assert.Equal("Second", v2Instance.GetProperty("bookmarks")[0].GetProperty("name").GetString());

        var versions = await (await analyst.GetAsync("/api/workflow-definitions/api-versions/versions")).Body();
        Assert.Equal([2, 1], versions.EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        var v1Json = await (await analyst.GetAsync("/api/workflow-definitions/api-versions?version=1")).Body();
        Assert.Equal(20, v1Json.GetProperty("root").GetProperty("activities")[0].GetProperty("metadata").GetProperty("designer").GetProperty("position").GetProperty("y").GetInt32());
        Assert.Equal("Workflow1:flowchart1:t", v1Json.GetProperty("root").GetProperty("activities")[0].GetProperty("nodeId").GetString());

        var reverted = await (await analyst.PostAsync("/api/workflow-definitions/api-versions/versions/1/revert", null)).Body();
        Assert.Equal(3, reverted.GetProperty("version").GetInt32());
        Assert.False(reverted.GetProperty("isPublished").GetBoolean());

        var specialist = await factory.ClientAs("Specialist");
        var done = await (await specialist.SendAsync(Json.Post($"/api/tasks/{v1Instance.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { }, "v1-done"))).Body();
        Assert.Equal("Finished", done.GetProperty("status").GetString());
        Assert.Equal(1, done.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Specialist_completes_tasks_exactly_once_with_idempotency_keys()
    {
        var caseManager = await factory.ClientAs("CaseManager");
        var specialist = await factory.ClientAs("Specialist");
        var started = await StartAsync(caseManager, new { eligible = true }, key: "apply-42");
        var again = await StartAsync(caseManager, new { eligible = true }, key: "apply-42");
        Assert.Equal(started.GetProperty("instanceId").GetString(), again.GetProperty("instanceId").GetString());
        Assert.True(again.GetProperty("replayed").GetBoolean());

        var instanceId = started.GetProperty("instanceId").GetString()!;
        var tasks = await (await specialist.GetAsync("/api/tasks")).Body();
        var call = tasks.EnumerateArray().Single(t => t.GetProperty("instanceId").GetString() == instanceId);
        Assert.Equal(["Reached", "Unreachable"], call.GetProperty("outcomes").EnumerateArray().Select(o => o.GetString()));
        var url = $"/api/tasks/{call.GetProperty("id").GetString()}/complete";

        var noKey = await specialist.SendAsync(Json.Post(url, new { outcome = "Reached" }));
        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        Assert.Equal("application/problem+json", noKey.Content.Headers.ContentType!.MediaType);

        var wrong = await specialist.SendAsync(Json.Post(url, new { outcome = "Teleported" }, "k-wrong"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("Reached, Unreachable", (await wrong.Body()).GetProperty("detail").GetString());

        var first = await specialist.SendAsync(Json.Post(url, new { outcome = "Reached", data = new { note = "reached on 2nd ring" } }, "k-call"));
        var retry = await specialist.SendAsync(Json.Post(url, new { outcome = "Reached", data = new { note = "reached on 2nd ring" } }, "k-call"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.True((await retry.Body()).GetProperty("replayed").GetBoolean());
        // The key names the whole command: the same key with other data is another command, refused.
        var changed = await specialist.SendAsync(Json.Post(url, new { outcome = "Reached" }, "k-call"));
        Assert.Equal((HttpStatusCode)422, changed.StatusCode);

        var other = await specialist.SendAsync(Json.Post(url, new { outcome = "Reached" }, "k-other"));
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);

        var auditor = await factory.ClientAs("Auditor");
        var journal = await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal")).Body();
        var resumed = journal.EnumerateArray().Where(e => e.GetProperty("eventName").GetString() == "BookmarkResumed").ToList();
        var entry = Assert.Single(resumed);
        Assert.Equal("specialist", entry.GetProperty("actorId").GetString());
        Assert.Equal("Specialist", entry.GetProperty("actorRole").GetString());
        Assert.Equal(1, entry.GetProperty("version").GetInt32());
        Assert.True((await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal/verify")).Body()).GetProperty("isValid").GetBoolean());
    }

    [Fact]
    public async Task A_member_cannot_complete_a_specialists_task()
    {
        var started = await StartAsync(await factory.ClientAs("CaseManager"));
        var member = await factory.ClientAs("Member");
        var r = await member.SendAsync(Json.Post($"/api/tasks/{started.GetProperty("bookmarks")[0].GetProperty("id").GetString()}/complete", new { outcome = "Reached" }, "m-1"));
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Empty((await (await member.GetAsync("/api/tasks")).Body()).EnumerateArray());
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_problem_and_stores_nothing()
    {
        var caseManager = await factory.ClientAs("CaseManager");
        var analyst = await factory.ClientAs("Analyst");
        var instances = factory.Count("WorkflowInstances");
        var definitions = factory.Count("WorkflowDefinitions");

        var badJson = await caseManager.PostAsync("/api/workflow-instances", new StringContent("{\"definitionId\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);
        Assert.Equal("application/problem+json", badJson.Content.Headers.ContentType!.MediaType);
        Assert.Contains("not valid JSON", (await badJson.Body()).GetProperty("detail").GetString());

        var unknown = await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "no-such-service" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no-such-service", (await unknown.Body()).GetProperty("detail").GetString());

        var huge = await analyst.PostAsync("/api/workflow-definitions",
            new StringContent("{\"name\":\"" + new string('x', 10_000_000) + "\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        var invalid = await analyst.PostAsJsonAsync("/api/workflow-definitions", new
        {
            definitionId = "broken", name = "Broken",
            root = new { id = "flowchart1", type = "Elsa.Flowchart", activities = new[] { new { id = "q", type = "Acme.Nope" } }, connections = Array.Empty<object>() },
        });
        // A draft may be incomplete (e.g. a required input still empty), but not hold an activity the engine does not know.
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Body();
        Assert.Contains("'q' (q) has unknown type 'Acme.Nope'", problem.GetProperty("errors").GetProperty("Root")[0].GetString());
        Assert.Equal("q", problem.GetProperty("activities")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsync("/api/workflow-definitions/broken/publish", null)).StatusCode);

        var notObject = await analyst.PostAsync("/api/workflow-definitions", new StringContent("[1,2]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notObject.StatusCode);

        Assert.Equal(instances, factory.Count("WorkflowInstances"));
        Assert.Equal(definitions, factory.Count("WorkflowDefinitions"));
    }

    [Fact]
    public async Task Parallel_completions_of_one_instance_are_each_applied_or_refused_whole_and_nothing_is_lost()
    {
        var analyst = await factory.ClientAs("Analyst");
        await analyst.PostAsJsonAsync("/api/workflow-definitions", new
        {
            definitionId = "api-fork", name = "API fork",
            root = new
            {
                id = "flowchart1", type = "Elsa.Flowchart",
                activities = new object[]
                {
                    new { id = "fork", type = "Elsa.FlowFork", branches = new { expression = new { type = "Literal", value = "[\"A\",\"B\"]" } } },
                    new { id = "a", type = "Workflows.HumanTask", title = new { expression = new { type = "Literal", value = "A" } } },
                    new { id = "b", type = "Workflows.HumanTask", title = new { expression = new { type = "Literal", value = "B" } } },
                },
                connections = new object[]
                {
                    new { source = new { activity = "fork", port = "A" }, target = new { activity = "a", port = "In" } },
                    new { source = new { activity = "fork", port = "B" }, target = new { activity = "b", port = "In" } },
                },
            },
        });
        Assert.Equal(HttpStatusCode.OK, (await analyst.PostAsync("/api/workflow-definitions/api-fork/publish", null)).StatusCode);
        var caseManager = await factory.ClientAs("CaseManager");
        var specialist = await factory.ClientAs("Specialist");

        // Whether two requests really overlap depends on timing (the engine test with a barrier makes them overlap every
        // time); here every round must end the same way: each request either applied (200) or refused whole (409), a
        // refused one succeeds when retried, and the instance ends with both tasks done once and an intact journal.
        var auditor = await factory.ClientAs("Auditor");
        for (var round = 0; round < 20; round++)
        {
            var started = await (await caseManager.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "api-fork" }))).Body();
            var instanceId = started.GetProperty("instanceId").GetString()!;
            var ids = started.GetProperty("bookmarks").EnumerateArray().Select(b => b.GetProperty("id").GetString()!).ToArray();
            var responses = await Task.WhenAll(ids.Select(id => specialist.SendAsync(Json.Post($"/api/tasks/{id}/complete", new { }, $"k-{id}"))));
            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
            for (var i = 0; i < ids.Length; i++)
            {
                if (responses[i].StatusCode != HttpStatusCode.Conflict) continue;
                Assert.Contains("was not applied", (await responses[i].Body()).GetProperty("detail").GetString());
                var retried = await specialist.SendAsync(Json.Post($"/api/tasks/{ids[i]}/complete", new { }, $"k-{ids[i]}"));
                Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            }
            var journal = await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal")).Body();
            Assert.Equal(2, journal.EnumerateArray().Count(e => e.GetProperty("eventName").GetString() == "BookmarkResumed"));
            Assert.Equal("WorkflowFinished", journal.EnumerateArray().Last().GetProperty("eventName").GetString());
            Assert.True((await (await auditor.GetAsync($"/api/workflow-instances/{instanceId}/journal/verify")).Body()).GetProperty("isValid").GetBoolean());
        }
    }
}
