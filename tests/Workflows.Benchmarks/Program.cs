using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Workflows.Engine.Activities;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

// Engine throughput on a SQLite file in WAL mode, measured in one process against the raw driver's ceiling:
//   (a) instances started and run to their first human-task bookmark per second
//   (b) task completions (resume -> run to the next bookmark, persisted and journaled, with an idempotency key) per second
//   (c) raw committed SQLite transactions of the same size (one state UPDATE + two journal INSERTs) per second, over the
//       same working set as (b) (the same 1,000 instance rows, round-robin, their journal rows appended), on one open
//       connection with every statement prepared (BEGIN IMMEDIATE and COMMIT too): the best the driver can do for that write.
//   (c') the same transaction always on one hot row, for reference: the driver's best case, with every page already cached.
// Rounds interleave a, b, c so they see the same file and machine state; figures are medians over rounds.
// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- [--seconds 3] [--rounds 5] [--synchronous NORMAL] [--out file.json]
// The "timers" mode (TimersBenchmark.cs) measures timers through the schedulers instead; "inbox" (InboxBenchmark.cs) the staff inbox over HTTP.
// On PostgreSQL with several host processes: "completions" (CompletionsBenchmark.cs: task completions through HTTP on 1 and 3
// nodes next to the raw rate of the store's commit shape) and "http --provider PostgreSql" (HttpNodesBenchmark.cs).

if (args is ["timers", ..]) return await TimersBenchmark.RunAsync(args);
if (args is ["http", ..]) return await HttpBenchmark.RunAsync(args);
if (args is ["verify", ..]) return await VerifyBenchmark.RunAsync(args);
if (args is ["replay", ..]) return await ReplayBenchmark.RunAsync(args);
if (args is ["inbox", ..]) return await InboxBenchmark.RunAsync(args);
if (args is ["completions", ..]) return await CompletionsBenchmark.RunAsync(args);

var seconds = Arg("--seconds", 3.0);
var rounds = (int)Arg("--rounds", 5.0);
var synchronous = ArgS("--synchronous", "NORMAL");
var outFile = ArgS("--out", "");

var dir = Path.Combine(Path.GetTempPath(), "wf-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dir);
var db = new DatabaseOptions { Path = Path.Combine(dir, "bench.db"), Synchronous = synchronous };
db.EnsureWal();
var ctxOptions = new DbContextOptionsBuilder<WorkflowsDbContext>();
db.Configure(ctxOptions);
using (var ctx = new WorkflowsDbContext(ctxOptions.Options)) ctx.Database.Migrate();

var store = new WorkflowStore(new SqliteConnections(db));
var registry = new ActivityRegistry().AddFromAssembly(typeof(ActivityRegistry).Assembly);
var runtime = new WorkflowRuntime(store, registry, new ExpressionEvaluator(new JavaScriptSandbox(new JavaScriptLimits())), TimeProvider.System,
    new NoServices(), new WorkflowRuntimeOptions(), NullLogger<WorkflowRuntime>.Instance);
using (var ctx = new WorkflowsDbContext(ctxOptions.Options))
{
    var defs = new DefinitionStore(ctx, runtime, TimeProvider.System, NullLogger<DefinitionStore>.Instance);
    var model = WorkflowJson.Deserialize("""
    {"definitionId":"bench","name":"Bench: specialist call loop",
     "variables":[{"id":"v1","name":"member","typeName":"Object","value":{"policy":"P-000123","city":"上海"}}],
     "root":{"id":"flowchart1","type":"Elsa.Flowchart","activities":[
       {"id":"call","type":"Workflows.HumanTask","title":{"expression":{"type":"Literal","value":"Call the member within 1 working day"}},
        "role":{"expression":{"type":"Literal","value":"Specialist"}},"outcomes":{"expression":{"type":"Literal","value":"[\"Reached\",\"Stop\"]"}}}],
      "connections":[{"source":{"activity":"call","port":"Reached"},"target":{"activity":"call","port":"In"}}]}}
    """);
    await defs.PublishAsync((await defs.SaveDraftAsync(model, Actor.System)).DefinitionId, Actor.System);
}

var actor = new Actor("bench", "Specialist");
var open = new List<string>();          // bookmark ids of instances waiting at their task
var next = 0;

async Task<int> Starts(TimeSpan d)
{
    var n = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed < d)
    {
        var r = await runtime.StartAsync("bench", null, actor);
        open.Add(r.Bookmarks[0].Id);
        n++;
    }
    return n;
}

async Task<int> Completions(TimeSpan d)
{
    var n = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed < d)
    {
        var i = next++ % open.Count;
        var r = await runtime.ResumeAsync(open[i], new ResumeInput("Reached"), actor, Guid.CreateVersion7().ToString("N"));
        open[i] = r.Bookmarks[0].Id;
        n++;
    }
    return n;
}

// (c) the same write per step, straight through Microsoft.Data.Sqlite.
await using var raw = db.OpenSqlite();
await using (var seed = raw.CreateCommand())
{
    seed.CommandText = "INSERT INTO WorkflowInstances (Id, DefinitionId, DefinitionVersionId, Version, Status, SubStatus, StateJson, Revision, JournalSequence, LastJournalHash, CreatedAt, UpdatedAt) VALUES ('raw', 'raw', 'raw', 1, 'Running', 'Suspended', '{}', 0, 0, '', 0, 0)";
    await seed.ExecuteNonQueryAsync();
}
var state = JsonSerializer.Serialize(new InstanceState { Variables = { ["member"] = System.Text.Json.Nodes.JsonNode.Parse("""{"policy":"P-000123","city":"上海"}""") } }, WorkflowJson.Options);
var update = raw.CreateCommand();
update.CommandText = "UPDATE WorkflowInstances SET StateJson = @s, Revision = Revision + 1, UpdatedAt = @t WHERE Id = @id";
var pState = update.Parameters.Add("@s", SqliteType.Text);
var pTime = update.Parameters.Add("@t", SqliteType.Integer);
var pId = update.Parameters.Add("@id", SqliteType.Text);
var insert = raw.CreateCommand();
insert.CommandText = """
    INSERT INTO JournalEntries (InstanceId, Sequence, Timestamp, EventName, ActivityId, ActivityNodeId, ActivityType, ActivityName, ActivityInstanceId,
        BookmarkId, DefinitionVersionId, Version, ActorId, ActorRole, Message, PayloadJson, PreviousHash, Hash)
    VALUES (@inst, @seq, @ts, 'BookmarkResumed', 'call', 'Workflow1:flowchart1:call', 'Workflows.HumanTask', 'call', @ai, @bm, 'raw', 1, 'bench', 'Specialist',
        NULL, '{"kind":"HumanTask","outcome":"Reached","data":null}', @prev, @hash)
    """;
var pInst = insert.Parameters.Add("@inst", SqliteType.Text);
var pSeq = insert.Parameters.Add("@seq", SqliteType.Integer);
var pTs = insert.Parameters.Add("@ts", SqliteType.Integer);
var pAi = insert.Parameters.Add("@ai", SqliteType.Text);
var pBm = insert.Parameters.Add("@bm", SqliteType.Text);
var pPrev = insert.Parameters.Add("@prev", SqliteType.Text);
var pHash = insert.Parameters.Add("@hash", SqliteType.Text);
var begin = raw.CreateCommand();
begin.CommandText = "BEGIN IMMEDIATE";
var commit = raw.CreateCommand();
commit.CommandText = "COMMIT";
var hash = new string('0', 64);
var rawSequence = new Dictionary<string, long>();
var rawNext = 0;

// The instance rows (b) works on, read once (their ids and current journal length) so (c) can append to them too.
List<string> workingSet = [];

int RawTransactions(TimeSpan d, bool hotRow)
{
    var n = 0;
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed < d)
    {
        var id = hotRow ? "raw" : workingSet[rawNext++ % workingSet.Count];
        pId.Value = id;
        pInst.Value = id;
        begin.ExecuteNonQuery();
        pTime.Value = DateTime.UtcNow.Ticks;
        pState.Value = state;
        update.ExecuteNonQuery();
        for (var j = 0; j < 2; j++)
        {
            // Sequences far above the engine's own (which stay below 100,000 per instance here) keep (InstanceId, Sequence) unique.
            pSeq.Value = rawSequence[id] = rawSequence.GetValueOrDefault(id, 1_000_000_000) + 1;
            pTs.Value = DateTime.UtcNow.Ticks;
            pAi.Value = Guid.CreateVersion7().ToString("N");
            pBm.Value = Guid.CreateVersion7().ToString("N");
            pPrev.Value = hash;
            pHash.Value = hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hash + pSeq.Value)));
            insert.ExecuteNonQuery();
        }
        commit.ExecuteNonQuery();
        n++;
    }
    return n;
}

Console.WriteLine($"SQLite {raw.ServerVersion}, WAL, synchronous={synchronous}; {Environment.ProcessorCount} cores; {rounds} rounds of {seconds:0.#} s each");
// Warm-up: JIT, caches, a working set of 1,000 waiting instances.
await Starts(TimeSpan.FromSeconds(1));
while (open.Count < 1000) await Starts(TimeSpan.FromMilliseconds(100));
await Completions(TimeSpan.FromSeconds(1));
await using (var ids = raw.CreateCommand())
{
    ids.CommandText = "SELECT Id FROM WorkflowInstances WHERE DefinitionId = 'bench' ORDER BY Id LIMIT 1000";
    await using var r = await ids.ExecuteReaderAsync();
    while (await r.ReadAsync()) workingSet.Add(r.GetString(0));
}
RawTransactions(TimeSpan.FromSeconds(1), hotRow: false);
RawTransactions(TimeSpan.FromSeconds(1), hotRow: true);

var a = new List<double>(); var b = new List<double>(); var c = new List<double>(); var hot = new List<double>();
var span = TimeSpan.FromSeconds(seconds);
for (var round = 1; round <= rounds; round++)
{
    a.Add(await Starts(span) / seconds);
    b.Add(await Completions(span) / seconds);
    c.Add(RawTransactions(span, hotRow: false) / seconds);
    hot.Add(RawTransactions(span, hotRow: true) / seconds);
    Console.WriteLine($"round {round}: starts {a[^1],7:N0}/s  completions {b[^1],7:N0}/s  raw txns {c[^1],7:N0}/s  (hot row {hot[^1],7:N0}/s)  completions/raw {b[^1] / c[^1],6:P1}");
}

double Median(List<double> xs) => Bench.Median(xs);
var ratios = b.Zip(c, (x, y) => x / y).ToList();
Console.WriteLine();
Console.WriteLine($"(a) instance starts to first bookmark : median {Median(a),8:N0}/s");
Console.WriteLine($"(b) task completions                  : median {Median(b),8:N0}/s");
Console.WriteLine($"(c) raw SQLite transactions (ceiling) : median {Median(c),8:N0}/s");
Console.WriteLine($"(c') same, one hot row (reference)    : median {Median(hot),8:N0}/s   (b)/(c'): {Median(b) / Median(hot):P1}");
Console.WriteLine($"(b)/(c)                               : median {Median(ratios),8:P1}   (a)/(c): {Median(a) / Median(c):P1}");
Console.WriteLine($"journal rows written: {await Scalar("SELECT COUNT(*) FROM JournalEntries")}, instances: {await Scalar("SELECT COUNT(*) FROM WorkflowInstances")}, db size: {new FileInfo(db.Path).Length / 1_048_576.0:N1} MB + WAL");
if (outFile.Length > 0)
    await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new { synchronous, seconds, rounds, starts = a, completions = b, raw = c, medianStarts = Median(a), medianCompletions = Median(b), medianRaw = Median(c), hotRow = hot, medianHotRow = Median(hot), medianRatio = Median(ratios) }));

await raw.CloseAsync();
SqliteConnection.ClearAllPools();
Directory.Delete(dir, recursive: true);
return Median(b) >= 3000 && Median(ratios) >= 0.30 ? 0 : 1;

async Task<long> Scalar(string sql)
{
    await using var cmd = raw.CreateCommand();
    cmd.CommandText = sql;
    return (long)(await cmd.ExecuteScalarAsync())!;
}

double Arg(string name, double fallback) => Bench.Arg(args, name, fallback);
string ArgS(string name, string fallback) => Bench.ArgS(args, name, fallback);

sealed class NoServices : IServiceProvider { public object? GetService(Type t) => null; }
