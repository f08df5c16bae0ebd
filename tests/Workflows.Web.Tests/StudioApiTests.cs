using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>
/// Elsa Studio's API (<c>/elsa/api</c>) through the real host on a real SQLite file: every endpoint Studio's four elements
/// call, what each role may do there, and bad input refused with a problem and nothing stored.
/// </summary>
public sealed class StudioApiTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private const string Api = "/elsa/api";
    private const string Template = "service-request-template";

    private static JsonObject Task(string id, string? title, double x = 100) => new()
    {
        ["id"] = id, ["type"] = "Workflows.HumanTask", ["version"] = 1, ["name"] = id,
        ["metadata"] = new JsonObject { ["designer"] = new JsonObject { ["position"] = new JsonObject { ["x"] = x, ["y"] = 50 } } },
        ["title"] = title is null ? null : Input("String", "Literal", title),
        ["role"] = Input("String", "Literal", "CaseManager"),
    };

    private static JsonObject Input(string type, string syntax, string value) =>
        new() { ["typeName"] = type, ["expression"] = new JsonObject { ["type"] = syntax, ["value"] = value } };

    private static JsonObject Connection(string from, string port, string to) => new()
    {
        ["source"] = new JsonObject { ["activity"] = from, ["port"] = port }, ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
        ["vertices"] = new JsonArray(),
    };

    private static JsonObject Model(string? definitionId, string name, JsonObject[] activities, JsonObject[]? connections = null, JsonArray? variables = null) => new()
    {
        ["definitionId"] = definitionId, ["name"] = name, ["toolVersion"] = "3.8.0.0",
        ["variables"] = variables ?? new JsonArray(),
        ["root"] = new JsonObject
        {
            ["id"] = "flowchart1", ["type"] = "Elsa.Flowchart", ["version"] = 1, ["name"] = "Flowchart1",
            ["activities"] = new JsonArray(activities.Select(a => (JsonNode)a).ToArray()),
            ["connections"] = new JsonArray((connections ?? []).Select(c => (JsonNode)c).ToArray()),
        },
    };

    private static StringContent Body(JsonNode node) => new(node.ToJsonString(), Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> Save(HttpClient client, JsonObject model, bool publish) =>
        client.PostAsync($"{Api}/workflow-definitions", Body(new JsonObject { ["model"] = model.DeepClone(), ["publish"] = publish }));

    private static async Task<JsonElement> Ok(HttpResponseMessage r)
    {
        Assert.True(r.IsSuccessStatusCode, $"{r.RequestMessage!.Method} {r.RequestMessage.RequestUri}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return await r.Body();
    }

    private static async Task<string[]> Problem(HttpResponseMessage r, HttpStatusCode status)
    {
        Assert.Equal(status, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var body = await r.Body();
        return body.GetProperty("errors").GetProperty("Root").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    private long Versions(string definitionId)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM WorkflowDefinitions WHERE DefinitionId = @id";
        cmd.Parameters.AddWithValue("@id", definitionId);
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>
    /// What Studio is told is what the engine runs: every expectation comes from the host's own
    /// <see cref="Workflows.Engine.Descriptors.ActivityRegistry"/> (built from the activity classes' attributes and input
    /// properties), the task activities' form declarations and the evaluator's expression types — not from literals the
    /// descriptor handler also writes.
    /// </summary>
    [Fact]
    public async Task Activity_descriptors_are_the_registry_s_grouped_by_category_with_Chinese_names_and_the_expression_languages_are_the_evaluator_s()
    {
        var registry = factory.Services.GetRequiredService<Workflows.Engine.Descriptors.ActivityRegistry>();
        var analyst = await factory.ClientAs("Analyst");
        var activities = await Ok(await analyst.GetAsync($"{Api}/descriptors/activities?Refresh=True"));
        var items = activities.GetProperty("items").EnumerateArray().ToDictionary(d => d.GetProperty("typeName").GetString()!);
        Assert.Equal(items.Count, activities.GetProperty("count").GetInt32());

        // Exactly the registry's activities, plus the canvas Studio needs (not offered in the toolbox).
        Assert.Equal(registry.Descriptors.Select(d => d.TypeName).Append(Workflows.Engine.Model.ActivityNode.FlowchartType).Order(StringComparer.Ordinal),
            items.Keys.Order(StringComparer.Ordinal));
        Assert.False(items[Workflows.Engine.Model.ActivityNode.FlowchartType].GetProperty("isBrowsable").GetBoolean());
        Assert.True(registry.Descriptors.Count >= 10, $"only {registry.Descriptors.Count} activities registered");

        foreach (var d in registry.Descriptors)
        {
            var served = items[d.TypeName];
            // The activity class's own names: the English one, and the handbook's Chinese one where the class declares it.
            var attribute = registry.Get(d.TypeName).Create().GetType().GetCustomAttributes(typeof(Workflows.Engine.Activities.ActivityAttribute), false)
                .OfType<Workflows.Engine.Activities.ActivityAttribute>().Single();
            var displayName = served.GetProperty("displayName").GetString()!;
            Assert.StartsWith(attribute.DisplayName ?? d.DisplayName, displayName);
            if (attribute.DisplayNameZh is { } zh) Assert.EndsWith(zh, displayName);
            Assert.Equal(attribute.Category, served.GetProperty("category").GetString());
            Assert.Equal(d.Inputs.Select(i => (i.Name, i.TypeName, i.UIHint)),
                served.GetProperty("inputs").EnumerateArray().Select(i => (i.GetProperty("name").GetString()!, i.GetProperty("typeName").GetString()!, i.GetProperty("uiHint").GetString()!)));
            var ports = served.GetProperty("ports").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
            Assert.Equal(d.Ports.Select(p => p.Name), ports);
            // A task with fixed outcomes offers, as ports, exactly the outcomes its form declares.
            if (registry.Get(d.TypeName).Create() is Workflows.Engine.Activities.Builtin.TaskActivity task && d.Inputs.All(i => i.UIHint != Workflows.Engine.Activities.InputUIHints.DynamicOutcomes))
                Assert.Equal(task.DeclareForm(ports).Outcomes.Select(o => o.Name), ports);
        }

        // The expression languages are the evaluator's; the ones offered in the picker are those a person writes (not the JSON Studio's editor writes).
        var expressions = (await Ok(await analyst.GetAsync($"{Api}/descriptors/expression-descriptors"))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(Workflows.Engine.Model.ExpressionTypes.All.Order(StringComparer.Ordinal), expressions.Select(e => e.GetProperty("type").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(Workflows.Engine.Model.ExpressionTypes.All.Where(t => t != Workflows.Engine.Model.ExpressionTypes.Object).Order(StringComparer.Ordinal),
            expressions.Where(e => e.GetProperty("isBrowsable").GetBoolean()).Select(e => e.GetProperty("type").GetString()!).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Studio's lists have the shape its dialogs need (a type name and a display name per item; the commit strategies
    /// and features are empty because the engine has none). What they say is checked against the engine, not against
    /// the handler's own literals: every type an activity input has is offered as a variable type.
    /// </summary>
    [Theory]
    [InlineData("/descriptors/variables", true)]
    [InlineData("/descriptors/workflow-activation-strategies", true)]
    [InlineData("/descriptors/incident-strategies", true)]
    [InlineData("/descriptors/log-persistence-strategies", true)]
    [InlineData("/descriptors/storage-drivers", true)]
    [InlineData("/descriptors/commit-strategies/workflows", false)]
    [InlineData("/descriptors/commit-strategies/activities", false)]
    [InlineData("/features/installed", false)]
    public async Task The_lists_Studio_asks_for_have_the_shape_its_dialogs_need(string path, bool hasItems)
    {
        var auditor = await factory.ClientAs("Auditor");
        var list = await Ok(await auditor.GetAsync(Api + path));
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(hasItems, items.Count > 0);
        Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.GetProperty("typeName").GetString())));
        Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.GetProperty("displayName").GetString())));
    }

    [Fact]
    public async Task Every_type_an_activity_input_has_is_offered_as_a_variable_type()
    {
        var analyst = await factory.ClientAs("Analyst");
        var variableTypes = (await Ok(await analyst.GetAsync($"{Api}/descriptors/variables"))).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("typeName").GetString()!).ToHashSet();
        var inputTypes = (await Ok(await analyst.GetAsync($"{Api}/descriptors/activities"))).GetProperty("items").EnumerateArray()
            .SelectMany(d => d.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("typeName").GetString()!)).ToHashSet();
        Assert.True(inputTypes.Count >= 4, string.Join(",", inputTypes));
        Assert.Empty(inputTypes.Except(variableTypes));
    }

    [Fact]
    public async Task The_definition_list_pages_searches_and_only_editors_get_the_links_that_make_Studio_editable()
    {
        var analyst = await factory.ClientAs("Analyst");
        var auditor = await factory.ClientAs("Auditor");
        const string query = "/workflow-definitions?versionOptions=Latest&Page=0&PageSize=5&SearchTerm=&IsSystem=False&OrderDirection=Ascending";
        var page = await Ok(await analyst.GetAsync(Api + query));
        Assert.Equal(5, page.GetProperty("items").GetArrayLength());
        Assert.True(page.GetProperty("totalCount").GetInt32() >= 16);
        Assert.Equal("bulk-publish", page.GetProperty("links")[0].GetProperty("rel").GetString());
        Assert.Empty((await Ok(await auditor.GetAsync(Api + query))).GetProperty("links").EnumerateArray());

        var found = await Ok(await analyst.GetAsync($"{Api}/workflow-definitions?versionOptions=Latest&SearchTerm=green%20channel&OrderBy=Name&OrderDirection=Descending"));
        var greenChannels = found.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("definitionId").GetString()).ToList();
        Assert.Contains("jd-green-channel", greenChannels);
        Assert.Contains("cpic-outpatient-green-channel", greenChannels);
        Assert.True(greenChannels.Count < 16);

        var asAnalyst = await Ok(await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/{Template}?versionOptions=Latest"));
        Assert.True(asAnalyst.GetProperty("isLatest").GetBoolean());
        Assert.Contains(asAnalyst.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "publish");
        var asAuditor = await Ok(await auditor.GetAsync($"{Api}/workflow-definitions/by-definition-id/{Template}?versionOptions=Latest"));
        Assert.DoesNotContain(asAuditor.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "publish");

        var versionId = asAnalyst.GetProperty("id").GetString()!;
        Assert.Equal(Template, (await Ok(await auditor.GetAsync($"{Api}/workflow-definitions/by-id/{versionId}"))).GetProperty("definitionId").GetString());
        var many = await Ok(await auditor.GetAsync($"{Api}/workflow-definitions/many-by-id?ids={versionId}&ids=no-such"));
        Assert.Equal(1, many.GetProperty("count").GetInt32());
        var names = await Ok(await auditor.GetAsync($"{Api}/workflow-definitions?versionOptions=&Ids={versionId}"));
        Assert.Equal(Template, names.GetProperty("items")[0].GetProperty("definitionId").GetString());
        Assert.True((await Ok(await auditor.GetAsync($"{Api}/workflow-definitions/query/count"))).GetProperty("count").GetInt32() >= 16);

        Assert.False((await Ok(await analyst.GetAsync($"{Api}/workflow-definitions/validation/is-name-unique?name={Uri.EscapeDataString(asAnalyst.GetProperty("name").GetString()!)}"))).GetProperty("isUnique").GetBoolean());
        Assert.True((await Ok(await analyst.GetAsync($"{Api}/workflow-definitions/validation/is-name-unique?name=Nobody%20uses%20this"))).GetProperty("isUnique").GetBoolean());

        var export = await analyst.GetAsync($"{Api}/workflow-definitions/{Template}/export?versionOptions=Latest");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal($"{Template}-v1.json", export.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(Template, JsonNode.Parse(await export.Content.ReadAsStringAsync())!["definitionId"]!.GetValue<string>());

        await Problem(await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/no-such?versionOptions=Latest"), HttpStatusCode.NotFound);
        await Problem(await analyst.GetAsync($"{Api}/workflow-definitions?versionOptions=Sometimes"), HttpStatusCode.BadRequest);
        await Problem(await analyst.GetAsync($"{Api}/workflow-definitions?PageSize=100000"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Saving_keeps_layout_and_unknown_properties_assigns_missing_node_ids_and_the_reloaded_draft_is_what_was_saved()
    {
        var analyst = await factory.ClientAs("Analyst");
        var first = Task("a", "Check the papers");
        first["customProperties"] = new JsonObject { ["canStartWorkflow"] = false };
        first["somethingStudioAdds"] = new JsonObject { ["kept"] = true };
        var model = Model(null, "Round trip 往返", [first, Task("b", null, 400)], [Connection("a", "Done", "b")]);
        model["futureField"] = "kept too";

        var created = await Ok(await Save(analyst, model, publish: false));
        Assert.False(created.GetProperty("alreadyPublished").GetBoolean());
        var saved = created.GetProperty("workflowDefinition");
        var definitionId = saved.GetProperty("definitionId").GetString()!;
        Assert.False(string.IsNullOrEmpty(definitionId));
        Assert.Equal("Workflow1:flowchart1", saved.GetProperty("root").GetProperty("nodeId").GetString());
        Assert.Equal("Workflow1:flowchart1:b", saved.GetProperty("root").GetProperty("activities")[1].GetProperty("nodeId").GetString());

        // The editor moves b and keeps editing: the draft is updated in place.
        var edited = JsonNode.Parse(saved.GetRawText())!.AsObject();
        edited["root"]!["activities"]![1]!["metadata"]!["designer"]!["position"]!["x"] = 512.5;
        edited["root"]!["activities"]![1]!["title"] = Input("String", "Literal", "Second look");
        var again = await Ok(await Save(analyst, edited, publish: false));
        Assert.Equal(1, again.GetProperty("workflowDefinition").GetProperty("version").GetInt32());

        var reloaded = await Ok(await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/{definitionId}?versionOptions=Latest"));
        var activities = reloaded.GetProperty("root").GetProperty("activities");
        Assert.Equal(512.5, activities[1].GetProperty("metadata").GetProperty("designer").GetProperty("position").GetProperty("x").GetDouble());
        Assert.Equal("Second look", activities[1].GetProperty("title").GetProperty("expression").GetProperty("value").GetString());
        Assert.True(activities[0].GetProperty("somethingStudioAdds").GetProperty("kept").GetBoolean());
        Assert.False(activities[0].GetProperty("customProperties").GetProperty("canStartWorkflow").GetBoolean());
        Assert.Equal("kept too", reloaded.GetProperty("futureField").GetString());
        Assert.Equal("b", reloaded.GetProperty("root").GetProperty("connections")[0].GetProperty("target").GetProperty("activity").GetString());
        Assert.False(reloaded.GetProperty("isPublished").GetBoolean());

        var other = Model(null, "Round trip 往返", [Task("x", "x")]);
        var messages = await Problem(await Save(analyst, other, publish: false), HttpStatusCode.Conflict);
        Assert.Contains("already named", messages[0]);
    }

    public static TheoryData<string, JsonObject, string> Invalid => new()
    {
        { "unknown activity type", Model("invalid-type", "Invalid type", [new JsonObject { ["id"] = "h", ["type"] = "Elsa.HttpEndpoint", ["name"] = "Http1" }]), "Activity 'Http1' (h) has unknown type 'Elsa.HttpEndpoint'" },
        { "dangling connection", Model("invalid-connection", "Invalid connection", [Task("a", "A")], [Connection("a", "Done", "gone")]), "Activity 'a' (a) connects to activity 'gone', which does not exist" },
        { "missing required input", Model("invalid-input", "Invalid input", [Task("a", "A"), Task("b", null)], [Connection("a", "Done", "b")]), "Activity 'b' (b): required input 'Title' has no value" },
        { "JavaScript that does not parse", Model("invalid-js", "Invalid JavaScript", [new JsonObject
            {
                ["id"] = "d", ["type"] = "Elsa.FlowDecision", ["name"] = "Decision1", ["metadata"] = new JsonObject { ["displayText"] = "Eligible?" },
                ["condition"] = Input("Boolean", "JavaScript", "input.age >= ("),
            }]), "Activity 'Eligible?' (d), input 'Condition'" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Publishing_refuses_an_invalid_workflow_with_a_message_naming_the_activity_and_stores_nothing(string why, JsonObject model, string message)
    {
        var analyst = await factory.ClientAs("Analyst");
        var definitionId = model["definitionId"]!.GetValue<string>();
        var messages = await Problem(await Save(analyst, model, publish: true), HttpStatusCode.BadRequest);
        Assert.True(messages.Any(m => m.Contains(message)), $"{why}: {string.Join(" | ", messages)}");
        Assert.Equal(0, Versions(definitionId));
    }

    [Fact]
    public async Task A_draft_may_be_incomplete_but_not_hold_an_activity_the_engine_does_not_know()
    {
        var analyst = await factory.ClientAs("Analyst");
        var incomplete = Model("incomplete-draft", "Incomplete draft", [Task("a", "A"), Task("b", null)]);
        Assert.False((await Ok(await Save(analyst, incomplete, publish: false))).GetProperty("workflowDefinition").GetProperty("isPublished").GetBoolean());
        var unknown = Model("incomplete-draft", "Incomplete draft", [Task("a", "A"), new JsonObject { ["id"] = "c", ["type"] = "Elsa.RunCSharp" }]);
        var messages = await Problem(await Save(analyst, unknown, publish: false), HttpStatusCode.BadRequest);
        Assert.Contains("unknown type 'Elsa.RunCSharp'", messages[0]);
        var stored = await Ok(await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/incomplete-draft?versionOptions=Latest"));
        Assert.Equal(2, stored.GetProperty("root").GetProperty("activities").GetArrayLength());
        Assert.Equal("Workflows.HumanTask", stored.GetProperty("root").GetProperty("activities")[1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task Malformed_and_huge_bodies_are_refused_with_a_problem_and_nothing_is_stored()
    {
        var analyst = await factory.ClientAs("Analyst");
        var before = factory.Count("WorkflowDefinitions");
        var bad = await analyst.PostAsync($"{Api}/workflow-definitions", new StringContent("{\"model\": {\"name\": \"x\", ", Encoding.UTF8, "application/json"));
        Assert.Contains("not valid JSON", (await Problem(bad, HttpStatusCode.BadRequest))[0]);
        var wrongShape = await analyst.PostAsync($"{Api}/workflow-definitions", new StringContent("{\"model\": {\"name\": \"x\", \"root\": 42}}", Encoding.UTF8, "application/json"));
        await Problem(wrongShape, HttpStatusCode.BadRequest);
        var array = await analyst.PostAsync($"{Api}/workflow-definitions", new StringContent("[1,2]", Encoding.UTF8, "application/json"));
        await Problem(array, HttpStatusCode.BadRequest);
        var huge = Model("huge", "Huge", [Task("a", new string('x', 5_000_000))]);
        await Problem(await Save(analyst, huge, publish: false), HttpStatusCode.RequestEntityTooLarge);
        var badFilter = await (await factory.ClientAs("Auditor")).PostAsync($"{Api}/workflow-instances", new StringContent("{\"statuses\": [\"Sleeping\"]}", Encoding.UTF8, "application/json"));
        await Problem(badFilter, HttpStatusCode.BadRequest);
        Assert.Equal(before, factory.Count("WorkflowDefinitions"));
    }

    [Fact]
    public async Task Publish_retract_revert_import_and_delete_work_on_the_engine_s_versions()
    {
        var analyst = await factory.ClientAs("Analyst");
        var saved = await Ok(await Save(analyst, Model("lifecycle", "Lifecycle", [Task("a", "First")]), publish: false));
        var published = await Ok(await analyst.PostAsync($"{Api}/workflow-definitions/lifecycle/publish", Body(new JsonObject())));
        Assert.True(published.GetProperty("workflowDefinition").GetProperty("isPublished").GetBoolean());
        // Publishing again unchanged is no new version.
        var republished = await Ok(await Save(analyst, JsonNode.Parse(published.GetProperty("workflowDefinition").GetRawText())!.AsObject(), publish: true));
        Assert.True(republished.GetProperty("alreadyPublished").GetBoolean());
        Assert.Equal(1, Versions("lifecycle"));

        var retracted = await Ok(await analyst.PostAsync($"{Api}/workflow-definitions/lifecycle/retract", Body(new JsonObject())));
        Assert.False(retracted.GetProperty("isPublished").GetBoolean());
        await Problem(await analyst.PostAsync($"{Api}/workflow-definitions/lifecycle/retract", Body(new JsonObject())), HttpStatusCode.Conflict);

        var v2 = JsonNode.Parse(saved.GetProperty("workflowDefinition").GetRawText())!.AsObject();
        v2["root"]!["activities"]![0]!["title"] = Input("String", "Literal", "Second");
        Assert.Equal(2, (await Ok(await Save(analyst, v2, publish: true))).GetProperty("workflowDefinition").GetProperty("version").GetInt32());
        var reverted = await Ok(await analyst.PostAsync($"{Api}/workflow-definitions/lifecycle/revert/1", null));
        Assert.Equal(3, reverted.GetProperty("version").GetInt32());
        var history = await Ok(await analyst.GetAsync($"{Api}/workflow-definitions?versionOptions=AllVersions&DefinitionIds=lifecycle&OrderBy=Version&OrderDirection=Descending&Page=0&PageSize=10"));
        Assert.Equal([3, 2, 1], history.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()).ToArray());
        var latest = await Ok(await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/lifecycle?versionOptions=Latest"));
        Assert.Equal("First", latest.GetProperty("root").GetProperty("activities")[0].GetProperty("title").GetProperty("expression").GetProperty("value").GetString());

        var export = await (await analyst.GetAsync($"{Api}/workflow-definitions/lifecycle/export?versionOptions=2")).Content.ReadAsStringAsync();
        var imported = JsonNode.Parse(export)!.AsObject();
        imported["definitionId"] = "lifecycle-copy";
        imported["name"] = "Lifecycle copy";
        var copy = await Ok(await analyst.PostAsync($"{Api}/workflow-definitions/import", Body(imported)));
        Assert.Equal("lifecycle-copy", copy.GetProperty("definitionId").GetString());
        Assert.Equal("Second", copy.GetProperty("root").GetProperty("activities")[0].GetProperty("title").GetProperty("expression").GetProperty("value").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await analyst.DeleteAsync($"{Api}/workflow-definitions/lifecycle-copy")).StatusCode);
        Assert.Equal(0, Versions("lifecycle-copy"));
        await Problem(await analyst.DeleteAsync($"{Api}/workflow-definitions/lifecycle-copy"), HttpStatusCode.NotFound);
    }

    /// <summary>Execute (Studio's Run) as a case manager; the instance id comes back in Elsa's header.</summary>
    private async Task<string> Execute(string definitionId, object? body = null)
    {
        var caseManager = await factory.ClientAs("CaseManager");
        var r = await caseManager.PostAsJsonAsync($"{Api}/workflow-definitions/{definitionId}/execute", body ?? new { });
        await Ok(r);
        return r.Headers.GetValues("x-elsa-workflow-instance-id").Single();
    }

    private async Task CompleteOpenTask(string instanceId)
    {
        var caseManager = await factory.ClientAs("CaseManager");
        var tasks = await Ok(await caseManager.GetAsync("/api/tasks"));
        var task = tasks.EnumerateArray().First(t => t.GetProperty("instanceId").GetString() == instanceId);
        await Ok(await caseManager.SendAsync(Json.Post($"/api/tasks/{task.GetProperty("id").GetString()}/complete", new { outcome = "Done" }, Guid.NewGuid().ToString())));
    }

    [Fact]
    public async Task The_published_version_is_what_new_instances_run_while_older_ones_finish_on_theirs()
    {
        var analyst = await factory.ClientAs("Analyst");
        var auditor = await factory.ClientAs("Auditor");
        var v1 = await Ok(await Save(analyst, Model("versioned", "Versioned", [Task("a", "First step")]), publish: true));
        var old = await Execute("versioned");

        var edited = JsonNode.Parse(v1.GetProperty("workflowDefinition").GetRawText())!.AsObject();
        edited["root"]!["activities"]!.AsArray().Add(Task("b", "Added step", 400));
        edited["root"]!["connections"]!.AsArray().Add(Connection("a", "Done", "b"));
        Assert.Equal(2, (await Ok(await Save(analyst, edited, publish: true))).GetProperty("workflowDefinition").GetProperty("version").GetInt32());
        var fresh = await Execute("versioned");

        await CompleteOpenTask(old);
        await CompleteOpenTask(fresh);
        var oldState = await Ok(await auditor.GetAsync($"{Api}/workflow-instances/{old}"));
        var freshState = await Ok(await auditor.GetAsync($"{Api}/workflow-instances/{fresh}"));
        Assert.Equal((1, "Finished"), (oldState.GetProperty("version").GetInt32(), oldState.GetProperty("subStatus").GetString()));
        Assert.Equal((2, "Suspended"), (freshState.GetProperty("version").GetInt32(), freshState.GetProperty("subStatus").GetString()));
        Assert.Equal("Added step", freshState.GetProperty("workflowState").GetProperty("bookmarks")[0].GetProperty("name").GetString());
        // The viewer loads each instance's own version.
        var oldVersion = await Ok(await auditor.GetAsync($"{Api}/workflow-definitions/by-id/{oldState.GetProperty("definitionVersionId").GetString()}"));
        Assert.Equal(1, oldVersion.GetProperty("root").GetProperty("activities").GetArrayLength());
    }

    [Fact]
    public async Task The_instance_list_filters_and_the_viewer_reads_state_variables_journal_executions_report_and_call_stack()
    {
        var analyst = await factory.ClientAs("Analyst");
        var auditor = await factory.ClientAs("Auditor");
        var variables = new JsonArray(
            new JsonObject { ["id"] = "v-phone", ["name"] = "memberPhone", ["typeName"] = "String", ["value"] = "13800000000" },
            new JsonObject { ["id"] = "v-step", ["name"] = "step", ["typeName"] = "String", ["value"] = "one" });
        await Ok(await Save(analyst, Model("viewer", "Viewer", [Task("a", "First"), Task("b", "Second", 400)], [Connection("a", "Done", "b")], variables), publish: true));
        var finished = await Execute("viewer", new { correlationId = "corr-viewer" });
        await CompleteOpenTask(finished);
        await CompleteOpenTask(finished);
        var waiting = await Execute("viewer");

        var list = await Ok(await auditor.PostAsJsonAsync($"{Api}/workflow-instances", new
        {
            page = 0, pageSize = 10, definitionIds = new[] { "viewer" }, statuses = new[] { "Finished" }, orderDirection = "Descending",
            timestampFilters = new[] { new { column = "CreatedAt", @operator = "GreaterThan", timestamp = DateTimeOffset.UtcNow.AddHours(-1) } },
        }));
        Assert.Equal([finished], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).ToArray());
        var bySearch = await Ok(await auditor.PostAsJsonAsync($"{Api}/workflow-instances", new { searchTerm = "corr-viewer", subStatuses = new[] { "Finished" } }));
        Assert.Equal(1, bySearch.GetProperty("totalCount").GetInt32());
        var suspended = await Ok(await auditor.PostAsJsonAsync($"{Api}/workflow-instances", new { definitionId = "viewer", subStatus = "Suspended", orderBy = "LastExecuted" }));
        Assert.Equal(waiting, suspended.GetProperty("items")[0].GetProperty("id").GetString());

        var state = await Ok(await auditor.GetAsync($"{Api}/workflow-instances/{waiting}/execution-state"));
        Assert.Equal(("Running", "Suspended"), (state.GetProperty("status").GetString(), state.GetProperty("workflowSubStatus").GetString()));
        var vars = (await Ok(await auditor.GetAsync($"{Api}/workflow-instances/{finished}/variables"))).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("***", vars.Single(v => v.GetProperty("id").GetString() == "v-phone").GetProperty("value").GetString());
        Assert.Equal("one", vars.Single(v => v.GetProperty("name").GetString() == "step").GetProperty("value").GetString());

        var journal = await Ok(await auditor.PostAsJsonAsync($"{Api}/workflow-instances/{finished}/journal?skip=0&take=110",
            new { filter = new { activityNodeIds = new[] { "Workflow1:flowchart1:a", "Workflow1:flowchart1:b" }, excludedActivityTypes = new[] { "Elsa.Workflow", "Elsa.Flowchart" } } }));
        var events = journal.GetProperty("items").EnumerateArray().Select(e => $"{e.GetProperty("activityId").GetString()}:{e.GetProperty("eventName").GetString()}").ToArray();
        Assert.Equal(["a:Started", "a:BookmarkCreated", "a:BookmarkResumed", "a:Completed", "b:Started", "b:BookmarkCreated", "b:BookmarkResumed", "b:Completed"], events);
        var whole = await Ok(await auditor.GetAsync($"{Api}/workflow-instances/{finished}/journal?skip=1&take=2"));
        Assert.Equal(2, whole.GetProperty("items").GetArrayLength());
        Assert.Equal(10, whole.GetProperty("totalCount").GetInt32()); // with WorkflowStarted and WorkflowFinished
        var faults = await Ok(await auditor.PostAsJsonAsync($"{Api}/workflow-instances/{finished}/journal", new { filter = new { eventNames = new[] { "Faulted" } } }));
        Assert.Equal(0, faults.GetProperty("totalCount").GetInt32());

        var executions = await Ok(await auditor.GetAsync($"{Api}/activity-executions/list?WorkflowInstanceId={finished}&ActivityNodeId=Workflow1:flowchart1:b"));
        var b = executions.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(("Completed", true), (b.GetProperty("status").GetString(), b.GetProperty("hasBookmarks").GetBoolean()));
        Assert.Equal("Second", b.GetProperty("activityState").GetProperty("Title").GetString());
        var summaries = await Ok(await auditor.GetAsync($"{Api}/activity-execution-summaries/list?WorkflowInstanceId={finished}&ActivityNodeId=Workflow1:flowchart1:a"));
        Assert.Equal("Completed", summaries.GetProperty("items")[0].GetProperty("status").GetString());
        var id = b.GetProperty("id").GetString();
        Assert.Equal("b", (await Ok(await auditor.GetAsync($"{Api}/activity-executions/by-id?id={id}"))).GetProperty("activityId").GetString());
        var stack = await Ok(await auditor.GetAsync($"{Api}/activity-executions/{id}/call-stack?includeCrossWorkflowChain=True"));
        Assert.Equal(id, stack.GetProperty("items")[0].GetProperty("id").GetString());
        await Problem(await auditor.GetAsync($"{Api}/activity-executions/by-id?id=no-such"), HttpStatusCode.NotFound);

        var report = await Ok(await auditor.PostAsJsonAsync($"{Api}/activity-executions/report",
            new { workflowInstanceId = waiting, activityNodeIds = new[] { "Workflow1:flowchart1:a", "Workflow1:flowchart1:b" } }));
        var a = report.GetProperty("stats").EnumerateArray().Single();
        Assert.Equal(("Workflow1:flowchart1:a", 1, 0, true), (a.GetProperty("activityNodeId").GetString(), a.GetProperty("startedCount").GetInt32(),
            a.GetProperty("completedCount").GetInt32(), a.GetProperty("isBlocked").GetBoolean()));

        await Problem(await auditor.GetAsync($"{Api}/workflow-instances/no-such"), HttpStatusCode.NotFound);
        await Problem(await auditor.GetAsync($"{Api}/workflow-instances/no-such/journal"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Each_role_gets_what_the_issue_says_and_every_call_is_in_the_access_trail()
    {
        var analyst = await factory.ClientAs("Analyst");
        var auditor = await factory.ClientAs("Auditor");
        var member = await factory.ClientAs("Member");
        var admin = await factory.ClientAs("Admin");
        var model = Model("roles", "Roles", [Task("a", "A")]);

        Assert.Equal(HttpStatusCode.Forbidden, (await Save(auditor, model, publish: true)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Save(admin, model, publish: false)).StatusCode);
        Assert.Equal(0, Versions("roles"));
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync($"{Api}/descriptors/activities")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync($"{Api}/workflow-definitions")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"{Api}/workflow-instances", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.PostAsJsonAsync($"{Api}/workflow-definitions/{Template}/execute", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync($"{Api}/descriptors/activities")).StatusCode);
        foreach (var reader in new[] { "Auditor", "Specialist", "CaseManager", "Admin" })
        {
            var client = await factory.ClientAs(reader);
            var definition = await Ok(await client.GetAsync($"{Api}/workflow-definitions/by-definition-id/{Template}?versionOptions=Latest"));
            Assert.DoesNotContain(definition.GetProperty("links").EnumerateArray(), l => l.GetProperty("rel").GetString() == "publish");
            await Ok(await client.PostAsJsonAsync($"{Api}/workflow-instances", new { }));
        }

        var unsupported = await (await factory.ClientAs("Auditor")).PostAsJsonAsync($"{Api}/bulk-actions/cancel/workflow-instances", new { ids = new[] { "x" } });
        Assert.Contains("not of this back office", (await Problem(unsupported, HttpStatusCode.NotFound))[0]);

        var instance = await Execute(Template);
        await Ok(await auditor.GetAsync($"{Api}/workflow-instances/{instance}"));
        using var c = factory.Database.OpenSqlite();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT UserName, StatusCode, InstanceId FROM AccessLog WHERE Path = @p";
            cmd.Parameters.AddWithValue("@p", $"{Api}/workflow-instances/{instance}");
            using var r = cmd.ExecuteReader();
            Assert.True(r.Read());
            Assert.Equal(("auditor", 200, instance), (r.GetString(0), r.GetInt32(1), r.GetString(2)));
        }
        using var refused = c.CreateCommand();
        refused.CommandText = "SELECT COUNT(*) FROM AccessLog WHERE Path LIKE '/elsa/api/%' AND StatusCode = 403 AND UserName = 'member'";
        Assert.True((long)refused.ExecuteScalar()! >= 2);
    }

    [Fact]
    public async Task Studio_is_served_offline_under_its_own_base_path_to_staff_only()
    {
        var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });
        var page = await anonymous.GetAsync("/studio/?view=definitions");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/studio/_framework/blazor.webassembly.js")).StatusCode);

        var analyst = await factory.CookieClientAs("analyst");
        var html = await analyst.GetStringAsync("/studio/?view=editor&id=x");
        Assert.Contains("<base href=\"/studio/\"", html);
        Assert.DoesNotContain("googleapis", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("autostart=\"false\"", html);
        var boot = await analyst.GetAsync("/studio/_framework/blazor.webassembly.js");
        Assert.Equal(HttpStatusCode.OK, boot.StatusCode);
        var settings = await analyst.GetFromJsonAsync<JsonElement>("/studio/appsettings.json");
        Assert.EndsWith("/elsa/api", settings.GetProperty("backend").GetProperty("url").GetString());
        var anyWasm = Directory.EnumerateFiles(Path.Combine(BackOfficeProcess.RepositoryRoot, "src/Workflows.Web/StudioHost/node_modules/@elsa-workflows/elsa-studio-wasm/_framework"), "*.wasm").First();
        var request = new HttpRequestMessage(HttpMethod.Get, "/studio/_framework/" + Path.GetFileName(anyWasm));
        request.Headers.AcceptEncoding.ParseAdd("br");
        var compressed = await analyst.SendAsync(request);
        Assert.Equal("application/wasm", compressed.Content.Headers.ContentType?.MediaType);
        Assert.Equal("br", compressed.Content.Headers.ContentEncoding.Single());

        var token = await analyst.PostAsync("/api/auth/session-token", null);
        Assert.Equal("Bearer", (await Ok(token)).GetProperty("tokenType").GetString());
        var member = await factory.CookieClientAs("member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsync("/api/auth/session-token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/studio/_framework/blazor.webassembly.js")).StatusCode);
        Assert.Contains("/account/denied", (await member.GetAsync("/studio/")).Headers.Location!.OriginalString);
    }
}
