using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace Workflows.Web.Tests;

/// <summary>
/// Issue 13's three-node test: three real host processes, each with its own empty data folder, on one PostgreSQL
/// database. Member applications and staff task completions are spread over all three; one node is SIGKILLed in the
/// middle of the load and the clients carry on against the other two, retrying what the dead node did not answer with the
/// same Idempotency-Key. Afterwards nothing acknowledged is lost or doubled, every timer due in the run fired once, every
/// journal chain verifies, a bearer token from node 1 works on node 3, and 20 parallel applications over a quota of 4
/// spread across the three nodes take exactly 4.
/// </summary>
[Collection(nameof(MultiNode))]
public sealed class ThreeNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cases = 24;          // instances of node-steps: one task completion each, then a timer
    private const int LoadPolicies = 6;    // three outpatient green-channel applications on each (its quota is 3)
    private const string Outpatient = "cpic-outpatient-green-channel";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wf-3nodes-" + Guid.NewGuid().ToString("N")[..8]);
    private string Workflows => Path.Combine(_root, "workflows");
    private TestPostgres? _postgres;
    private readonly List<BackOfficeProcess> _nodes = [];

    public async Task InitializeAsync()
    {
        if (TestPostgres.AdminConnectionString is null) return;
        _postgres = await TestPostgres.CreateAsync();
        // The release's workflows plus a small one of this test: a specialist's task, then a 4-second timer, then a second task.
        Directory.CreateDirectory(Workflows);
        foreach (var f in Directory.GetFiles(Path.Combine(BackOfficeProcess.RepositoryRoot, "workflows"), "*.json"))
            File.Copy(f, Path.Combine(Workflows, Path.GetFileName(f)));
        await File.WriteAllTextAsync(Path.Combine(Workflows, "node-steps.json"), """
        {"definitionId":"node-steps","name":"Node steps",
         "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
           {"id":"first","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"第一步"}}},
           {"id":"wait","type":"Elsa.Delay","timeSpan":{"expression":{"type":"Literal","value":"PT4S"}}},
           {"id":"second","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"第二步"}}}],
          "connections":[{"source":{"activity":"first","port":"Done"},"target":{"activity":"wait"}},
                         {"source":{"activity":"wait","port":"Done"},"target":{"activity":"second"}}]}}
        """);
        ProvisionEvidenceKeys();
    }

    /// <summary>
    /// The evidence keys every node shares (docs/operations.md, "Each node needs"): provisioned as secrets before the first
    /// start, one copy per node outside its data folder, the way a secrets volume would be mounted on each machine.
    /// </summary>
    private void ProvisionEvidenceKeys() =>
        global::Workflows.Tests.NodeSecrets.ProvisionEvidenceKeys([KeyDirectory("node-1"), KeyDirectory("node-2"), KeyDirectory("node-3")]);

    private string KeyDirectory(string node) => Path.Combine(_root, "secrets", node);

    public async Task DisposeAsync()
    {
        foreach (var n in _nodes) n.Dispose();
        if (_postgres is not null) await _postgres.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Task<BackOfficeProcess> StartNode(string name) => BackOfficeProcess.StartAsync(Path.Combine(_root, "data", name), Workflows,
    [
        "--Database:Provider", "PostgreSql",
        "--Database:ConnectionString", _postgres!.ConnectionString,
        "--Scheduling:NodeName", name,
        "--Identity:HashKey", Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
        "--DataProtection:KeyRingKey", Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
        "--Evidence:KeyDirectory", KeyDirectory(name),
        // Shorter than in production so that the killed node's claims and jobs move within seconds (as in ClusteredSchedulingTests).
        "--Scheduling:ClaimLease", "00:00:10",
        "--Scheduling:ClusterCheckinInterval", "00:00:02",
        "--Scheduling:ClusterCheckinMisfireThreshold", "00:00:08",
        "--Scheduling:WorkInvisibilityTimeout", "00:00:10",
        "--Scheduling:StaleLockTimeout", "00:00:10",
        "--Scheduling:QueuePollInterval", "00:00:01",
    ]);

    private async Task<long> Count(string sql) => (await _postgres!.QueryAsync(Pg(sql), r => r.GetInt64(0))).Single();

    /// <summary>Raw SQL as the product writes it (PascalCase names unquoted), quoted for PostgreSQL by the product's dialect.</summary>
    private static string Pg(string sql) => global::Workflows.Persistence.PostgreSqlDialect.Instance.Sql(sql);

    private static HttpClient Client(BackOfficeProcess node, string token)
    {
        var c = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return c;
    }

    private static object CpicPolicy(string number) => new
    {
        policyNumber = number, product = "cpic-breast-cancer-recurrence", effectiveDate = "2026-01-01", endDate = "2026-12-31", specialtyDrugCover = true,
        insured = new { name = "测试被保人", idNumber = "110101198005010011", phone = "13900000001", birthDate = "1980-05-01", userName = "member" },
        diagnoses = new object[] { new { kind = "recurrence", diagnosedOn = "2026-03-05", detail = "乳腺癌复发" } },
    };

    private static string Tail(BackOfficeProcess node) => node.Output[Math.Max(0, node.Output.Length - 6000)..];

    /// <summary>One acknowledged command: which node answered, and what it answered.</summary>
    private sealed record Ack(string Key, int Node, HttpStatusCode Status, JsonElement Body);

    [PostgresFact]
    public async Task Three_nodes_lose_and_double_nothing_when_one_is_killed_mid_load()
    {
        var clock = Stopwatch.StartNew();
        Task<BackOfficeProcess>[] starting = [StartNode("node-1"), StartNode("node-2"), StartNode("node-3")];
        try { await Task.WhenAll(starting); }
        finally { _nodes.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result)); }
        var nodes = starting.Select(t => t.Result).ToArray();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: three nodes answer");

        // Every token comes from node 1 and is used on all three nodes.
        string admin, member, specialist, auditor;
        using (var one = new HttpClient { BaseAddress = nodes[0].BaseAddress })
        {
            admin = await BackOfficeFactory.TokenFor(one, "admin");
            member = await BackOfficeFactory.TokenFor(one, "member");
            specialist = await BackOfficeFactory.TokenFor(one, "specialist");
            auditor = await BackOfficeFactory.TokenFor(one, "auditor");
        }
        HttpClient[] Clients(string token) => nodes.Select(n => Client(n, token)).ToArray();
        var (members, specialists, auditors) = (Clients(member), Clients(specialist), Clients(auditor));

        // A bearer token from node 1 works on node 3.
        var me = await auditors[2].GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("auditor", (await me.Body()).GetProperty("userName").GetString());

        // Policies for the member, imported through node 1.
        var run = Guid.NewGuid().ToString("N")[..6];
        var quotaPolicy = $"Q-{run}";
        var loadPolicies = Enumerable.Range(1, LoadPolicies).Select(i => $"L{i}-{run}").ToArray();
        var import = await Client(nodes[0], admin).PostAsJsonAsync("/api/policies/import", new { policies = loadPolicies.Append(quotaPolicy).Select(CpicPolicy).ToArray() });
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync() + "\n" + Tail(nodes[0]));

        // 20 parallel applications over a quota of 4 (medical escort), spread across the three nodes: exactly 4 accepted.
        var race = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var r = await members[i % 3].SendAsync(Json.Post("/api/me/applications", new { serviceCode = "cpic-medical-escort", policyNumber = quotaPolicy, details = new { city = "上海" } }, $"race-{run}-{i}"));
            Assert.True(r.StatusCode == HttpStatusCode.Created, $"{r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
            return await r.Body();
        }));
        Assert.Equal(4, race.Count(a => a.GetProperty("status").GetString() == "Accepted"));
        Assert.Equal(16, race.Count(a => a.GetProperty("refusal").ValueKind != JsonValueKind.Null && a.GetProperty("refusal").GetProperty("code").GetString() == "QUOTA_EXHAUSTED"));
        Assert.Equal(4, await Count($"SELECT COALESCE(SUM(q.Used), 0)::bigint FROM QuotaCounters q JOIN Policies p ON p.Id = q.PolicyId WHERE p.PolicyNumber = '{quotaPolicy}'"));
        Assert.Equal(4, await Count($"SELECT COUNT(*) FROM QuotaUses u JOIN Policies p ON p.Id = u.PolicyId WHERE p.PolicyNumber = '{quotaPolicy}' AND u.State <> 'Released'"));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: quota race done (4 of 20)");

        // The cases whose tasks the load completes, started through the three nodes.
        var caseManagers = Clients(admin);
        var tasks = new List<(string Instance, string Task)>();
        for (var i = 0; i < Cases; i++)
        {
            var r = await caseManagers[i % 3].SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "node-steps" }, $"start-{run}-{i}"));
            Assert.True(r.StatusCode == HttpStatusCode.Created, $"{r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
            var body = await r.Body();
            tasks.Add((body.GetProperty("instanceId").GetString()!, body.GetProperty("bookmarks")[0].GetProperty("id").GetString()!));
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {Cases} cases wait at their first task");

        // The load: applications and completions interleaved, each sent first to node (i mod 3); node 2 (index 1) is
        // killed once a third of the commands are acknowledged. A command that gets no answer (connection refused or
        // reset, or a 5xx from a dying node) is retried on the next live node with the same Idempotency-Key.
        var work = new List<(string Key, Func<int, Task<HttpResponseMessage>> Send)>();
        for (var i = 0; i < Math.Max(Cases, LoadPolicies * 3); i++)
        {
            if (i < LoadPolicies * 3)
            {
                var (policy, key) = (loadPolicies[i % LoadPolicies], $"apply-{run}-{i}");
                work.Add((key, n => members[n].SendAsync(Json.Post("/api/me/applications",
                    new { serviceCode = Outpatient, policyNumber = policy, details = new { hospital = "复旦大学附属肿瘤医院" } }, key))));
            }
            if (i < Cases)
            {
                var (taskId, key) = (tasks[i].Task, $"complete-{run}-{i}");
                work.Add((key, n => specialists[n].SendAsync(Json.Post($"/api/tasks/{taskId}/complete", new { outcome = "Done" }, key))));
            }
        }
        var acks = new ConcurrentDictionary<string, Ack>();
        var dead = new bool[3];
        var retried = 0;
        var killAfter = work.Count / 3;
        var next = -1;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < work.Count)
            {
                var (key, send) = work[i];
                for (var attempt = 0; ; attempt++)
                {
                    var n = (i + attempt) % 3;
                    if (Volatile.Read(ref dead[n])) continue;
                    try
                    {
                        var r = await send(n);
                        if ((int)r.StatusCode >= 500 && Volatile.Read(ref dead[n])) { Interlocked.Increment(ref retried); continue; }
                        Assert.True(r.IsSuccessStatusCode, $"{key} on node {n + 1}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}\n{Tail(nodes[n])}");
                        acks[key] = new Ack(key, n, r.StatusCode, await r.Body());
                        break;
                    }
                    catch (HttpRequestException) when (Volatile.Read(ref dead[n])) { Interlocked.Increment(ref retried); }
                    catch (TaskCanceledException) when (Volatile.Read(ref dead[n])) { Interlocked.Increment(ref retried); }
                    Assert.True(attempt < 6, $"{key} found no live node");
                }
                if (acks.Count >= killAfter && !Volatile.Read(ref dead[1]))
                    lock (dead)
                        if (!dead[1])
                        {
                            dead[1] = true;
                            nodes[1].Kill();
                            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: node 2 killed after {acks.Count} of {work.Count} commands were acknowledged");
                        }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(Worker)));
        Assert.True(dead[1], "node 2 was never killed");
        Assert.Equal(work.Count, acks.Count);
        Assert.Contains(acks.Values, a => a.Node == 1); // node 2 did acknowledge some of the load before it died
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: load done: {acks.Count} acknowledged, {retried} retried on another node");

        // Retried with the same Idempotency-Key on another live node, each command gives the same answer and changes nothing.
        var live = new[] { 0, 2 };
        foreach (var (key, ack) in acks)
        {
            var n = live.First(x => x != ack.Node);
            var i = work.FindIndex(w => w.Key == key);
            var again = await work[i].Send(n);
            Assert.True(again.IsSuccessStatusCode, $"{key} again on node {n + 1}: {(int)again.StatusCode} {await again.Content.ReadAsStringAsync()}\n{Tail(nodes[n])}");
            var body = await again.Body();
            if (key.StartsWith("apply-"))
                Assert.Equal(ack.Body.GetProperty("id").GetString(), body.GetProperty("id").GetString());
            else
                Assert.Equal((ack.Body.GetProperty("instanceId").GetString(), ack.Body.GetProperty("status").GetRawText()),
                    (body.GetProperty("instanceId").GetString(), body.GetProperty("status").GetRawText()));
        }

        // Applications: each acknowledged one exists once; nothing unacknowledged was added (18 commands, 18 rows, all accepted: quota 3 per policy).
        var appIds = acks.Values.Where(a => a.Key.StartsWith("apply-")).Select(a => a.Body.GetProperty("id").GetString()!).ToList();
        Assert.Equal(LoadPolicies * 3, appIds.Distinct().Count());
        var numbers = string.Join(", ", loadPolicies.Select(p => $"'{p}'"));
        Assert.Equal(LoadPolicies * 3, await Count($"SELECT COUNT(*) FROM ServiceApplications WHERE PolicyNumber IN ({numbers})"));
        foreach (var id in appIds)
            Assert.Equal(1, await Count($"SELECT COUNT(*) FROM ServiceApplications WHERE Id = '{id}' AND Status = 'Accepted'"));
        Assert.Equal(LoadPolicies * 3, await Count($"SELECT COALESCE(SUM(q.Used), 0)::bigint FROM QuotaCounters q JOIN Policies p ON p.Id = q.PolicyId WHERE p.PolicyNumber IN ({numbers})"));

        // Completions moved each case once; then each case's timer fired once, on whichever node claimed it (node 2's
        // claims move after their lease), and every case waits at its second task.
        var ids = string.Join(", ", tasks.Select(t => $"'{t.Instance}'"));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Count($"SELECT COUNT(*) FROM Bookmarks b WHERE b.InstanceId IN ({ids}) AND b.ActivityId = 'second'") < Cases)
        {
            Assert.True(DateTime.UtcNow < deadline, "every case to reach its second task after its timer");
            await Task.Delay(500);
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: every timer fired");
        foreach (var (instance, task) in tasks)
        {
            Assert.Equal(1, await Count($"SELECT COUNT(*) FROM JournalEntries WHERE InstanceId = '{instance}' AND EventName = 'BookmarkResumed' AND BookmarkId = '{task}'"));
            Assert.Equal(2, await Count($"SELECT COUNT(*) FROM JournalEntries WHERE InstanceId = '{instance}' AND EventName = 'BookmarkResumed'"));
        }
        // No bookmark anywhere in the run (applications' own timers included) was resumed twice; every timer that fell due is done.
        Assert.Equal(0, await Count("SELECT COUNT(*) FROM (SELECT 1 FROM JournalEntries WHERE EventName = 'BookmarkResumed' GROUP BY InstanceId, BookmarkId HAVING COUNT(*) > 1) d"));
        Assert.Equal(0, await Count("SELECT COUNT(*) FROM ScheduledWork WHERE Kind = 'workflow.timer' AND State <> 'Done' AND Key IN " +
                                    $"(SELECT 'timer:' || BookmarkId FROM JournalEntries WHERE InstanceId IN ({ids}) AND EventName = 'BookmarkResumed')"));

        // Every journal chain in the database verifies, checked through node 3.
        var instances = await _postgres!.QueryAsync(Pg("SELECT Id FROM WorkflowInstances"), r => r.GetString(0));
        Assert.True(instances.Count >= Cases + LoadPolicies * 3 + 4);
        foreach (var id in instances)
        {
            var v = await auditors[2].GetAsync($"/api/workflow-instances/{id}/journal/verify");
            var body = await v.Body();
            Assert.True(v.IsSuccessStatusCode && body.GetProperty("isValid").GetBoolean(), $"{id}: {body}\n{Tail(nodes[2])}");
        }
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: {instances.Count} journal chains verify");
    }
}
