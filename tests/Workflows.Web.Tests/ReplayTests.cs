using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.Replay;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Xunit.Abstractions;

namespace Workflows.Web.Tests;

/// <summary>
/// Deterministic replay on the real host: every case the service scenarios produce replays identically (API, command),
/// and a case whose recorded decision no longer follows from its inputs is reported at that entry.
/// </summary>
public sealed class ReplayScenarioTests(ITestOutputHelper output)
{
    /// <summary>Runs every [Fact] and [InlineData] case of a scenario test class on <paramref name="factory"/>.</summary>
    private static async Task<int> RunScenariosAsync(Type testClass, ScenarioFactory factory)
    {
        var instance = Activator.CreateInstance(testClass, factory)!;
        var ran = 0;
        foreach (var m in testClass.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (m.GetCustomAttribute<FactAttribute>() is not { Skip: null }) continue;
            var rows = m.GetCustomAttribute<TheoryAttribute>() is null ? [Array.Empty<object?>()]
                : m.GetCustomAttributes<InlineDataAttribute>().Select(d => d.GetData(m).Single()).ToList();
            foreach (var args in rows)
            {
                await (Task)m.Invoke(instance, args)!;
                ran++;
            }
        }
        return ran;
    }

    [Fact]
    public async Task Every_instance_the_service_scenarios_produce_replays_identically()
    {
        var totals = new List<string>();
        var longest = 0;
        foreach (var scenarios in new[] { typeof(ServiceScenarioTests), typeof(EveryServiceTests), typeof(PolicyAmendmentTests) })
        {
            using var factory = new ScenarioFactory();
            var flows = await RunScenariosAsync(scenarios, factory);
            var replay = factory.Services.GetRequiredService<CaseReplay>();
            var ids = Ids(factory);
            Assert.NotEmpty(ids);
            var reports = new List<ReplayReport>();
            foreach (var id in ids) reports.Add((await replay.ReplayAsync(id))!);
            // Every one, with no "not replayable" tolerated: the journal keeps what replay needs (ticks unmasked, free text as
            // encrypted references), so a case that cannot be replayed is a regression.
            var notIdentical = reports.Where(r => r.Outcome != ReplayOutcomes.Identical).ToList();
            Assert.True(notIdentical.Count == 0, $"{scenarios.Name}: " + string.Join("\n", notIdentical.Select(r =>
                $"{r.InstanceId} {r.Outcome}: {r.SummaryZh} expected={r.Divergence?.ExpectedEntry} actual={r.Divergence?.ActualEntry}")));
            longest = Math.Max(longest, reports.Max(r => r.Steps));
            totals.Add($"{scenarios.Name}: {flows} flows, {reports.Count} instances, {reports.Sum(r => r.RecordedEntries)} entries identical");

            if (scenarios == typeof(ServiceScenarioTests))
            {
                // The API gives auditors the same verdict; an analyst may not replay cases.
                var auditor = await factory.ClientAs("Auditor");
                var body = await (await auditor.GetAsync($"/api/workflow-instances/{ids[0]}/replay")).Body();
                Assert.Equal("identical", body.GetProperty("outcome").GetString());
                Assert.StartsWith("重放一致", body.GetProperty("summaryZh").GetString());
                Assert.Equal(HttpStatusCode.NotFound, (await auditor.GetAsync("/api/workflow-instances/nope/replay")).StatusCode);
                Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.ClientAs("Analyst")).GetAsync($"/api/workflow-instances/{ids[0]}/replay")).StatusCode);

                // The command replays them all as well (a separate process on the same database; it writes nothing).
                var (exit, text) = await BackOfficeProcess.RunCommandAsync("replay", "--all", "--DataDirectory", factory.DataDirectory);
                Assert.True(exit is 0 or 2, text);
                Assert.Contains(", 0 diverged,", text);
            }
        }
        // The cases took every kind of step: refusals, accepted runs through several tasks (start + 3 completions), cancellations, events.
        Assert.True(longest >= 4, $"the longest case had {longest} steps");
        foreach (var t in totals) output.WriteLine(t);
    }

    private static List<string> Ids(BackOfficeFactory factory)
    {
        using var c = factory.Database.OpenSqlite();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT Id FROM WorkflowInstances ORDER BY CreatedAt, Id";
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    [Fact]
    public async Task A_decision_that_no_longer_follows_from_the_recorded_inputs_is_reported_at_its_entry()
    {
        using var factory = new ScenarioFactory();
        factory.Clock.SetUtcNow(DateTimeOffset.Parse("2026-06-10T02:00:00Z"));
        var admin = await factory.ClientAs("Admin");
        var policy = "R-" + Guid.NewGuid().ToString("N")[..8];
        var imported = await admin.PostAsJsonAsync("/api/policies/import", new
        {
            policies = new object[]
            {
                new { policyNumber = policy, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
                      insured = new { name = "重放", idNumber = "110101198005010033", userName = "replay-member" },
                      diagnoses = new[] { new { kind = "recurrence", diagnosedOn = "2026-04-01" } } },
            },
        });
        Assert.True(imported.IsSuccessStatusCode, await imported.Content.ReadAsStringAsync());
        var member = await factory.MemberAsync("replay-member");
        var app = await (await member.PostAsJsonAsync("/api/me/applications",
            new { serviceCode = "cpic-outpatient-green-channel", policyNumber = policy, details = new { hospital = "复旦大学附属肿瘤医院" } })).Body();
        Assert.Equal("Accepted", app.GetProperty("status").GetString());
        string instanceId;
        using (var scope = factory.Services.CreateScope())
            instanceId = scope.ServiceProvider.GetRequiredService<Workflows.Domain.DomainDbContext>().Applications.Single(a => a.Id == app.GetProperty("id").GetString()).InstanceId;

        var replay = factory.Services.GetRequiredService<CaseReplay>();
        Assert.Equal(ReplayOutcomes.Identical, (await replay.ReplayAsync(instanceId))!.Outcome);

        // The eligibility check now behaves differently for the same inputs: the policy's recurrence is gone (as if the
        // rule read other data). Replay must name the eligibility decision and show both sides.
        using (var c = factory.Database.OpenSqlite())
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "DELETE FROM DiagnosisEvents WHERE PolicyId = (SELECT Id FROM Policies WHERE PolicyNumber = @p)";
            cmd.Parameters.AddWithValue("@p", policy);
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        var report = (await replay.ReplayAsync(instanceId))!;
        var journal = await factory.Services.GetRequiredService<IWorkflowStore>().GetJournalAsync(instanceId);
        var decided = journal.Single(e => e.EventName == JournalEvents.ActivityCompleted && e.ActivityType == "Health.CheckEligibility");
        Assert.Equal(ReplayOutcomes.Diverged, report.Outcome);
        Assert.Equal(decided.Sequence, report.Divergence!.Sequence);
        Assert.Equal("eligibility", report.Divergence.ActivityId);
        Assert.Contains("Eligible", report.Divergence.Expected);
        Assert.Contains("NotEligible", report.Divergence.Actual);
        Assert.Contains($"第 {decided.Sequence} 条", report.SummaryZh);
        output.WriteLine(report.SummaryZh);
    }
}
