using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
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
/// session check, access trail, domain checks, engine, commit, response) against the engine alone starting instances
/// in-process, in the same run. Each round measures, in this order:
///   (1) closed loop at each of --connections (default 2 and 16): each connection sends the next application as soon as
///       the last is answered, for the ceiling;
///   (2) open loop at each of --rates (default 200/s): requests are sent on schedule whatever the answers do, and each
///       latency is measured from its scheduled time (no coordinated omission), for p50/p95/p99 at a steady load;
///   (3) the engine alone: instances of a one-task workflow started and committed per second, in this process.
/// Next to each rate: the host's CPU time per application (the benchmark process's CPU per start for the engine alone),
/// which the machine's other load hardly moves, so it compares runs on a busy shared machine where rates cannot.
/// The figures are medians over the rounds; the machine's load average is printed with each round (the machine is shared).
/// At the end the host is stopped gracefully (SIGTERM) and its access trail is counted: one row per request sent, with
/// the status the client got, or the run fails.
/// The host is the built Workflows.Web.dll (build it first: dotnet build src/Workflows.Web -c Release), started as its own
/// process on a fresh data folder; the demo member applies for the JD drug consultation (no quota) on the demo JD policy.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- http [--seconds 5] [--rounds 3] [--connections 2,16] [--rates 200]
///        [--warm-up 20] [--warm-up-count 1500]   (closed loop before measuring, at least this long and this many applications
///                                                 (at most 5 min), so the JIT has finished tiering up)
///        [--out file.json] [--pause-for-trace]   (prints the host's pid and waits for Enter, to attach dotnet-trace)
///        [--web folder]                          (another build of the host, e.g. the previous commit's, for a before/after)
///        [--host-env NAME=VALUE,…]                (environment for the host: runtime knobs such as DOTNET_gcServer=0, measured without a rebuild)
/// Next to the host's CPU per application the harness prints its own (the generator's): on a 2-core machine the two share the cores.
///        [--provider PostgreSql --connection "…"] (N nodes on one PostgreSQL database instead: HttpNodesBenchmark.cs)
/// </summary>
static class HttpBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        // On PostgreSQL: N nodes on one database, 1 and 3 nodes in the same run (HttpNodesBenchmark.cs).
        if (Bench.ArgS(args, "--provider", "Sqlite").Equals("PostgreSql", StringComparison.OrdinalIgnoreCase)) return await HttpNodesBenchmark.RunAsync(args);
        var seconds = Bench.Arg(args, "--seconds", 5);
        var rounds = (int)Bench.Arg(args, "--rounds", 3);
        var connectionCounts = Bench.ArgS(args, "--connections", "2,16").Split(',').Select(int.Parse).ToArray();
        var rates = Bench.ArgS(args, "--rates", "200").Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var outFile = Bench.ArgS(args, "--out", "");
        var dir = Path.Combine(Path.GetTempPath(), "wf-http-bench-" + Guid.NewGuid().ToString("N")); // not a v7 prefix: that is its timestamp, shared by runs started within a minute
        Directory.CreateDirectory(dir);

        var host = StartHost(dir, Bench.ArgS(args, "--web", ""), Bench.ArgS(args, "--host-env", ""), out var baseAddress);
        // The generator shares the machine's cores with the host, so it is kept light: keep-alive HTTP/1.1 connections that
        // live for the whole run, no proxy or cookie handling, no decompression, and one pre-serialised body for every request.
        using var http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = Math.Max(connectionCounts.Max(), 64), PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10), UseProxy = false, UseCookies = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None, AllowAutoRedirect = false,
            })
            { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(10), DefaultRequestVersion = System.Net.HttpVersion.Version11 }; // an overloaded shared machine can take long; a timeout would hide the answer's status
        await WaitUntilUpAsync(http, host);
        var token = (await (await http.PostAsJsonAsync("/api/auth/token", new { userName = "member", password = "Demo#2026" })).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("accessToken").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Console.WriteLine($"host pid {host.Id} at {baseAddress}; {Environment.ProcessorCount} cores; {rounds} rounds of {seconds:0.#} s per measurement");

        var sent = new Counts();
        // Long enough for tiered compilation to finish: after a 3-second warm-up most of the path still ran unoptimised
        // (tier-0) code and the JIT's background thread took a fifth of the host's CPU, so the first round measured the JIT.
        // On a loaded machine the JIT needs more calls (and more time) to finish, so the warm-up also runs until a number
        // of applications has been made (at most five minutes).
        var warmUp = Bench.Arg(args, "--warm-up", 20);
        var warmUpCount = Bench.Arg(args, "--warm-up-count", 1500);
        Console.WriteLine($"warm-up (≥ {warmUp:0.#} s and ≥ {warmUpCount:0} applications at {connectionCounts.Max()} connections)…");
        var warmStart = Stopwatch.StartNew();
        double warmed = 0;
        while (warmStart.Elapsed.TotalSeconds < warmUp || (warmed < warmUpCount && warmStart.Elapsed.TotalMinutes < 5))
        {
            host.Refresh();
            var warmCpu = host.TotalProcessorTime;
            var warm = await ClosedLoopAsync(http, connectionCounts.Max(), 5, sent);
            host.Refresh();
            warmed += warm.Rate * warm.Elapsed;
            Console.WriteLine($"  warm-up: {warm.Rate:F0} applications/s, host CPU {(host.TotalProcessorTime - warmCpu).TotalMilliseconds / (warm.Rate * warm.Elapsed):F2} ms/application");
        }
        if (args.Contains("--pause-for-trace"))
        {
            Console.WriteLine($"attach now, e.g.: dotnet-trace collect -p {host.Id} --duration 00:00:00:{seconds:00}; press Enter to start");
            Console.ReadLine();
        }

        var runs = new List<(int Round, string Name, Run Run)>();
        var engine = new List<double>();
        var engineCpus = new List<double>();
        var loads = new List<string>();
        for (var round = 1; round <= rounds; round++)
        {
            var load = LoadAverage();
            loads.Add(load);
            Console.WriteLine($"round {round} (load average {load})");
            foreach (var c in connectionCounts)
            {
                var r = await WithCpuAsync(host, () => ClosedLoopAsync(http, c, seconds, sent));
                runs.Add((round, $"closed loop, {c} connections", r));
                Console.WriteLine($"  HTTP closed loop, {c,2} connections: {r}");
            }
            foreach (var rate in rates)
            {
                var r = await WithCpuAsync(host, () => OpenLoopAsync(http, rate, seconds, sent));
                runs.Add((round, $"open loop at {rate:F0}/s", r));
                Console.WriteLine($"  HTTP open loop at {rate:F0}/s:       {r}");
            }
            var (starts, engineCpu) = await EngineStartsAsync(Path.Combine(dir, $"engine-{round}.db"), seconds);
            engine.Add(starts);
            engineCpus.Add(engineCpu);
            Console.WriteLine($"  engine alone (in-process):       {starts,6:F0} instances started to their first task/s  CPU {engineCpu,5:F2} ms/start");
        }

        Console.WriteLine();
        Console.WriteLine($"medians over {rounds} rounds (load average at the rounds' starts: {string.Join("; ", loads)}):");
        var summary = runs.GroupBy(r => r.Name).Select(g => new
        {
            measurement = g.Key,
            rate = Bench.Median(g.Select(x => x.Run.Rate)), p50Ms = Bench.Median(g.Select(x => x.Run.P50)),
            p95Ms = Bench.Median(g.Select(x => x.Run.P95)), p99Ms = Bench.Median(g.Select(x => x.Run.P99)), errors = g.Sum(x => x.Run.Errors),
            hostCpuMsPerApplication = Bench.Median(g.Select(x => x.Run.HostCpuMs)),
            generatorCpuMsPerApplication = Bench.Median(g.Select(x => x.Run.GeneratorCpuMs)),
        }).ToList();
        var engineMedian = Bench.Median(engine);
        var engineCpuMedian = Bench.Median(engineCpus);
        foreach (var s in summary)
            Console.WriteLine($"  HTTP {s.measurement,-26}: {s.rate,6:F0} applications/s  p50 {s.p50Ms,6:F1} ms  p95 {s.p95Ms,6:F1} ms  p99 {s.p99Ms,6:F1} ms  errors {s.errors}"
                              + $"  host CPU {s.hostCpuMsPerApplication:F2} ms/application  generator CPU {s.generatorCpuMsPerApplication:F2} ms"
                              + (s.measurement.StartsWith("closed") ? $"  engine/HTTP {engineMedian / s.rate:F1}× by rate, {s.hostCpuMsPerApplication / engineCpuMedian:F1}× by CPU" : ""));
        Console.WriteLine($"  engine alone (in-process)       : {engineMedian,6:F0} instances/s  CPU {engineCpuMedian:F2} ms/start");

        // The access trail must hold one row per request, with the status the client got, after a graceful stop.
        Stop(host);
        var trail = CountTrail(Path.Combine(dir, "backoffice.db"));
        var complete = sent.ByStatus.All(kv => kv.Key == 0 || trail.GetValueOrDefault(kv.Key) == kv.Value) && trail.Values.Sum() == sent.Total - sent.ByStatus.GetValueOrDefault(0)
                       && sent.ByStatus.GetValueOrDefault(0) == 0;
        Console.WriteLine($"access trail after a graceful stop: {trail.Values.Sum()} rows for {sent.Total} applications sent " +
                          $"(by status: sent {Format(sent.ByStatus)}, recorded {Format(trail)}) — {(complete ? "complete" : "INCOMPLETE")}");

        var result = new
        {
            measuredAt = DateTimeOffset.UtcNow, machine = Environment.MachineName, cores = Environment.ProcessorCount, seconds, rounds, loadAverages = loads,
            http = summary, rounds_ = runs.Select(r => new { r.Round, r.Name, r.Run.Rate, p50Ms = r.Run.P50, p95Ms = r.Run.P95, p99Ms = r.Run.P99, r.Run.Errors }),
            engineStartsPerSecond = engine, engineMedian, engineCpuMsPerStart = engineCpus, engineCpuMedian, trailComplete = complete, requestsSent = sent.Total,
        };
        if (outFile.Length > 0) await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return complete ? 0 : 1;
    }

    /// <summary>One measurement; <see cref="HostCpuMs"/> is the host process's CPU time per application (user + system, all threads);
    /// <see cref="GeneratorCpuMs"/> is this process's CPU time per application (the load generator: it shares the cores).</summary>
    private sealed record Run(double Rate, double P50, double P95, double P99, int Errors, double HostCpuMs = double.NaN, double GeneratorCpuMs = double.NaN)
    {
        public double Elapsed { get; init; }
        public override string ToString() =>
            $"{Rate,6:F0} applications/s  p50 {P50,6:F1} ms  p95 {P95,6:F1} ms  p99 {P99,6:F1} ms  errors {Errors}  host CPU {HostCpuMs,5:F2} ms/application"
            + $"  generator CPU {GeneratorCpuMs,4:F2} ms";
    }

    /// <summary>Runs a measurement and adds the host's CPU time per request: a figure the machine's other load hardly moves.</summary>
    private static async Task<Run> WithCpuAsync(Process host, Func<Task<Run>> measure)
    {
        host.Refresh();
        var before = host.TotalProcessorTime;
        var self = Process.GetCurrentProcess().TotalProcessorTime;
        var run = await measure();
        var generator = Process.GetCurrentProcess().TotalProcessorTime - self;
        host.Refresh();
        var count = run.Rate * run.Elapsed;
        return run with { HostCpuMs = (host.TotalProcessorTime - before).TotalMilliseconds / count, GeneratorCpuMs = generator.TotalMilliseconds / count };
    }

    /// <summary>Every application sent and the status it got, to check the access trail against.</summary>
    private sealed class Counts
    {
        public readonly Dictionary<int, long> ByStatus = new();
        public long Total { get { lock (ByStatus) return ByStatus.Values.Sum(); } }
        public void Add(int status) { lock (ByStatus) ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1; }
    }

    private static string Format(IReadOnlyDictionary<int, long> counts) => string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}: {kv.Value}"));

    private static readonly byte[] ApplicationBody =
        JsonSerializer.SerializeToUtf8Bytes(new { serviceCode = "jd-drug-consultation", policyNumber = "DEMO-JD-0001", details = new { drug = "可瑞达" } });
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly Uri ApplicationsPath = new("/api/me/applications", UriKind.Relative);

    private static HttpRequestMessage Application()
    {
        var content = new ByteArrayContent(ApplicationBody);
        content.Headers.ContentType = Json;
        return new HttpRequestMessage(HttpMethod.Post, ApplicationsPath) { Content = content, Version = System.Net.HttpVersion.Version11 };
    }

    private static async Task<Run> ClosedLoopAsync(HttpClient http, int connections, double seconds, Counts sent)
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
                using var response = await http.SendAsync(Application(), HttpCompletionOption.ResponseContentRead);
                mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                sent.Add((int)response.StatusCode);
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); await ShowAsync(response); }
            }
            lock (latencies) latencies.AddRange(mine);
        }));
        return Summarise(latencies, stop.Elapsed.TotalSeconds, errors);
    }

    private static async Task<Run> OpenLoopAsync(HttpClient http, double rate, double seconds, Counts sent)
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
                try
                {
                    using var response = await http.SendAsync(Application(), HttpCompletionOption.ResponseContentRead);
                    sent.Add((int)response.StatusCode);
                    if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); await ShowAsync(response); }
                }
                catch (HttpRequestException)
                {
                    sent.Add(0); // no answer: the trail check below then cannot be exact, and says so
                    Interlocked.Increment(ref errors);
                }
                latencies[n] = (Stopwatch.GetElapsedTime(start) - due).TotalMilliseconds; // from its scheduled time
            }));
        }
        await Task.WhenAll(tasks);
        return Summarise(latencies, Stopwatch.GetElapsedTime(start).TotalSeconds, errors);
    }

    private static int _shownErrors;

    /// <summary>Shows the first few refusals, so a run that measures refusals says so.</summary>
    private static async Task ShowAsync(HttpResponseMessage response)
    {
        if (Interlocked.Increment(ref _shownErrors) <= 3)
            Console.WriteLine($"  ! {(int)response.StatusCode}: {Truncate(await response.Content.ReadAsStringAsync())}");
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;

    private static Run Summarise(IReadOnlyCollection<double> latencies, double elapsed, int errors)
    {
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new Run(sorted.Length / elapsed, P(0.50), P(0.95), P(0.99), errors) { Elapsed = elapsed };
    }

    private static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }

    private static Dictionary<int, long> CountTrail(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT StatusCode, COUNT(*) FROM AccessLog WHERE Method = 'POST' AND Path = '/api/me/applications' GROUP BY StatusCode";
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<int, long>();
        while (r.Read()) counts[r.GetInt32(0)] = r.GetInt64(1);
        return counts;
    }

    /// <summary>The engine alone: start an instance of a one-task workflow and commit it, as fast as one caller can.</summary>
    private static async Task<(double PerSecond, double CpuMsPerStart)> EngineStartsAsync(string path, double seconds)
    {
        var db = new DatabaseOptions { Path = path, Synchronous = "NORMAL" };
        db.EnsureWal();
        var options = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(options);
        using (var ctx = new WorkflowsDbContext(options.Options)) ctx.Database.Migrate();
        using var connections = new SqliteConnections(db);
        var store = new WorkflowStore(connections);
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
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            await runtime.StartAsync("http-bench", input, actor);
            n++;
        }
        var elapsed = sw.Elapsed.TotalSeconds;
        return (n / elapsed, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / n);
    }

    private sealed class NoEngineServices : IServiceProvider { public object? GetService(Type t) => null; }

    private static Process StartHost(string dataDirectory, string webDirectory, string hostEnvironment, out Uri baseAddress)
    {
        var root = AppContext.BaseDirectory;
        var dir = new DirectoryInfo(root);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Workflows.sln"))) dir = dir.Parent;
        // --web <folder with Workflows.Web.dll> runs another build of the host (e.g. an earlier commit's) against this harness.
        var bin = webDirectory.Length > 0 ? Path.GetFullPath(webDirectory)
            : Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "src", "Workflows.Web", "bin", "Release", "net10.0");
        if (!File.Exists(Path.Combine(bin, "Workflows.Web.dll"))) throw new InvalidOperationException($"Build the host first: dotnet build src/Workflows.Web -c Release ({bin})");
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        baseAddress = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = bin, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "Workflows.Web.dll", "--urls", baseAddress.ToString().TrimEnd('/'), "--DataDirectory", dataDirectory })
            info.ArgumentList.Add(a);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // --host-env NAME=VALUE[,NAME=VALUE]: runtime knobs for the host (e.g. DOTNET_gcServer=1), to measure them without a rebuild.
        foreach (var pair in hostEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            info.Environment[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
        var p = Process.Start(info)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>A graceful stop, as an operator's systemctl stop: SIGTERM, then wait for the host to finish.</summary>
    private static void Stop(Process host)
    {
        if (OperatingSystem.IsWindows() || kill(host.Id, 15) != 0) host.Kill(entireProcessTree: true);
        if (!host.WaitForExit(60_000)) host.Kill(entireProcessTree: true);
    }

    private static async Task WaitUntilUpAsync(HttpClient http, Process host)
    {
        for (var i = 0; i < 600; i++)
        {
            if (host.HasExited) throw new InvalidOperationException("The host exited during start.");
            try
            {
                if ((await http.GetAsync("/account/login")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException("The host did not start within two minutes.");
    }
}
