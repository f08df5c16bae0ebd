using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

/// <summary>
/// Mode "http": a member's application through HTTP (apply → eligibility → first task, the whole host: authentication,
/// access trail, domain checks, engine, commit) against the engine alone starting instances in-process, in the same run.
///   (1) closed loop: N connections each sending the next application as soon as the last is answered, for the ceiling;
///   (2) open loop at fixed rates (e.g. 50, 100, 200/s): requests are sent on schedule whatever the answers do, and each
///       latency is measured from its scheduled time (no coordinated omission), for p50/p99 at a steady load;
///   (3) the engine alone: instances started and run to their first human task per second, in this process.
/// The host is the built Workflows.Web.dll, started as its own process on a fresh data folder; the demo member applies for
/// the JD drug consultation (no quota) on the demo JD policy.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- http [--seconds 10] [--connections 16] [--rates 50,100,200] [--out file.json]
/// </summary>
static class HttpBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Bench.Arg(args, "--seconds", 10);
        var connections = (int)Bench.Arg(args, "--connections", 16);
        var rates = Bench.ArgS(args, "--rates", "50,100,200").Split(',').Select(double.Parse).ToArray();
        var outFile = Bench.ArgS(args, "--out", "");
        var dir = Path.Combine(Path.GetTempPath(), "wf-http-bench-" + Guid.CreateVersion7().ToString("N")[..8]);
        Directory.CreateDirectory(dir);

        using var host = StartHost(dir, out var baseAddress);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(connections, 64), PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await WaitUntilUpAsync(http);
        var token = (await (await http.PostAsJsonAsync("/api/auth/token", new { userName = "member", password = "Demo#2026" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("accessToken").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        Console.WriteLine($"warm-up…");
        await ClosedLoopAsync(http, 4, 3);

        var closed = await ClosedLoopAsync(http, connections, seconds);
        Console.WriteLine($"HTTP closed loop, {connections} connections: {closed.Rate:F0} applications/s, p50 {closed.P50:F1} ms, p99 {closed.P99:F1} ms, errors {closed.Errors}");
        var closed2 = await ClosedLoopAsync(http, 2, seconds);
        Console.WriteLine($"HTTP closed loop, 2 connections: {closed2.Rate:F0} applications/s, p50 {closed2.P50:F1} ms, p99 {closed2.P99:F1} ms, errors {closed2.Errors}");
        var open = new List<object>();
        foreach (var rate in rates)
        {
            var r = await OpenLoopAsync(http, rate, seconds);
            Console.WriteLine($"HTTP open loop at {rate:F0}/s: {r.Rate:F0} answered/s, p50 {r.P50:F1} ms, p99 {r.P99:F1} ms, errors {r.Errors}");
            open.Add(new { targetRate = rate, achievedRate = r.Rate, p50Ms = r.P50, p99Ms = r.P99, errors = r.Errors });
        }
        var engine = await EngineStartsAsync(Path.Combine(dir, "engine.db"), seconds);
        Console.WriteLine($"Engine alone (in-process): {engine:F0} instances started to their first task/s; HTTP ceiling is {closed.Rate / engine:P0} of it (engine/HTTP = {engine / closed.Rate:F1}×)");

        var result = new
        {
            measuredAt = DateTimeOffset.UtcNow, machine = Environment.MachineName, cores = Environment.ProcessorCount, seconds,
            httpClosedLoop = new { connections, rate = closed.Rate, p50Ms = closed.P50, p99Ms = closed.P99, errors = closed.Errors },
            httpClosedLoop2 = new { connections = 2, rate = closed2.Rate, p50Ms = closed2.P50, p99Ms = closed2.P99, errors = closed2.Errors },
            httpOpenLoop = open, engineStartsPerSecond = engine, engineOverHttp = engine / closed.Rate,
        };
        if (outFile.Length > 0) await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        host.Kill(entireProcessTree: true);
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return 0;
    }

    private sealed record Run(double Rate, double P50, double P99, int Errors);

    private static HttpRequestMessage Application() =>
        new(HttpMethod.Post, "/api/me/applications")
        {
            Content = JsonContent.Create(new { serviceCode = "jd-drug-consultation", policyNumber = "DEMO-JD-0001", details = new { drug = "可瑞达" } }),
        };

    private static async Task<Run> ClosedLoopAsync(HttpClient http, int connections, double seconds)
    {
        var latencies = new List<double>();
        var errors = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            var mine = new List<double>();
            while (stop.Elapsed.TotalSeconds < seconds)
            {
                var t = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(Application());
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            }
            lock (latencies) latencies.AddRange(mine);
        }));
        return Summarise(latencies, stop.Elapsed.TotalSeconds, errors);
    }

    private static async Task<Run> OpenLoopAsync(HttpClient http, double rate, double seconds)
    {
        var count = (int)(rate * seconds);
        var latencies = new double[count];
        var errors = 0;
        var start = Stopwatch.GetTimestamp();
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            var n = i;
            tasks.Add(Task.Run(async () =>
            {
                using var response = await http.SendAsync(Application());
                latencies[n] = (Stopwatch.GetElapsedTime(start) - due).TotalMilliseconds; // from its scheduled time
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
            }));
        }
        await Task.WhenAll(tasks);
        return Summarise(latencies, Stopwatch.GetElapsedTime(start).TotalSeconds, errors);
    }

    private static Run Summarise(IReadOnlyCollection<double> latencies, double elapsed, int errors)
    {
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Run(sorted.Length / elapsed, P(0.50), P(0.99), errors);
    }

    /// <summary>The engine alone: start an instance of a one-task workflow and commit it, as fast as one caller can.</summary>
    private static async Task<double> EngineStartsAsync(string path, double seconds)
    {
        var db = new DatabaseOptions { Path = path, Synchronous = "NORMAL" };
        db.EnsureWal();
        var options = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(options);
        using (var ctx = new WorkflowsDbContext(options.Options)) ctx.Database.Migrate();
        var store = new SqliteWorkflowStore(new PreparedConnections(db));
        var registry = new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly);
        var runtime = new WorkflowRuntime(store, registry, new ExpressionEvaluator(new JavaScriptSandbox(new JavaScriptLimits())), TimeProvider.System,
            new NoEngineServices(), new WorkflowRuntimeOptions(), NullLogger<WorkflowRuntime>.Instance);
        using (var ctx = new WorkflowsDbContext(options.Options))
        {
            var defs = new DefinitionStore(ctx, runtime, TimeProvider.System, NullLogger<DefinitionStore>.Instance);
            var model = WorkflowJson.Deserialize("""
            {"definitionId":"http-bench","name":"One task",
             "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
               {"id":"call","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"Call the member"}},
                "role":{"expression":{"type":"Literal","value":"Specialist"}}}],"connections":[]}}
            """);
            await defs.PublishAsync((await defs.SaveDraftAsync(model, Actor.System)).DefinitionId, Actor.System);
        }
        var actor = new Actor("bench", "Member");
        var input = JsonSerializer.SerializeToElement(new { drug = "可瑞达", policy = "DEMO-JD-0001" });
        for (var i = 0; i < 200; i++) await runtime.StartAsync("http-bench", input, actor);
        var n = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            await runtime.StartAsync("http-bench", input, actor);
            n++;
        }
        return n / sw.Elapsed.TotalSeconds;
    }

    private sealed class NoEngineServices : IServiceProvider { public object? GetService(Type t) => null; }

    private static Process StartHost(string dataDirectory, out Uri baseAddress)
    {
        var root = AppContext.BaseDirectory;
        var dir = new DirectoryInfo(root);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Workflows.sln"))) dir = dir.Parent;
        var bin = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "src", "Workflows.Web", "bin", "Release", "net10.0");
        if (!File.Exists(Path.Combine(bin, "Workflows.Web.dll"))) throw new InvalidOperationException($"Build the host first: dotnet build src/Workflows.Web -c Release ({bin})");
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        baseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "Workflows.Web.dll", "--urls", baseAddress.ToString().TrimEnd('/'), "--DataDirectory", dataDirectory })
            info.ArgumentList.Add(a);
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static async Task WaitUntilUpAsync(HttpClient http)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync("/account/login")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException("The host did not start within a minute.");
    }
}
