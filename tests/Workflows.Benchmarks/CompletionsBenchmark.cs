using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

/// <summary>
/// Mode "completions": task completions per second on PostgreSQL through HTTP with 1 and 3 back-office nodes, next to the
/// raw PostgreSQL rate of the same transaction shape, in the same run (issue 13).
///
/// A fresh database and N real host processes (<see cref="Cluster"/>: own empty data folders, Database:Provider=PostgreSql,
/// shared evidence keys). Through HTTP, --instances cases of a loop workflow ("bench-loop": a specialist's task whose
/// outcome "Reached" opens the same task again) are started, spread over the nodes. Each round then measures, per node count
/// n in --nodes:
///   (e) engine through HTTP: n × --connections-per-node clients in a closed loop, client j sending to node (j mod n), each
///       completing the open task of its own cases in turn (POST /api/tasks/{id}/complete, a new Idempotency-Key each);
///       the answer names the next task. Rate, latency p50/p99, the CPU of the nodes that served them per completion.
///   (r) raw PostgreSQL, the same transaction shape at the same concurrency: what the store's completion commit sends,
///       statement for statement (read from the server's log with log_statement=all, docs/operations.md): BEGIN (read
///       committed); INSERT CommandKeys; the guarded UPDATE WorkflowInstances (revision check); DELETE Bookmarks; INSERT
///       Bookmarks; 4 × INSERT JournalEntries; INSERT HumanTasks; UPDATE HumanTasks (close, Status = 'Open' guard); INSERT
///       StateSnapshots; COMMIT — the same SQL text, parameter values of the same sizes, one transaction per completion,
///       through plain Npgsql (Max Auto Prepare 64, as the store's data source) on copies of those six tables (schema
///       "raw", LIKE … INCLUDING ALL: the same indexes) holding copies of the benchmark's rows. Every statement must
///       touch one row, as in the store.
///   The host's reads before the commit (the task's bookmark → instance, its bookmarks; the caller's security stamp and
///   delegations) and the access-trail row after it are the engine's cost beyond the commit, and are not replayed.
/// Ratios: (e)/(r) per node count, and (e) with the most nodes ÷ (e) with one. All nodes run during every measurement (so
/// rounds can interleave 1 and 3 on the same database); in a 1-node measurement the others only poll their schedulers.
/// After the rounds every completion is checked: each acknowledged one is exactly one BookmarkResumed journal row, one
/// Completed task, one command key; no bookmark resumed twice; every case has exactly the open task its client last got;
/// a sample of completions sent again (same key, another node) is answered from the first result and changes nothing;
/// a sample of journals verifies through the API; after a graceful stop the access trail holds one row per request.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- completions --provider PostgreSql
///        --connection "Host=…;Username=…;Password=…;Database=postgres" [--nodes 1,3] [--seconds 5] [--rounds 3]
///        [--connections-per-node 4] [--instances 240] [--warm-up 20] [--warm-up-count 1500] [--keep] [--out file.json]
///        (the warm-up runs at least that long and that many completions, at most 5 minutes, so every node's JIT has tiered up)
/// </summary>
static class CompletionsBenchmark
{
    private const string Workflow = """
    {"definitionId":"bench-loop","name":"Benchmark: a specialist's call, again and again",
     "variables":[{"id":"v1","name":"member","typeName":"Object","value":{"policy":"P-000123","city":"上海"}}],
     "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
       {"id":"call","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"Call the member within 1 working day"}},
        "role":{"expression":{"type":"Literal","value":"Specialist"}},"outcomes":{"expression":{"type":"Literal","value":"[\"Reached\",\"Stop\"]"}}}],
      "connections":[{"source":{"activity":"call","port":"Reached"},"target":{"activity":"call","port":"In"}}]}}
    """;

    /// <summary>One acknowledged completion: which case, the task completed, the key, the node, the next task.</summary>
    private sealed record Done(int Case, string Task, string Key, int Node, string Next);

    public static async Task<int> RunAsync(string[] args)
    {
        if (!Bench.ArgS(args, "--provider", "").Equals("PostgreSql", StringComparison.OrdinalIgnoreCase) || Bench.ArgS(args, "--connection", "") is not { Length: > 0 } server)
        {
            Console.Error.WriteLine("completions needs --provider PostgreSql --connection \"Host=...;Username=...;Password=...;Database=postgres\" (an account that may create databases)");
            return 2;
        }
        var nodeCounts = Bench.ArgS(args, "--nodes", "1,3").Split(',').Select(int.Parse).ToArray();
        var seconds = Bench.Arg(args, "--seconds", 5);
        var rounds = (int)Bench.Arg(args, "--rounds", 3);
        var perNode = (int)Bench.Arg(args, "--connections-per-node", 4);
        var instances = (int)Bench.Arg(args, "--instances", 240);
        var warmUp = Bench.Arg(args, "--warm-up", 20);
        var warmUpCount = Bench.Arg(args, "--warm-up-count", 1500);
        var outFile = Bench.ArgS(args, "--out", "");
        var maxNodes = nodeCounts.Max();
        var settings = await Cluster.ServerSettingsAsync(server);
        Console.WriteLine($"{settings}; {Environment.ProcessorCount} cores; load average {Cluster.LoadAverage()}");
        Console.WriteLine($"starting {maxNodes} nodes on a fresh database…");
        var clock = Stopwatch.StartNew();
        await using var cluster = await Cluster.StartAsync(server, maxNodes, "wf_completions", new Dictionary<string, string> { ["bench-loop.json"] = Workflow },
            args.Contains("--keep"), []);
        Console.WriteLine($"{maxNodes} nodes answer after {clock.Elapsed.TotalSeconds:F0} s (database {cluster.Database}); {rounds} rounds of {seconds:0.#} s per measurement, {perNode} clients per node");
        var maxClients = maxNodes * perNode;
        var admins = await cluster.ClientsAsync("admin", maxClients);
        var specialists = await cluster.ClientsAsync("specialist", maxClients);
        var auditors = await cluster.ClientsAsync("auditor", 2);
        var run = Guid.CreateVersion7().ToString("N")[^6..];

        // The cases, started through HTTP spread over the nodes.
        var caseIds = new string[instances];
        var open = new string[instances];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < instances)
            {
                using var r = await admins[i % maxNodes].SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/workflow-instances")
                    { Content = JsonContent.Create(new { definitionId = "bench-loop" }), Headers = { { "Idempotency-Key", $"start-{run}-{i}" } } });
                var body = await r.Content.ReadAsStringAsync();
                if ((int)r.StatusCode != 201) throw new InvalidOperationException($"start {i}: {(int)r.StatusCode} {body}");
                using var json = JsonDocument.Parse(body);
                caseIds[i] = json.RootElement.GetProperty("instanceId").GetString()!;
                open[i] = json.RootElement.GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
            }
        }));
        Console.WriteLine($"{instances} cases wait at their task ({clock.Elapsed.TotalSeconds:F0} s)");
        const string Ours = "InstanceId IN (SELECT Id FROM WorkflowInstances WHERE DefinitionId = 'bench-loop')";
        var startRows = await cluster.CountAsync($"SELECT COUNT(*) FROM JournalEntries WHERE {Ours}");

        var done = new ConcurrentQueue<Done>();
        var sentByStatus = new ConcurrentDictionary<int, long>();
        var keyCounter = 0L;

        async Task<Cluster.Run> Completions(int nodes, int clients, double duration)
        {
            var latencies = new ConcurrentBag<double>();
            var errors = 0;
            var cpu = cluster.CpuOf(nodes);
            var stop = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async j =>
            {
                var mine = Enumerable.Range(0, instances).Where(i => i % clients == j).ToArray();
                var node = j % nodes;
                for (var k = 0; stop.Elapsed.TotalSeconds < duration; k++)
                {
                    var i = mine[k % mine.Length];
                    var key = $"cmp-{run}-{Interlocked.Increment(ref keyCounter)}";
                    var t = Stopwatch.GetTimestamp();
                    using var r = await specialists[node].SendAsync(Complete(open[i], key));
                    var body = await r.Content.ReadAsStringAsync();
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    sentByStatus.AddOrUpdate((int)r.StatusCode, 1, (_, v) => v + 1);
                    if ((int)r.StatusCode != 200)
                    {
                        if (Interlocked.Increment(ref errors) <= 3) Console.WriteLine($"  completion on node {node + 1}: {(int)r.StatusCode} {body}");
                        continue;
                    }
                    using var json = JsonDocument.Parse(body);
                    var nextTask = json.RootElement.GetProperty("bookmarks")[0].GetProperty("id").GetString()!;
                    done.Enqueue(new Done(i, open[i], key, node, nextTask));
                    open[i] = nextTask;
                }
            }));
            var elapsed = stop.Elapsed.TotalSeconds;
            return Cluster.Run.Of(latencies, elapsed, errors, (cluster.CpuOf(nodes) - cpu).TotalMilliseconds);
        }

        // Warm-up (JIT tiering on every node, caches), then the raw copy of the benchmark's rows.
        Console.WriteLine($"warm-up ≥ {warmUp:0.#} s and ≥ {warmUpCount:0} completions on {maxNodes} nodes…");
        await Cluster.WarmUpAsync(warmUp, warmUpCount, d => Completions(maxNodes, maxClients, d), "completions");
        await using var raw = await RawCommitShape.PrepareAsync(cluster, "bench-loop");
        await raw.RunAsync(maxClients, Math.Min(3, warmUp));

        var engineRuns = new List<(int Round, int Nodes, Cluster.Run Run)>();
        var rawRuns = new List<(int Round, int Nodes, Cluster.Run Run)>();
        var loads = new List<string>();
        for (var round = 1; round <= rounds; round++)
        {
            var load = Cluster.LoadAverage();
            loads.Add(load);
            Console.WriteLine($"round {round} (load average {load})");
            foreach (var n in nodeCounts)
            {
                var e = await Completions(n, n * perNode, seconds);
                var r = await raw.RunAsync(n * perNode, seconds);
                engineRuns.Add((round, n, e));
                rawRuns.Add((round, n, r));
                Console.WriteLine($"  {n} node(s), {n * perNode,2} clients: HTTP {e.Rate,6:F0} completions/s p50 {e.P50,6:F1} ms p99 {e.P99,6:F1} ms errors {e.Errors}, nodes' CPU {e.CpuMs,5:F2} ms/completion" +
                                  $" | raw {r.Rate,6:F0} txns/s p50 {r.P50,5:F1} ms p99 {r.P99,6:F1} ms | HTTP/raw {e.Rate / r.Rate,6:P1}");
            }
        }

        // What the nodes hold open on the server after the load (pools keep idle connections): for sizing max_connections.
        var held = await cluster.CountAsync($"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '{cluster.Database}' AND application_name <> 'raw-replay'") - 1;
        Console.WriteLine($"connections the {maxNodes} nodes hold on the server after the load: {held} ({held / (double)maxNodes:F0} per node; the raw replay's not counted)");

        Console.WriteLine();
        Console.WriteLine($"medians over {rounds} rounds (load average at the rounds' starts: {string.Join("; ", loads)}); {settings}:");
        var summary = nodeCounts.Select(n =>
        {
            var e = engineRuns.Where(x => x.Nodes == n).ToList();
            var r = rawRuns.Where(x => x.Nodes == n).ToList();
            return new
            {
                nodes = n, clients = n * perNode,
                completionsPerSecond = Bench.Median(e.Select(x => x.Run.Rate)), p50Ms = Bench.Median(e.Select(x => x.Run.P50)), p99Ms = Bench.Median(e.Select(x => x.Run.P99)),
                hostCpuMsPerCompletion = Bench.Median(e.Select(x => x.Run.CpuMs)), errors = e.Sum(x => x.Run.Errors),
                rawPerSecond = Bench.Median(r.Select(x => x.Run.Rate)), rawP50Ms = Bench.Median(r.Select(x => x.Run.P50)), rawP99Ms = Bench.Median(r.Select(x => x.Run.P99)),
                httpOverRaw = Bench.Median(e.Zip(r, (a, b) => a.Run.Rate / b.Run.Rate)),
            };
        }).ToList();
        foreach (var s in summary)
            Console.WriteLine($"  {s.nodes} node(s), {s.clients,2} clients: HTTP {s.completionsPerSecond,6:F0} completions/s  p50 {s.p50Ms,6:F1} ms  p99 {s.p99Ms,6:F1} ms  nodes' CPU {s.hostCpuMsPerCompletion:F2} ms/completion" +
                              $"  | raw same shape {s.rawPerSecond,6:F0} txns/s (p50 {s.rawP50Ms:F1} ms)  | HTTP/raw {s.httpOverRaw:P1}");
        double? scale = null;
        if (nodeCounts.Length > 1)
        {
            var (lo, hi) = (nodeCounts.Min(), nodeCounts.Max());
            scale = Bench.Median(Enumerable.Range(1, rounds).Select(rd =>
                engineRuns.Single(x => x.Round == rd && x.Nodes == hi).Run.Rate / engineRuns.Single(x => x.Round == rd && x.Nodes == lo).Run.Rate));
            var rawScale = Bench.Median(Enumerable.Range(1, rounds).Select(rd =>
                rawRuns.Single(x => x.Round == rd && x.Nodes == hi).Run.Rate / rawRuns.Single(x => x.Round == rd && x.Nodes == lo).Run.Rate));
            Console.WriteLine($"  {hi} nodes ÷ {lo} node: {scale:F2}× (median of per-round ratios); raw at {hi * perNode} ÷ {lo * perNode} connections: {rawScale:F2}×");
        }

        // ---------------------------------------------------------------- correctness
        var failures = new List<string>();
        void Check(bool ok, string what) { Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}"); if (!ok) failures.Add(what); }
        Console.WriteLine("checks:");
        var acked = done.Count;
        var errorsTotal = sentByStatus.Where(kv => kv.Key != 200).Sum(kv => kv.Value);
        Check(errorsTotal == 0, $"every completion answered 200 ({acked} acknowledged, {errorsTotal} not)");
        Check(done.Select(d => d.Task).Distinct().Count() == acked, "no task acknowledged as completed twice");
        var resumed = await cluster.CountAsync($"SELECT COUNT(*) FROM JournalEntries WHERE EventName = 'BookmarkResumed' AND {Ours}");
        Check(resumed == acked, $"one BookmarkResumed journal row per acknowledged completion ({resumed} for {acked})");
        var twice = await cluster.CountAsync("SELECT COUNT(*) FROM (SELECT 1 FROM JournalEntries WHERE EventName = 'BookmarkResumed' GROUP BY InstanceId, BookmarkId HAVING COUNT(*) > 1) d");
        Check(twice == 0, $"no bookmark resumed twice ({twice})");
        var journal = await cluster.CountAsync($"SELECT COUNT(*) FROM JournalEntries WHERE {Ours}");
        Check(journal == startRows + 4L * acked, $"the starts' journal rows and 4 more per acknowledged completion ({journal} for {startRows} + 4 × {acked})");
        var completed = await cluster.CountAsync("SELECT COUNT(*) FROM HumanTasks WHERE DefinitionId = 'bench-loop' AND Status = 'Completed'");
        Check(completed == acked, $"one Completed task per acknowledged completion ({completed})");
        var keys = await cluster.CountAsync($"SELECT COUNT(*) FROM CommandKeys WHERE Key LIKE '%cmp-{run}-%'");
        Check(keys == acked, $"one command key per acknowledged completion ({keys})");
        var openInDb = (await cluster.StringsAsync("SELECT Id FROM HumanTasks WHERE DefinitionId = 'bench-loop' AND Status = 'Open'")).ToHashSet();
        var openBookmarks = (await cluster.StringsAsync($"SELECT Id FROM Bookmarks WHERE {Ours}")).ToHashSet();
        Check(openInDb.SetEquals(open) && openBookmarks.SetEquals(open), $"every case has exactly the open task its client last got ({openInDb.Count} open tasks, {openBookmarks.Count} bookmarks, {instances} cases)");

        // A sample sent again with the same key on another node: the first answer, nothing changed.
        var sample = done.TakeLast(Math.Min(30, acked)).ToList();
        var replayedOk = 0;
        foreach (var d in sample)
        {
            var node = (d.Node + 1) % maxNodes;
            using var r = await specialists[node].SendAsync(Complete(d.Task, d.Key));
            var body = await r.Content.ReadAsStringAsync();
            sentByStatus.AddOrUpdate((int)r.StatusCode, 1, (_, v) => v + 1);
            if ((int)r.StatusCode == 200)
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.GetProperty("bookmarks")[0].GetProperty("id").GetString() == d.Next && json.RootElement.GetProperty("replayed").GetBoolean()) replayedOk++;
            }
        }
        Check(replayedOk == sample.Count, $"{sample.Count} completions sent again on another node with the same key: answered from the first result ({replayedOk})");
        Check(await cluster.CountAsync($"SELECT COUNT(*) FROM JournalEntries WHERE EventName = 'BookmarkResumed' AND {Ours}") == acked
              && await cluster.CountAsync("SELECT COUNT(*) FROM HumanTasks WHERE DefinitionId = 'bench-loop' AND Status = 'Completed'") == acked,
            "…and changed nothing");
        var verified = 0;
        foreach (var id in caseIds.Take(10))
        {
            using var v = await auditors[^1].GetAsync($"/api/workflow-instances/{id}/journal/verify");
            if (v.IsSuccessStatusCode && (await v.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("isValid").GetBoolean()) verified++;
        }
        Check(verified == 10, $"10 cases' journal chains verify through node {maxNodes} ({verified})");
        Check(raw.Failures == 0, $"raw: every replayed statement touched one row ({raw.Transactions} transactions, {raw.Failures} failures)");

        cluster.StopGracefully();
        var trail = await cluster.CountAsync("SELECT COUNT(*) FROM AccessLog WHERE Method = 'POST' AND Path LIKE '/api/tasks/%/complete'");
        var sent = sentByStatus.Values.Sum();
        Check(trail == sent, $"after a graceful stop the access trail holds one row per completion request ({trail} for {sent})");

        if (outFile.Length > 0)
            await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new
            {
                measuredAt = DateTimeOffset.UtcNow, server = settings, cores = Environment.ProcessorCount, seconds, rounds, perNode, instances, loadAverages = loads,
                summary, nodesRatio = scale, connectionsHeld = held,
                rounds_ = engineRuns.Zip(rawRuns, (e, r) => new { e.Round, e.Nodes, http = e.Run, raw = r.Run }), failures,
            }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(failures.Count == 0 ? "all checks passed" : $"{failures.Count} checks FAILED");
        return failures.Count == 0 ? 0 : 1;
    }

    private static HttpRequestMessage Complete(string task, string key) =>
        new(HttpMethod.Post, $"/api/tasks/{task}/complete") { Content = JsonContent.Create(new { outcome = "Reached" }), Headers = { { "Idempotency-Key", key } } };
}

/// <summary>
/// The store's completion commit replayed with plain Npgsql: the same statements (text, parameters, sizes, order), one
/// transaction per completion, on copies of the six tables it writes (schema "raw", same indexes) seeded with copies of
/// the benchmark's rows, so the working set and index sizes match the engine's.
/// </summary>
sealed class RawCommitShape : IAsyncDisposable
{
    private static readonly string[] Tables = ["WorkflowInstances", "Bookmarks", "HumanTasks", "JournalEntries", "StateSnapshots", "CommandKeys"];

    private sealed class Case
    {
        public required string Id;
        public required long Revision;
        public required long Sequence;
        public required string Hash;
        public required string Bookmark;
        public required string State;
        public required string Definition;
        public required string Version;
    }

    private readonly NpgsqlDataSource _source;
    private readonly List<Case> _cases;
    private long _transactions, _failures, _keys;
    public long Transactions => Interlocked.Read(ref _transactions);
    public long Failures => Interlocked.Read(ref _failures);

    private RawCommitShape(NpgsqlDataSource source, List<Case> cases) => (_source, _cases) = (source, cases);

    public static async Task<RawCommitShape> PrepareAsync(Cluster cluster, string definitionId)
    {
        await using (var c = await cluster.OpenAsync())
        {
            async Task Exec(string sql)
            {
                await using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 600 };
                await cmd.ExecuteNonQueryAsync();
            }
            await Exec("DROP SCHEMA IF EXISTS raw CASCADE; CREATE SCHEMA raw");
            foreach (var t in Tables)
            {
                await Exec($"CREATE TABLE raw.\"{t}\" (LIKE public.\"{t}\" INCLUDING ALL)");
                // Identity columns (JournalEntries.Id, StateSnapshots.Id) are left to the copy's own sequence.
                var columns = new List<string>();
                await using (var cmd = new NpgsqlCommand("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @t AND is_identity = 'NO' ORDER BY ordinal_position", c))
                {
                    cmd.Parameters.AddWithValue("t", t);
                    await using var r = await cmd.ExecuteReaderAsync();
                    while (await r.ReadAsync()) columns.Add($"\"{r.GetString(0)}\"");
                }
                var list = string.Join(", ", columns);
                var filter = t == "WorkflowInstances"
                    ? $"\"DefinitionId\" = '{definitionId}'"
                    : $"\"InstanceId\" IN (SELECT \"Id\" FROM public.\"WorkflowInstances\" WHERE \"DefinitionId\" = '{definitionId}')";
                await Exec($"INSERT INTO raw.\"{t}\" ({list}) SELECT {list} FROM public.\"{t}\" WHERE {filter}");
            }
            await Exec("ANALYZE raw.\"WorkflowInstances\", raw.\"Bookmarks\", raw.\"HumanTasks\", raw.\"JournalEntries\", raw.\"StateSnapshots\", raw.\"CommandKeys\"");
        }
        var b = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { SearchPath = "raw", MaxAutoPrepare = 64, ApplicationName = "raw-replay" };
        var source = NpgsqlDataSource.Create(b.ConnectionString);
        var cases = new List<Case>();
        await using (var c = await source.OpenConnectionAsync())
        await using (var cmd = new NpgsqlCommand("""
            SELECT i."Id", i."Revision", i."JournalSequence", i."LastJournalHash", b."Id", i."StateJson", i."DefinitionVersionId", i."Version"
            FROM "WorkflowInstances" i JOIN "Bookmarks" b ON b."InstanceId" = i."Id" ORDER BY i."Id"
            """, c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                cases.Add(new Case
                {
                    Id = r.GetString(0), Revision = r.GetInt64(1), Sequence = r.GetInt64(2), Hash = r.GetString(3), Bookmark = r.GetString(4),
                    State = r.GetString(5), Definition = r.GetString(6), Version = r.GetValue(7).ToString()!,
                });
        return new RawCommitShape(source, cases);
    }

    /// <summary>Closed loop: <paramref name="connections"/> workers, each on its own connection and its own cases.</summary>
    public async Task<Cluster.Run> RunAsync(int connections, double seconds)
    {
        var latencies = new ConcurrentBag<double>();
        var stop = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async j =>
        {
            var mine = _cases.Where((_, i) => i % connections == j).ToArray();
            await using var c = await _source.OpenConnectionAsync();
            for (var k = 0; stop.Elapsed.TotalSeconds < seconds; k++)
            {
                var t = Stopwatch.GetTimestamp();
                await CommitAsync(c, mine[k % mine.Length]);
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }));
        return Cluster.Run.Of(latencies, stop.Elapsed.TotalSeconds, 0, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
    }

    private static string Hash(string previous, long sequence) =>
        "h1:k1:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(previous + sequence.ToString(CultureInfo.InvariantCulture))));

    private const string TaskPayload = """{"title":"Call the member within 1 working day","role":"Specialist","outcomes":["Reached","Stop"],"instructions":null}""";

    /// <summary>One completion's commit, statement for statement as the store sends it (docs/operations.md lists them).</summary>
    private async Task CommitAsync(NpgsqlConnection c, Case x)
    {
        var now = DateTime.UtcNow.Ticks;
        var next = Guid.CreateVersion7().ToString("N");
        var resumedActivity = Guid.CreateVersion7().ToString("N");
        var startedActivity = Guid.CreateVersion7().ToString("N");
        var key = $"specialistcmp-raw-{Interlocked.Increment(ref _keys)}"; // the size of the host's keys (caller + client key)
        var result = $$$"""{"instanceId":"{{{x.Id}}}","definitionId":"bench-loop","version":1,"status":"Running","subStatus":"Suspended","bookmarks":[{"id":"{{{next}}}","kind":"HumanTask","name":"Call the member within 1 working day","activityId":"call","resumeAt":null}],"incident":null,"replayed":false}""";
        await using var tx = await c.BeginTransactionAsync(IsolationLevel.ReadCommitted);
        var ok = true;
        async Task Exec(string sql, params (string Name, object? Value)[] ps)
        {
            await using var cmd = new NpgsqlCommand(Workflows.Persistence.PostgreSqlDialect.Instance.Sql(sql), c, tx);
            foreach (var (n, v) in ps) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
            if (await cmd.ExecuteNonQueryAsync() != 1) ok = false;
        }
        await Exec("INSERT INTO CommandKeys (Key, Fingerprint, InstanceId, ResultJson, CreatedAt) VALUES (@k, @f, @i, @r, @t)",
            ("@k", key), ("@f", $"resume:{x.Bookmark}:{Guid.NewGuid():N}"), ("@i", x.Id), ("@r", result), ("@t", now));
        var seq = x.Sequence;
        var hashes = new string[5];
        hashes[0] = x.Hash;
        for (var e = 1; e <= 4; e++) hashes[e] = Hash(hashes[e - 1], seq + e);
        await Exec("""
            UPDATE WorkflowInstances SET Status = @st, SubStatus = @sub, StateJson = @state, IncidentJson = @inc, Revision = @rev,
                JournalSequence = @seq, LastJournalHash = @hash, UpdatedAt = @updated, FinishedAt = @finished,
                DefinitionVersionId = @ver, Version = @v
            WHERE Id = @id AND Revision = @expected
            """, ("@id", x.Id), ("@ver", x.Definition), ("@v", int.Parse(x.Version, CultureInfo.InvariantCulture)), ("@st", "Running"), ("@sub", "Suspended"), ("@state", x.State),
            ("@inc", null), ("@rev", x.Revision + 1), ("@seq", seq + 4), ("@hash", hashes[4]), ("@updated", now), ("@finished", null), ("@expected", x.Revision));
        await Exec("DELETE FROM Bookmarks WHERE Id = @id", ("@id", x.Bookmark));
        await Exec("""
            INSERT INTO Bookmarks (Id, InstanceId, ActivityId, ActivityNodeId, ActivityType, ActivityInstanceId, Kind, Name, CorrelationKey, ResumeAt, PayloadJson, CreatedAt)
            VALUES (@id, @inst, @act, @node, @type, @ai, @kind, @name, @corr, @at, @payload, @created)
            """, ("@id", next), ("@inst", x.Id), ("@act", "call"), ("@node", "Workflow1:flowchart1:call"), ("@type", "Workflows.HumanTask"), ("@ai", startedActivity),
            ("@kind", "HumanTask"), ("@name", "Call the member within 1 working day"), ("@corr", null), ("@at", null), ("@payload", TaskPayload), ("@created", now));
        (string Event, string Activity, string? Bookmark, string? Message, string Payload)[] entries =
        [
            ("BookmarkResumed", resumedActivity, x.Bookmark, null, """{"kind":"HumanTask","outcome":"Reached","data":{},"versions":{"referenceData":"1","catalogue":"sha256:ab11cbd4b054c0a6","calendar":"sha256:723c05a1dd55533d"}}"""),
            ("Completed", resumedActivity, null, "Reached", """{"outcomes":["Reached"],"output":{}}"""),
            ("Started", startedActivity, null, null, """{"inputs":{"Outcomes":"[\"Reached\",\"Stop\"]","Title":"Call the member within 1 working day","Role":"Specialist"}}"""),
            ("BookmarkCreated", startedActivity, next, null, """{"kind":"HumanTask","name":"Call the member within 1 working day","task":{"title":"Call the member within 1 working day","role":"Specialist","outcomes":["Reached","Stop"],"instructions":null}}"""),
        ];
        for (var e = 0; e < 4; e++)
            await Exec("""
                INSERT INTO JournalEntries (InstanceId, Sequence, Timestamp, EventName, ActivityId, ActivityNodeId, ActivityType, ActivityName, ActivityInstanceId,
                    BookmarkId, DefinitionVersionId, Version, ActorId, ActorRole, Message, PayloadJson, PreviousHash, Hash)
                VALUES (@inst, @seq, @ts, @ev, @act, @node, @type, @name, @ai, @bm, @ver, @v, @actor, @role, @msg, @payload, @prev, @hash)
                """, ("@inst", x.Id), ("@seq", seq + e + 1), ("@ts", now), ("@ev", entries[e].Event), ("@act", "call"), ("@node", "Workflow1:flowchart1:call"),
                ("@type", "Workflows.HumanTask"), ("@name", null), ("@ai", entries[e].Activity), ("@bm", entries[e].Bookmark), ("@ver", x.Definition),
                ("@v", int.Parse(x.Version, CultureInfo.InvariantCulture)), ("@actor", "specialist"), ("@role", "Specialist"), ("@msg", entries[e].Message),
                ("@payload", entries[e].Payload), ("@prev", hashes[e]), ("@hash", hashes[e + 1]));
        await Exec("""
            INSERT INTO HumanTasks (Id, InstanceId, DefinitionId, ActivityId, ActivityType, Title, Instructions, OutcomesJson, ServiceCode, ServiceName,
                CaseId, Reference, SubjectName, SubjectUserId, CandidateRole, EscalatedTo, EscalatedAt, Assignee, CreatedAt, DueAt, DueKey, Hours,
                RemainingKey, FollowUpAt, Priority, Status, Revision)
            VALUES (@id, @inst, @def, @act, @type, @title, @instr, @outcomes, @svc, @svcName, @case, @ref, @name, @user, @role, @esc, @escAt, @assignee,
                @created, @due, @dueKey, @hours, @remKey, @follow, @prio, 'Open', @rev)
            """, ("@id", next), ("@inst", x.Id), ("@def", "bench-loop"), ("@act", "call"), ("@type", "Workflows.HumanTask"), ("@title", "Call the member within 1 working day"),
            ("@instr", null), ("@outcomes", """["Reached","Stop"]"""), ("@svc", null), ("@svcName", null), ("@case", null), ("@ref", null), ("@name", null), ("@user", null),
            ("@role", "Specialist"), ("@esc", null), ("@escAt", null), ("@assignee", null), ("@created", now), ("@due", null), ("@dueKey", long.MaxValue), ("@hours", ""),
            ("@remKey", long.MaxValue), ("@follow", null), ("@prio", 0), ("@rev", 0));
        await Exec("UPDATE HumanTasks SET Status = @st, ClosedAt = @at, ClosedBy = @by WHERE Id = @id AND Status = 'Open'",
            ("@id", x.Bookmark), ("@st", "Completed"), ("@at", now), ("@by", "specialist"));
        await Exec("""
            INSERT INTO StateSnapshots (InstanceId, Sequence, At, Status, SubStatus, VariablesJson, Incident)
            VALUES (@i, @seq, @at, @status, @sub, @vars, @incident)
            """, ("@i", x.Id), ("@seq", seq + 4), ("@at", now), ("@status", "Running"), ("@sub", "Suspended"),
            ("@vars", """{"member":{"policy":"P-000123","city":"\u4E0A\u6D77"}}"""), ("@incident", null));
        if (!ok)
        {
            await tx.RollbackAsync();
            Interlocked.Increment(ref _failures);
            return;
        }
        await tx.CommitAsync();
        x.Revision++;
        x.Sequence = seq + 4;
        x.Hash = hashes[4];
        x.Bookmark = next;
        Interlocked.Increment(ref _transactions);
    }

    public async ValueTask DisposeAsync() => await _source.DisposeAsync();
}
