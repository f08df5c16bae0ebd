using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

/// <summary>
/// Mode "http --provider PostgreSql": the member's application through HTTP (as mode "http") on N back-office nodes
/// sharing one PostgreSQL database (<see cref="Cluster"/>), for 1 and 3 nodes in the same run. Each round measures, per
/// node count n in --nodes, a closed loop of n × --connections-per-node clients, client j sending to node (j mod n)
/// (round-robin, as a load balancer without affinity would); rounds interleave the node counts. Rate, p50/p99, the CPU of the
/// nodes that served them per application; the ratio of the most nodes to one, median of per-round ratios. All nodes run during every
/// measurement; in a 1-node measurement the others only poll their schedulers.
/// Checked at the end: every application answered 201 exists once in ServiceApplications (no more rows than answers),
/// and after a graceful stop of every node the access trail holds one row per request with the status the client got.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- http --provider PostgreSql
///        --connection "Host=…;Username=…;Password=…;Database=postgres" [--nodes 1,3] [--seconds 5] [--rounds 3]
///        [--connections-per-node 8] [--warm-up 20] [--warm-up-count 1500] [--keep] [--out file.json]
///        (the warm-up runs at least that long and that many applications, at most 5 minutes, so every node's JIT has tiered up)
/// </summary>
static class HttpNodesBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (Bench.ArgS(args, "--connection", "") is not { Length: > 0 } server)
        {
            Console.Error.WriteLine("http --provider PostgreSql needs --connection \"Host=...;Username=...;Password=...;Database=postgres\" (an account that may create databases)");
            return 2;
        }
        var nodeCounts = Bench.ArgS(args, "--nodes", "1,3").Split(',').Select(int.Parse).ToArray();
        var seconds = Bench.Arg(args, "--seconds", 5);
        var rounds = (int)Bench.Arg(args, "--rounds", 3);
        var perNode = (int)Bench.Arg(args, "--connections-per-node", 8);
        var warmUp = Bench.Arg(args, "--warm-up", 20);
        var warmUpCount = Bench.Arg(args, "--warm-up-count", 1500);
        var outFile = Bench.ArgS(args, "--out", "");
        var maxNodes = nodeCounts.Max();
        var settings = await Cluster.ServerSettingsAsync(server);
        Console.WriteLine($"{settings}; {Environment.ProcessorCount} cores; load average {Cluster.LoadAverage()}");
        Console.WriteLine($"starting {maxNodes} nodes on a fresh database…");
        var clock = Stopwatch.StartNew();
        await using var cluster = await Cluster.StartAsync(server, maxNodes, "wf_http", null, args.Contains("--keep"), []);
        Console.WriteLine($"{maxNodes} nodes answer after {clock.Elapsed.TotalSeconds:F0} s (database {cluster.Database}); {rounds} rounds of {seconds:0.#} s per measurement, {perNode} connections per node");
        var members = await cluster.ClientsAsync("member", maxNodes * perNode);

        var byStatus = new ConcurrentDictionary<int, long>();
        var created = new ConcurrentBag<string>();
        async Task<Cluster.Run> ClosedLoop(int nodes, int clients, double duration)
        {
            var latencies = new ConcurrentBag<double>();
            var errors = 0;
            var cpu = cluster.CpuOf(nodes);
            var stop = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async j =>
            {
                var node = j % nodes;
                while (stop.Elapsed.TotalSeconds < duration)
                {
                    var t = Stopwatch.GetTimestamp();
                    using var r = await members[node].SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/me/applications")
                    {
                        Content = JsonContent.Create(new { serviceCode = "jd-drug-consultation", policyNumber = "DEMO-JD-0001", details = new { drug = "可瑞达" } }),
                    });
                    var body = await r.Content.ReadAsStringAsync();
                    latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    byStatus.AddOrUpdate((int)r.StatusCode, 1, (_, v) => v + 1);
                    if ((int)r.StatusCode == 201)
                    {
                        using var json = JsonDocument.Parse(body);
                        created.Add(json.RootElement.GetProperty("id").GetString()!);
                    }
                    else if (Interlocked.Increment(ref errors) <= 3) Console.WriteLine($"  application on node {node + 1}: {(int)r.StatusCode} {body}");
                }
            }));
            return Cluster.Run.Of(latencies, stop.Elapsed.TotalSeconds, errors, (cluster.CpuOf(nodes) - cpu).TotalMilliseconds);
        }

        Console.WriteLine($"warm-up ≥ {warmUp:0.#} s and ≥ {warmUpCount:0} applications on {maxNodes} nodes…");
        await Cluster.WarmUpAsync(warmUp, warmUpCount, d => ClosedLoop(maxNodes, maxNodes * perNode, d), "applications");

        var runs = new List<(int Round, int Nodes, Cluster.Run Run)>();
        var loads = new List<string>();
        for (var round = 1; round <= rounds; round++)
        {
            var load = Cluster.LoadAverage();
            loads.Add(load);
            Console.WriteLine($"round {round} (load average {load})");
            foreach (var n in nodeCounts)
            {
                var r = await ClosedLoop(n, n * perNode, seconds);
                runs.Add((round, n, r));
                Console.WriteLine($"  {n} node(s), {n * perNode,2} connections: {r.Rate,6:F0} applications/s  p50 {r.P50,6:F1} ms  p99 {r.P99,6:F1} ms  errors {r.Errors}  nodes' CPU {r.CpuMs,5:F2} ms/application");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"medians over {rounds} rounds (load average at the rounds' starts: {string.Join("; ", loads)}); {settings}:");
        var summary = nodeCounts.Select(n =>
        {
            var g = runs.Where(x => x.Nodes == n).Select(x => x.Run).ToList();
            return new
            {
                nodes = n, connections = n * perNode, applicationsPerSecond = Bench.Median(g.Select(x => x.Rate)), p50Ms = Bench.Median(g.Select(x => x.P50)),
                p99Ms = Bench.Median(g.Select(x => x.P99)), hostCpuMsPerApplication = Bench.Median(g.Select(x => x.CpuMs)), errors = g.Sum(x => x.Errors),
            };
        }).ToList();
        foreach (var s in summary)
            Console.WriteLine($"  {s.nodes} node(s), {s.connections,2} connections: {s.applicationsPerSecond,6:F0} applications/s  p50 {s.p50Ms,6:F1} ms  p99 {s.p99Ms,6:F1} ms  nodes' CPU {s.hostCpuMsPerApplication:F2} ms/application  errors {s.errors}");
        double? scale = null;
        if (nodeCounts.Length > 1)
        {
            var (lo, hi) = (nodeCounts.Min(), nodeCounts.Max());
            scale = Bench.Median(Enumerable.Range(1, rounds).Select(rd => runs.Single(x => x.Round == rd && x.Nodes == hi).Run.Rate / runs.Single(x => x.Round == rd && x.Nodes == lo).Run.Rate));
            Console.WriteLine($"  {hi} nodes ÷ {lo} node: {scale:F2}× (median of per-round ratios)");
        }

        var failures = new List<string>();
        void Check(bool ok, string what) { Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}"); if (!ok) failures.Add(what); }
        Console.WriteLine("checks:");
        var sent = byStatus.Values.Sum();
        Check(byStatus.Keys.All(s => s == 201), $"every application answered 201 ({sent} sent: {string.Join(", ", byStatus.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"))})");
        Check(created.Distinct().Count() == created.Count, "every answered application has its own id");
        var ids = (await cluster.StringsAsync("SELECT Id FROM ServiceApplications WHERE PolicyNumber = 'DEMO-JD-0001'")).ToHashSet();
        Check(ids.SetEquals(created), $"every answered application is in ServiceApplications once, and nothing else ({ids.Count} rows for {created.Count} answers)");
        cluster.StopGracefully();
        var trail = new Dictionary<int, long>();
        await using (var c = await cluster.OpenAsync())
        await using (var cmd = new Npgsql.NpgsqlCommand(Workflows.Persistence.PostgreSqlDialect.Instance.Sql(
                         "SELECT StatusCode, COUNT(*) FROM AccessLog WHERE Method = 'POST' AND Path = '/api/me/applications' GROUP BY StatusCode"), c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) trail[r.GetInt32(0)] = r.GetInt64(1);
        Check(trail.Count == byStatus.Count && byStatus.All(kv => trail.GetValueOrDefault(kv.Key) == kv.Value),
            $"after a graceful stop the access trail holds one row per request with the status the client got ({trail.Values.Sum()} rows for {sent})");

        if (outFile.Length > 0)
            await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new
            {
                measuredAt = DateTimeOffset.UtcNow, server = settings, cores = Environment.ProcessorCount, seconds, rounds, perNode, loadAverages = loads, summary, nodesRatio = scale,
                rounds_ = runs.Select(x => new { x.Round, x.Nodes, x.Run }), failures,
            }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(failures.Count == 0 ? "all checks passed" : $"{failures.Count} checks FAILED");
        return failures.Count == 0 ? 0 : 1;
    }
}
