using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Workflows.Web.Tests;

/// <summary>
/// What-if before publishing, on the real host: 100 finished outpatient green-channel cases (quota 3 per policy period),
/// then a draft with the quota lowered to 2. Exactly the cases that used a policy's third use change; a fourth
/// application, refused before, stays refused for the same reason (the earlier cases' quota is judged as the draft would
/// have left it).
/// </summary>
public sealed class WhatIfTests(ScenarioFactory factory, ITestOutputHelper output) : IClassFixture<ScenarioFactory>
{
    private const string Service = "cpic-outpatient-green-channel";

    private static (string Outcome, object Data) Answer(string activityType) => activityType switch
    {
        "Health.SpecialistCall" => ("Reached", new { }),
        "Health.Booking" => ("Booked", new { appointmentAt = "2026-06-20T09:30:00+08:00" }),
        _ => ("Completed", new { }),
    };

    private (string Id, string Role, string Type)? OpenTask(string instanceId)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Id, CandidateRole, ActivityType FROM HumanTasks WHERE InstanceId = @i AND Status = 'Open'";
        cmd.Parameters.AddWithValue("@i", instanceId);
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetString(0), r.GetString(1), r.GetString(2)) : null;
    }

    private string InstanceOf(string applicationId)
    {
        using var scope = factory.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == applicationId).InstanceId;
    }

    [Fact]
    public async Task What_if_over_100_finished_cases_with_a_lowered_quota_reports_exactly_the_cases_that_change()
    {
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var admin = await factory.ClientAs("Admin");
        var analyst = await factory.ClientAs("Analyst");
        var staff = new Dictionary<string, HttpClient> { ["Specialist"] = await factory.ClientAs("Specialist"), ["CaseManager"] = await factory.ClientAs("CaseManager") };

        // 40 policies: ten with 4 applications, ten with 3, ten with 2, ten with 1 = 100 cases.
        var prefix = "W-" + Guid.NewGuid().ToString("N")[..6];
        var policies = Enumerable.Range(0, 40).Select(i => $"{prefix}-{i:00}").ToList();
        var imported = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = policies.Select(p => (object)new
            {
                policyNumber = p, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                insured = new { name = "模拟", idNumber = "110101198005010033", userName = "whatif-member" },
                diagnoses = new[] { new { kind = "recurrence", diagnosedOn = "2026-04-01" } },
            }).ToArray(),
        });
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var member = await factory.MemberAsync("whatif-member");

        var expectedChanged = new HashSet<string>();
        var refusedBefore = 0;
        for (var i = 0; i < 40; i++)
        {
            var count = 4 - i / 10;
            for (var n = 1; n <= count; n++)
            {
                factory.Clock.SetUtcNow(factory.Clock.GetUtcNow().AddMinutes(1));
                var apply = await member.PostAsJsonAsync("/api/me/applications", new { serviceCode = Service, policyNumber = policies[i], details = new { hospital = "复旦大学附属肿瘤医院" } });
                Assert.Equal(HttpStatusCode.Created, apply.StatusCode);
                var app = await apply.Body();
                var instanceId = InstanceOf(app.GetProperty("id").GetString()!);
                if (n == 4)
                {
                    Assert.Equal("QUOTA_EXHAUSTED", app.GetProperty("refusal").GetProperty("code").GetString());
                    refusedBefore++;
                    continue;
                }
                Assert.Equal("Accepted", app.GetProperty("status").GetString());
                if (n == 3) expectedChanged.Add(instanceId);
                while (OpenTask(instanceId) is { } task)
                {
                    var (outcome, data) = Answer(task.Type);
                    var done = await staff[task.Role].SendAsync(Json.Post($"/api/tasks/{task.Id}/complete", new { outcome, data }, Guid.NewGuid().ToString()));
                    Assert.True(done.StatusCode == HttpStatusCode.OK, await done.Content.ReadAsStringAsync());
                }
            }
        }
        Assert.Equal(100L, factory.Count($"WorkflowInstances WHERE DefinitionId = '{Service}' AND Status = 'Finished'"));
        Assert.Equal(10, refusedBefore);
        Assert.Equal(20, expectedChanged.Count);

        // The analyst's draft: the same workflow with the eligibility check's quota lowered to 2.
        var definition = JsonNode.Parse((await (await analyst.GetAsync($"/api/workflow-definitions/{Service}")).Body()).GetRawText())!.AsObject();
        var publishedVersion = definition["version"]!.GetValue<int>();
        var eligibility = definition["root"]!["activities"]!.AsArray().Single(a => (string?)a!["id"] == "eligibility")!.AsObject();
        eligibility["quota"] = new JsonObject { ["typeName"] = "Int32", ["expression"] = new JsonObject { ["type"] = "Literal", ["value"] = "2" } };
        var saved = await analyst.PostAsync("/api/workflow-definitions", new StringContent(definition.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());
        var draftVersion = (await saved.Body()).GetProperty("version").GetInt32();
        Assert.Equal(publishedVersion + 1, draftVersion);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await analyst.PostAsJsonAsync($"/api/workflow-definitions/{Service}/what-if", new { version = draftVersion, cases = 100 });
        output.WriteLine($"what-if over 100 cases: {started.ElapsedMilliseconds} ms");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var report = await response.Body();
        output.WriteLine(report.GetProperty("summaryZh").GetString());

        Assert.Equal(100, report.GetProperty("casesAnalysed").GetInt32());
        Assert.False(report.GetProperty("draftIsPublished").GetBoolean());
        var changed = report.GetProperty("cases").EnumerateArray().Where(c => c.GetProperty("changed").GetBoolean()).Select(c => c.GetProperty("instanceId").GetString()!).ToHashSet();
        Assert.Equal(expectedChanged.Order(), changed.Order());
        var group = Assert.Single(report.GetProperty("groups").EnumerateArray());
        Assert.Equal(20, group.GetProperty("count").GetInt32());
        Assert.Equal("20 份原已受理的申请将被拒绝：QUOTA_EXHAUSTED", group.GetProperty("textZh").GetString());
        Assert.Contains("20 份原已受理的申请将被拒绝：QUOTA_EXHAUSTED", report.GetProperty("summaryZh").GetString());

        // The published version over the same cases changes nothing (every decision follows from its recorded inputs).
        var same = await (await analyst.PostAsJsonAsync($"/api/workflow-definitions/{Service}/what-if", new { version = publishedVersion, cases = 100 })).Body();
        Assert.Equal(0, same.GetProperty("changed").GetInt32());

        // Nothing was written: still 100 finished instances, no new quota uses.
        Assert.Equal(100L, factory.Count($"WorkflowInstances WHERE DefinitionId = '{Service}'"));
        Assert.Equal(90L, factory.Count("QuotaUses"));

        // Bad requests are refused naming the field; other roles may not run what-ifs.
        var bad = await analyst.PostAsJsonAsync($"/api/workflow-definitions/{Service}/what-if", new { cases = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Body()).GetProperty("errors").TryGetProperty("cases", out _));
        var noVersion = await analyst.PostAsJsonAsync($"/api/workflow-definitions/{Service}/what-if", new { version = 99 });
        Assert.Equal(HttpStatusCode.BadRequest, noVersion.StatusCode);
        Assert.Contains("has no version 99", await noVersion.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await analyst.PostAsJsonAsync("/api/workflow-definitions/nope/what-if", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.ClientAs("Auditor")).PostAsJsonAsync($"/api/workflow-definitions/{Service}/what-if", new { })).StatusCode);
    }
}
