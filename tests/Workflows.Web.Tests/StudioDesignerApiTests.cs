using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflows.Web.Tests;

/// <summary>
/// The designer that cannot publish breakage (issue 12), through the real host on a real SQLite file: dropdown options in the
/// shape Studio reads, publish checks that evaluate options and scripts, the script editor's type definitions, Run and bulk
/// refusals Studio can show, and Studio's files fingerprinted and cached.
/// </summary>
public sealed class StudioDesignerApiTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private const string Api = "/elsa/api";

    private static JsonObject Input(string syntax, string value) =>
        new() { ["typeName"] = "String", ["expression"] = new JsonObject { ["type"] = syntax, ["value"] = value } };

    /// <summary>Start → a service task with the given inputs (Title, Role, Hours… as Studio keys them, camelCased).</summary>
    private static JsonObject Model(string definitionId, params (string Input, JsonObject Value)[] inputs)
    {
        var task = new JsonObject
        {
            ["id"] = "call", ["type"] = "Health.ServiceTask", ["version"] = 1, ["name"] = "Call1",
            ["metadata"] = new JsonObject { ["displayText"] = "Call 致电" },
            ["title"] = Input("Literal", "Call the member"),
            ["role"] = Input("Literal", "Specialist"),
            ["hours"] = Input("Literal", "OfficeDay"),
        };
        foreach (var (name, value) in inputs) task[name] = value;
        return new JsonObject
        {
            ["definitionId"] = definitionId, ["name"] = $"Designer checks {definitionId}", ["toolVersion"] = "3.8.0.0",
            ["variables"] = new JsonArray(new JsonObject { ["id"] = "v1", ["name"] = "memberName", ["typeName"] = "String", ["isArray"] = false, ["value"] = null }),
            ["root"] = new JsonObject
            {
                ["id"] = "flowchart1", ["type"] = "Elsa.Flowchart", ["version"] = 1, ["name"] = "Flowchart1",
                ["activities"] = new JsonArray(new JsonObject { ["id"] = "start", ["type"] = "Elsa.Start", ["version"] = 1, ["name"] = "Start1" }, task),
                ["connections"] = new JsonArray(new JsonObject
                {
                    ["source"] = new JsonObject { ["activity"] = "start", ["port"] = "Done" },
                    ["target"] = new JsonObject { ["activity"] = "call", ["port"] = "In" },
                    ["vertices"] = new JsonArray(),
                }),
            },
        };
    }

    private static Task<HttpResponseMessage> Save(HttpClient client, JsonObject model, bool publish) =>
        client.PostAsync($"{Api}/workflow-definitions", new StringContent(new JsonObject { ["model"] = model, ["publish"] = publish }.ToJsonString(), Encoding.UTF8, "application/json"));

    private static async Task<string> Refusal(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        return string.Join(" | ", JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("Root").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Dropdown_inputs_carry_their_options_where_Studio_reads_them()
    {
        var analyst = await factory.ClientAs("analyst");
        var all = (await (await analyst.GetAsync($"{Api}/descriptors/activities")).Body()).GetProperty("items").EnumerateArray().ToList();
        string[] Options(string type, string input)
        {
            var i = all.Single(d => d.GetProperty("typeName").GetString() == type).GetProperty("inputs").EnumerateArray().Single(x => x.GetProperty("name").GetString() == input);
            Assert.Equal("dropdown", i.GetProperty("uiHint").GetString());
            var items = i.GetProperty("uiSpecifications").GetProperty("dropdown").GetProperty("selectList").GetProperty("items").EnumerateArray().ToList();
            Assert.All(items, x => Assert.Equal(x.GetProperty("text").GetString(), x.GetProperty("value").GetString()));
            return items.Select(x => x.GetProperty("value").GetString()!).ToArray();
        }
        Assert.Equal(["Specialist", "CaseManager", "Member", "Admin"], Options("Workflows.HumanTask", "Role"));
        Assert.Equal(["OfficeDay", "HospitalDay", "Hotline"], Options("Health.ServiceTask", "Hours"));
    }

    [Fact]
    public async Task Publishing_refuses_what_would_fault_cases_naming_the_activity_and_input_and_stores_nothing()
    {
        var analyst = await factory.ClientAs("analyst");
        const string id = "designer-checks";
        (await Save(analyst, Model(id), publish: true)).EnsureSuccessStatusCode(); // v1, valid

        async Task<string> Refused(params (string, JsonObject)[] inputs) => await Refusal(await Save(analyst, Model(id, inputs), publish: true));

        // The known bad case: the bare name HospitalDay (a script) instead of the text.
        var bare = await Refused(("hours", Input("JavaScript", "HospitalDay")));
        Assert.Contains("Activity 'Call 致电' (call), input 'Hours': the script fails for every case: HospitalDay is not defined.", bare);
        Assert.Contains("write it as text in quotes ('HospitalDay')", bare);
        // A literal that is not one of the options.
        Assert.Contains("Activity 'Call 致电' (call), input 'Role': 'Supervisor' is not one of its options (Specialist, CaseManager, Member, Admin).",
            await Refused(("role", Input("Literal", "Supervisor"))));
        // A script whose value is not one of the options, or not of the input's type.
        Assert.Contains("input 'Hours': the script gives 'Weekend', which is not one of its options (OfficeDay, HospitalDay, Hotline).",
            await Refused(("hours", Input("JavaScript", "variables.memberName ? 'Hotline' : 'Weekend'"))));
        Assert.Contains("input 'Due Within Minutes': the script gives a text, but the input needs a whole number.",
            await Refused(("dueWithinMinutes", Input("JavaScript", "'two hours'"))));
        // A script that never ends, and one that does not parse.
        Assert.Contains("input 'Title': The script was stopped", await Refused(("title", Input("JavaScript", "while (true) {}"))));
        Assert.Contains("input 'Title': The script is not valid JavaScript", await Refused(("title", Input("JavaScript", "'a' +"))));

        var published = await (await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/{id}?versionOptions=Published")).Body();
        Assert.Equal(1, published.GetProperty("version").GetInt32());

        // What depends on the case's data is left to the case: a field of the start input the sample does not have.
        var good = await Save(analyst, Model(id,
            ("hours", Input("JavaScript", "input.urgent ? 'Hotline' : 'OfficeDay'")),
            ("title", Input("JavaScript", "'Call ' + input.applicant.name")),
            ("dueWithinMinutes", Input("JavaScript", "variables.memberName.length + 30"))), publish: true);
        Assert.True(good.IsSuccessStatusCode, await good.Content.ReadAsStringAsync());
        Assert.Equal(2, (await good.Body()).GetProperty("workflowDefinition").GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task The_script_editor_gets_type_definitions_of_the_workflows_variables_and_the_input()
    {
        var analyst = await factory.ClientAs("analyst");
        (await Save(analyst, Model("designer-types"), publish: false)).EnsureSuccessStatusCode();
        var r = await analyst.PostAsJsonAsync($"{Api}/scripting/javascript/type-definitions/designer-types",
            new { workflowDefinitionId = "designer-types", activityTypeName = "Health.ServiceTask", propertyName = "Hours" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("application/x-typescript", r.Content.Headers.ContentType?.MediaType);
        var ts = await r.Content.ReadAsStringAsync();
        Assert.Contains("memberName: string;", ts);
        Assert.Contains("declare const variables: WorkflowVariables;", ts);
        Assert.Contains("declare const input: { [name: string]: any };", ts);
        Assert.Contains("declare function getVariable(name: \"memberName\"): any;", ts);
        Assert.Contains("needs a text: one of 'OfficeDay', 'HospitalDay', 'Hotline'", ts);
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.PostAsJsonAsync($"{Api}/scripting/javascript/type-definitions/no-such", new { })).StatusCode);
        var member = await factory.ClientAs("member");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync($"{Api}/scripting/javascript/type-definitions/designer-types", new { })).StatusCode);
    }

    [Fact]
    public async Task A_refused_run_says_so_in_Elsas_header_with_the_reason_and_bulk_publish_reports_what_it_left_alone()
    {
        var analyst = await factory.ClientAs("analyst");
        (await Save(analyst, Model("designer-draft-only"), publish: false)).EnsureSuccessStatusCode();
        var caseManager = await factory.ClientAs("casemanager");
        var run = await caseManager.PostAsync($"{Api}/workflow-definitions/designer-draft-only/execute", null);
        Assert.Equal(HttpStatusCode.NotFound, run.StatusCode);
        Assert.Equal("true", run.Headers.GetValues("x-elsa-workflow-cannot-start").Single());
        Assert.Contains("has no published version", await run.Content.ReadAsStringAsync());

        // Bulk publish: a valid draft is published, a broken one left alone with its reason, an unknown one reported.
        (await Save(analyst, Model("designer-bulk-good"), publish: false)).EnsureSuccessStatusCode();
        (await Save(analyst, Model("designer-bulk-bad", ("hours", Input("JavaScript", "HospitalDay"))), publish: false)).EnsureSuccessStatusCode();
        var bulk = await (await analyst.PostAsJsonAsync($"{Api}/bulk-actions/publish/workflow-definitions/by-definition-ids",
            new { definitionIds = new[] { "designer-bulk-good", "designer-bulk-bad", "no-such" } })).Body();
        Assert.Equal(["designer-bulk-good"], bulk.GetProperty("published").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["no-such"], bulk.GetProperty("notFound").EnumerateArray().Select(x => x.GetString()));
        var refused = bulk.GetProperty("refused").EnumerateArray().Single();
        Assert.Equal("designer-bulk-bad", refused.GetProperty("definitionId").GetString());
        Assert.Contains("HospitalDay is not defined", refused.GetProperty("messages")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await analyst.GetAsync($"{Api}/workflow-definitions/by-definition-id/designer-bulk-bad?versionOptions=Published")).StatusCode);

        var retract = await (await analyst.PostAsJsonAsync($"{Api}/bulk-actions/retract/workflow-definitions/by-definition-ids",
            new { definitionIds = new[] { "designer-bulk-good", "designer-bulk-bad" } })).Body();
        Assert.Equal(["designer-bulk-good"], retract.GetProperty("retracted").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["designer-bulk-bad"], retract.GetProperty("alreadyRetracted").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync($"{Api}/bulk-actions/publish/workflow-definitions/by-definition-ids", new { definitionIds = Array.Empty<string>() })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await caseManager.PostAsJsonAsync($"{Api}/bulk-actions/publish/workflow-definitions/by-definition-ids", new { definitionIds = new[] { "x" } })).StatusCode);
    }

    [Fact]
    public async Task Studios_files_are_fingerprinted_cached_for_good_and_compressed()
    {
        var analyst = await factory.CookieClientAs("analyst");
        var page = await analyst.GetAsync("/studio/?view=editor&id=x");
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        var links = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\\?v=([0-9a-f]{16})\"").Select(m => (Path: m.Groups[1].Value, Hash: m.Groups[2].Value)).ToList();
        Assert.Contains(links, l => l.Path == "_framework/blazor.webassembly.js");
        Assert.Contains(links, l => l.Path == "studio-host.js");
        Assert.True(links.Count >= 10, html);

        async Task<HttpResponseMessage> Get(string url, string encoding = "br, gzip")
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", encoding);
            return await analyst.SendAsync(request);
        }
        foreach (var (path, hash) in links)
        {
            var r = await Get($"/studio/{path}?v={hash}");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", r.Headers.CacheControl?.ToString());
        }
        var hostJs = links.Single(l => l.Path == "studio-host.js");
        Assert.Equal("no-cache", (await Get("/studio/studio-host.js")).Headers.CacheControl?.ToString());
        Assert.Equal("no-cache", (await Get("/studio/studio-host.js?v=0000000000000000")).Headers.CacheControl?.ToString());
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await (await Get("/studio/studio-host.js", "identity")).Content.ReadAsByteArrayAsync()))[..16];
        Assert.Equal(expected, hostJs.Hash);

        // The package's fingerprinted files (Name.{hash}.wasm) are cached for good; entry points without a fingerprint are revalidated.
        var wasm = Path.GetFileName(Directory.EnumerateFiles(Path.Combine(BackOfficeProcess.RepositoryRoot, "src/Workflows.Web/StudioHost/node_modules/@elsa-workflows/elsa-studio-wasm/_framework"), "*.wasm").First());
        var brotli = await Get($"/studio/_framework/{wasm}");
        Assert.Equal(("br", "public, max-age=31536000, immutable"), (brotli.Content.Headers.ContentEncoding.Single(), brotli.Headers.CacheControl?.ToString()));
        var gzip = await Get($"/studio/_framework/{wasm}", "gzip");
        Assert.Equal(("gzip", "application/wasm"), (gzip.Content.Headers.ContentEncoding.Single(), gzip.Content.Headers.ContentType?.MediaType));
        Assert.Equal("no-cache", (await Get("/studio/_framework/dotnet.js")).Headers.CacheControl?.ToString());
        var etag = (await Get("/studio/_framework/dotnet.js")).Headers.ETag!;
        var again = new HttpRequestMessage(HttpMethod.Get, "/studio/_framework/dotnet.js");
        again.Headers.TryAddWithoutValidation("Accept-Encoding", "br, gzip");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await analyst.SendAsync(again)).StatusCode);
    }
}
