using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

/// <summary>
/// Journal verification at scale: N instances × M entries (default 1,000 × 1,000 = 1,000,000), keyed (HMAC-SHA-256, v1)
/// with realistic payloads. Measures (a) verifying every chain in memory, (b) the plain SHA-256 (v0) chains for the
/// ratio, (c) end to end from the SQLite file: read each instance's journal through the store and verify it (what
/// <c>verify-journal --all</c> does). Medians over rounds.
/// Usage: dotnet run -c Release --project tests/Workflows.Benchmarks -- verify [--instances 1000] [--entries 1000] [--rounds 3]
/// </summary>
static class VerifyBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var instances = (int)Bench.Arg(args, "--instances", 1000);
        var perInstance = (int)Bench.Arg(args, "--entries", 1000);
        var rounds = (int)Bench.Arg(args, "--rounds", 3);
        var ring = new JournalKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32) });

        var keyed = new List<List<JournalEntry>>(instances);
        var plain = new List<List<JournalEntry>>(instances);
        for (var i = 0; i < instances; i++)
        {
            keyed.Add(Chain($"inst-{i:D6}", perInstance, ring));
            if (i < 100) plain.Add(Chain($"inst-{i:D6}", perInstance, JournalKeyRing.Unkeyed)); // the ratio needs no million
        }
        var total = (long)instances * perInstance;
        Console.WriteLine($"{total:N0} journal entries ({instances:N0} instances × {perInstance:N0})");

        var cpu = new Dictionary<string, List<double>> { ["a"] = [], ["b"] = [], ["c"] = [] };
        double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        double Time(List<List<JournalEntry>> chains, JournalKeyRing r)
        {
            var c0 = Cpu();
            var sw = Stopwatch.StartNew();
            foreach (var c in chains)
                if (!JournalChain.Verify(c[0].InstanceId, c, c.Count, c[^1].Hash, r, null).IsValid) throw new InvalidOperationException("chain broken");
            cpu[r.CurrentKeyId is null ? "b" : "a"].Add(Cpu() - c0);
            return sw.Elapsed.TotalSeconds;
        }
        var memKeyed = Enumerable.Range(0, rounds).Select(_ => Time(keyed, ring)).ToList();
        var memPlain = Enumerable.Range(0, rounds).Select(_ => Time(plain, JournalKeyRing.Unkeyed)).ToList();

        // End to end: the keyed journal in a SQLite file, read back through the store.
        var dir = Path.Combine(Path.GetTempPath(), "wf-bench-verify-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = new DatabaseOptions { Path = Path.Combine(dir, "bench.db"), Synchronous = "OFF" };
        db.EnsureWal();
        var ctxOptions = new DbContextOptionsBuilder<WorkflowsDbContext>();
        db.Configure(ctxOptions);
        using (var ctx = new WorkflowsDbContext(ctxOptions.Options)) ctx.Database.Migrate();
        var load = Stopwatch.StartNew();
        await using (var c = db.OpenSqlite())
        {
            await using var tx = (SqliteTransaction)await c.BeginTransactionAsync();
            var ins = c.CreateCommand();
            ins.Transaction = tx;
            ins.CommandText = """
                INSERT INTO JournalEntries (InstanceId, Sequence, Timestamp, EventName, ActivityId, ActivityNodeId, ActivityType, ActivityName, ActivityInstanceId,
                    BookmarkId, DefinitionVersionId, Version, ActorId, ActorRole, Message, PayloadJson, PreviousHash, Hash)
                VALUES (@i, @s, @t, @e, @a, @a, 'Workflows.HumanTask', 'call', @ai, NULL, 'v', 1, 'specialist', 'Specialist', @m, @p, @prev, @h)
                """;
            var ps = new[] { "@i", "@s", "@t", "@e", "@a", "@ai", "@m", "@p", "@prev", "@h" }.Select(n => ins.Parameters.Add(n, SqliteType.Text)).ToArray();
            var row = c.CreateCommand();
            row.Transaction = tx;
            row.CommandText = "INSERT INTO WorkflowInstances (Id, DefinitionId, DefinitionVersionId, Version, Status, SubStatus, StateJson, Revision, JournalSequence, LastJournalHash, CreatedAt, UpdatedAt) VALUES (@i, 'bench', 'v', 1, 'Finished', 'Finished', '{}', 1, @n, @h, 0, 0)";
            var ri = row.Parameters.Add("@i", SqliteType.Text);
            var rn = row.Parameters.Add("@n", SqliteType.Integer);
            var rh = row.Parameters.Add("@h", SqliteType.Text);
            foreach (var chain in keyed)
            {
                foreach (var e in chain)
                {
                    ps[0].Value = e.InstanceId; ps[1].Value = e.Sequence; ps[2].Value = e.Timestamp.UtcTicks; ps[3].Value = e.EventName; ps[4].Value = e.ActivityId;
                    ps[5].Value = e.ActivityInstanceId; ps[6].Value = (object?)e.Message ?? DBNull.Value; ps[7].Value = (object?)e.Payload?.ToJsonString(WorkflowJson.Options) ?? DBNull.Value;
                    ps[8].Value = e.PreviousHash; ps[9].Value = e.Hash;
                    ins.ExecuteNonQuery();
                }
                ri.Value = chain[0].InstanceId; rn.Value = chain.Count; rh.Value = chain[^1].Hash;
                row.ExecuteNonQuery();
            }
            await tx.CommitAsync();
        }
        Console.WriteLine($"loaded into SQLite in {load.Elapsed.TotalSeconds:N1} s ({new FileInfo(db.Path).Length / 1_048_576.0:N0} MB)");
        var plainChains = plain.Count;
        keyed.Clear();
        plain.Clear();
        GC.Collect();

        var store = new WorkflowStore(new SqliteConnections(db));
        var ids = Enumerable.Range(0, instances).Select(i => $"inst-{i:D6}").ToList();
        var endToEnd = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            var c0 = Cpu();
            var sw = Stopwatch.StartNew();
            long n = 0;
            foreach (var id in ids)
            {
                var entries = await store.GetJournalAsync(id);
                if (!JournalChain.Verify(id, entries, entries.Count, entries[^1].Hash, ring, null).IsValid) throw new InvalidOperationException($"{id} broken");
                n += entries.Count;
            }
            endToEnd.Add(sw.Elapsed.TotalSeconds);
            cpu["c"].Add(Cpu() - c0);
            if (n != total) throw new InvalidOperationException($"read {n} entries, expected {total}");
        }

        Console.WriteLine($"(a) verify keyed (HMAC) chains in memory:      median {Bench.Median(memKeyed):N2} s  ({total / Bench.Median(memKeyed):N0} entries/s)");
        var plainCount = (long)plainChains * perInstance;
        var perKeyed = Bench.Median(memKeyed) / total;
        var perPlain = Bench.Median(memPlain) / Math.Max(1, plainCount);
        Console.WriteLine($"(b) verify plain SHA-256 chains in memory:     median {Bench.Median(memPlain):N2} s for {plainCount:N0}  (per entry keyed/plain = {perKeyed / perPlain:N2})");
        Console.WriteLine($"(c) read from SQLite + verify keyed, all:      median {Bench.Median(endToEnd):N2} s  ({total / Bench.Median(endToEnd):N0} entries/s)  target < 10 s");
        Console.WriteLine($"CPU time (less sensitive to a shared machine): (a) {Bench.Median(cpu["a"]):N2} s, (b) {Bench.Median(cpu["b"]):N2} s, (c) {Bench.Median(cpu["c"]):N2} s; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} on {Environment.ProcessorCount} cores");
        Console.WriteLine($"rounds: {rounds}; (a) {string.Join(", ", memKeyed.Select(x => x.ToString("N2")))}; (c) {string.Join(", ", endToEnd.Select(x => x.ToString("N2")))}");
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(dir, true); } catch (IOException) { }
        return Bench.Median(endToEnd) < 10 ? 0 : 1;
    }

    private static List<JournalEntry> Chain(string instanceId, int count, JournalKeyRing ring)
    {
        var list = new List<JournalEntry>(count);
        var prev = JournalChain.GenesisHash;
        var t0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        for (var s = 1; s <= count; s++)
        {
            var resumed = s % 3 == 0;
            var e = new JournalEntry
            {
                InstanceId = instanceId, Sequence = s, Timestamp = t0.AddSeconds(s), EventName = resumed ? "BookmarkResumed" : s % 3 == 1 ? "Started" : "Completed",
                ActivityId = "call", ActivityNodeId = "call", ActivityType = "Workflows.HumanTask", ActivityName = "call", ActivityInstanceId = $"ai-{s}",
                DefinitionVersionId = "v", Version = 1, ActorId = "specialist", ActorRole = "Specialist", Message = resumed ? "Reached" : null,
                Payload = resumed ? new JsonObject { ["kind"] = "HumanTask", ["outcome"] = "Reached", ["data"] = new JsonObject { ["note"] = "已联系会员" } }
                    : s % 3 == 2 ? new JsonObject { ["outcomes"] = new JsonArray("Done") } : null,
                PreviousHash = prev, Hash = "",
            };
            e = e with { Hash = JournalChain.ComputeHash(e, ring) };
            list.Add(e);
            prev = e.Hash;
        }
        return list;
    }
}
