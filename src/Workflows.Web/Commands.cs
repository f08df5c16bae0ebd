using Workflows.Persistence;
using Workflows.Persistence.Evidence;
using Workflows.Persistence.Stores;

namespace Workflows.Web;

/// <summary>
/// Command-line operations run with the host's configuration instead of serving: <c>verify-journal &lt;instanceId&gt;… | --all</c>,
/// <c>checkpoint</c>, <c>rotate-journal-key</c>, <c>export-bundle &lt;instanceId&gt; [--out file]</c>,
/// <c>verify-bundle &lt;file&gt; [--public-key pem] [--journal-keys dir]</c> (offline: reads no database),
/// <c>migrate-instances &lt;definitionId&gt; --from n --to m [--map a=b,c=d] [--batch 100] [--dry-run] [--actor name]</c>.
/// </summary>
public static class Commands
{
    private static readonly string[] Known = ["verify-journal", "checkpoint", "rotate-journal-key", "export-bundle", "verify-bundle", "create-admin", "migrate-instances", "replay"];

    /// <summary>Splits the command line into a command, its arguments, and "--key value" configuration settings.</summary>
    public static (string? Command, string[] CommandArgs, string[] Settings) Split(string[] args)
    {
        if (args.Length == 0 || !Known.Contains(args[0])) return (null, [], args);
        var commandArgs = new List<string>();
        var settings = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] is "--all" or "--dry-run") commandArgs.Add(args[i]);
            else if (args[i].StartsWith("--") && !args[i].Contains('=') && i + 1 < args.Length) { settings.Add(args[i]); settings.Add(args[++i]); }
            else if (args[i].StartsWith("--")) settings.Add(args[i]);
            else commandArgs.Add(args[i]);
        }
        return (args[0], commandArgs.ToArray(), settings.ToArray());
    }

    private static async Task<int> PrepareThenCreateAdminAsync(WebApplication app, string[] args)
    {
        await Infrastructure.Startup.PrepareAsync(app.Services, app.Configuration, app.Environment); // migrates a fresh database first
        return await CreateAdminAsync(app, args);
    }

    /// <summary>
    /// <c>create-admin &lt;userName&gt; [--display-name "…"]</c>: creates an Admin with a generated password, printed once
    /// (the Admin changes it after signing in). The way to the first admin of an installation without demo users; run on
    /// the server with the host's configuration. Exit code 0 when created, 1 when the name is taken or not valid.
    /// </summary>
    public static async Task<int> CreateAdminAsync(WebApplication app, string[] args)
    {
        if (args.Length != 1 || args[0].Length is < 2 or > 64 || !args[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            Console.Error.WriteLine("Usage: create-admin <userName>   (2 to 64 letters, digits, '.', '-' or '_')");
            return 1;
        }
        await using var scope = app.Services.CreateAsyncScope();
        var staff = scope.ServiceProvider.GetRequiredService<Identity.StaffUsers>();
        try
        {
            var password = Identity.StaffUsers.GeneratePassword();
            await staff.CreateAsync(new Identity.NewStaffUser(args[0], app.Configuration["display-name"] ?? "Administrator", [Infrastructure.Roles.Admin], password),
                actor: "create-admin (command line)");
            Console.WriteLine($"Created admin '{args[0]}'. One-time password: {password}");
            Console.WriteLine("Sign in and change it (账户 → 修改密码) before doing anything else.");
            return 0;
        }
        catch (Identity.AccountRequestException e)
        {
            Console.Error.WriteLine($"Not created: {e.Message}");
            return 1;
        }
    }

    /// <summary>Verifies the journal hash chain of the given instances (or all, with --all). Exit code 0 if every chain is intact, 2 otherwise.</summary>
    public static Task<int> RunAsync(string command, WebApplication app, string[] args) => command switch
    {
        "verify-journal" => VerifyJournalAsync(app, args),
        "checkpoint" => CheckpointAsync(app),
        "rotate-journal-key" => Task.FromResult(RotateKey(app)),
        "export-bundle" => ExportBundleAsync(app, args),
        "verify-bundle" => Task.FromResult(VerifyBundle(app, args)),
        "create-admin" => PrepareThenCreateAdminAsync(app, args),
        "migrate-instances" => MigrateInstancesAsync(app, args),
        "replay" => ReplayAsync(app, args),
        _ => Task.FromResult(64),
    };

    /// <summary>
    /// Verifies the journal chain of the given instances (or all, with --all) with the journal keys and the newest signed
    /// checkpoint; with --all, instances the checkpoint records but the database lost are reported too. Exit 0 if intact, 2 otherwise.
    /// </summary>
    public static async Task<int> VerifyJournalAsync(WebApplication app, string[] ids)
    {
        var verifier = app.Services.GetRequiredService<JournalVerifier>();
        var missing = new List<string>();
        if (ids.Length == 0 || ids is ["--all"])
        {
            var db = app.Services.GetRequiredService<Workflows.Persistence.DatabaseOptions>();
            await using var c = await db.OpenConnectionAsync();
            await using var cmd = c.CreateCommand();
            cmd.SetSql("SELECT Id FROM WorkflowInstances ORDER BY CreatedAt");
            var all = new List<string>();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) all.Add(r.GetString(0));
            ids = all.ToArray();
            missing.AddRange(await verifier.MissingInstancesAsync());
        }
        var broken = 0;
        foreach (var id in ids)
        {
            var result = await verifier.VerifyAsync(id);
            if (result.IsValid) Console.WriteLine($"OK      {id}  {result.EntryCount} entries");
            else
            {
                broken++;
                Console.WriteLine($"BROKEN  {id}  at entry {result.BrokenSequence}: {result.Reason}");
            }
        }
        foreach (var id in missing)
        {
            broken++;
            Console.WriteLine($"BROKEN  {id}  deleted: the newest signed checkpoint records this instance, the database no longer has it");
        }
        Console.WriteLine($"{ids.Length - broken + missing.Count} intact, {broken} broken");
        return broken == 0 ? 0 : 2;
    }

    /// <summary>
    /// <c>replay &lt;instanceId&gt;… | --all</c>: re-runs each case in memory from its recorded inputs on its recorded definition
    /// version, clock and data versions, and compares decision by decision with its journal (docs/audit-replay.md). Writes
    /// nothing. Exit 0 when every case is identical, 2 when one diverged or could not be replayed, 64 on bad usage.
    /// </summary>
    public static async Task<int> ReplayAsync(WebApplication app, string[] ids)
    {
        if (ids.Length == 0)
        {
            Console.Error.WriteLine("Usage: replay <instanceId>… | --all");
            return 64;
        }
        if (ids is ["--all"])
        {
            var db = app.Services.GetRequiredService<Workflows.Persistence.DatabaseOptions>();
            await using var c = await db.OpenConnectionAsync();
            await using var cmd = c.CreateCommand();
            cmd.SetSql("SELECT Id FROM WorkflowInstances ORDER BY CreatedAt, Id");
            var all = new List<string>();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) all.Add(r.GetString(0));
            ids = all.ToArray();
        }
        var replay = app.Services.GetRequiredService<Workflows.Domain.Replay.CaseReplay>();
        int identical = 0, diverged = 0, notReplayable = 0, missing = 0;
        foreach (var id in ids)
        {
            var report = await replay.ReplayAsync(id);
            switch (report?.Outcome)
            {
                case null:
                    missing++;
                    Console.WriteLine($"MISSING     {id}  no such instance");
                    break;
                case Workflows.Domain.Replay.ReplayOutcomes.Identical:
                    identical++;
                    Console.WriteLine($"IDENTICAL   {id}  {report.Steps} steps, {report.RecordedEntries} entries");
                    break;
                case Workflows.Domain.Replay.ReplayOutcomes.Diverged:
                    diverged++;
                    var d = report.Divergence!;
                    Console.WriteLine($"DIVERGED    {id}  at entry {d.Sequence} ({d.ActivityName ?? d.ActivityId ?? "workflow"}): {d.Field} expected {d.Expected ?? "(none)"}, replay {d.Actual ?? "(none)"}{(d.Reason is null ? "" : $" — {d.Reason}")}");
                    break;
                default:
                    notReplayable++;
                    Console.WriteLine($"UNREPLAYABLE {id}  {report.Problem}");
                    break;
            }
        }
        Console.WriteLine($"{identical} identical, {diverged} diverged, {notReplayable} not replayable, {missing} missing");
        return diverged + notReplayable + missing == 0 ? 0 : 2;
    }

    private static async Task<int> CheckpointAsync(WebApplication app)
    {
        var (path, cp) = await app.Services.GetRequiredService<CheckpointStore>().WriteAsync();
        Console.WriteLine($"checkpoint {path}: {cp.Heads.Count} chain heads, root {cp.Root}, signed by {cp.SigningKeyId}");
        return 0;
    }

    private static int RotateKey(WebApplication app)
    {
        var options = app.Services.GetRequiredService<EvidenceOptions>();
        _ = app.Services.GetRequiredService<EvidenceKeys>(); // creates the ring if there is none yet
        var id = EvidenceKeys.Rotate(options.KeyDirectory, app.Services.GetRequiredService<TimeProvider>());
        Console.WriteLine($"journal key {id} is now current; earlier keys stay in {Path.Combine(options.KeyDirectory, EvidenceKeys.JournalKeysFile)} for verification. Restart the host to sign with it.");
        return 0;
    }

    private static async Task<int> ExportBundleAsync(WebApplication app, string[] args)
    {
        if (args.Length != 1) { Console.Error.WriteLine("usage: export-bundle <instanceId> [--out file]"); return 64; }
        var file = await app.Services.GetRequiredService<Workflows.Web.Evidence.BundleExport>().ExportAsync(args[0], "command-line", CancellationToken.None);
        if (file is null) { Console.Error.WriteLine($"There is no instance {args[0]}."); return 1; }
        var path = app.Configuration["out"] ?? $"evidence-{args[0]}.bundle";
        await File.WriteAllBytesAsync(path, file);
        Console.WriteLine($"wrote {path} ({file.Length} bytes)");
        return 0;
    }

    /// <summary>Checks a bundle offline. Exit 0 if every check passes, 2 if one fails, 64 on bad usage.</summary>
    public static int VerifyBundle(WebApplication app, string[] args)
    {
        if (args.Length != 1 || !File.Exists(args[0])) { Console.Error.WriteLine("usage: verify-bundle <file> [--public-key evidence-signing.pub.pem] [--journal-keys dir]"); return 64; }
        var options = app.Services.GetRequiredService<EvidenceOptions>();
        var publicKeyPath = app.Configuration["public-key"] ?? Path.Combine(options.KeyDirectory, EvidenceKeys.PublicKeyFile);
        if (!File.Exists(publicKeyPath)) { Console.Error.WriteLine($"No trusted public key at {publicKeyPath}: pass --public-key <file>."); return 64; }
        var ring = EvidenceKeys.TryLoadRing(app.Configuration["journal-keys"] ?? options.KeyDirectory);
        var result = EvidenceBundle.Verify(File.ReadAllBytes(args[0]), File.ReadAllText(publicKeyPath), ring);
        foreach (var c in result.Checks) Console.WriteLine($"{(c.Passed ? "OK    " : "FAILED")}  {c.Name}: {c.Detail}");
        Console.WriteLine(result.IsValid ? $"VALID   evidence bundle of {result.InstanceId}" : $"INVALID evidence bundle {args[0]}");
        return result.IsValid ? 0 : 2;
    }

    /// <summary>
    /// <c>migrate-instances &lt;definitionId&gt; --from n --to m [--map a=b,c=d] [--batch 100] [--dry-run] [--actor name]</c>:
    /// the analysts' migration from the command line, against the host's database, safe while the host runs (each case moves
    /// in its own revision-checked step). The dry run prints one line per case; the run prints progress per batch and is
    /// journalled with the actor (default: the operating-system user, "command line"). Exit 0 when every case moved or
    /// was already moved, 3 when some were left as they were, 1 on a refused request, 64 on bad usage.
    /// </summary>
    public static async Task<int> MigrateInstancesAsync(WebApplication app, string[] args)
    {
        var positional = args.Where(a => a != "--dry-run").ToArray();
        var dryRun = args.Contains("--dry-run");
        var config = app.Configuration;
        if (positional.Length != 1 || !int.TryParse(config["from"], out var from) || !int.TryParse(config["to"], out var to))
        {
            Console.Error.WriteLine("usage: migrate-instances <definitionId> --from <version> --to <version> [--map a=b,c=d] [--batch 100] [--dry-run] [--actor name]");
            return 64;
        }
        Dictionary<string, string>? map = null;
        if (config["map"] is { Length: > 0 } mapText)
        {
            map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in mapText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    Console.Error.WriteLine($"--map: '{pair}' is not 'sourceActivityId=targetActivityId'.");
                    return 64;
                }
                map[parts[0]] = parts[1];
            }
        }
        int? batch = config["batch"] is { } b ? int.TryParse(b, out var n) ? n : -1 : null;
        var request = new Migration.MigrationRequest(positional[0], from, to, map, batch);
        await using var scope = app.Services.CreateAsyncScope();
        var migrations = scope.ServiceProvider.GetRequiredService<Migration.InstanceMigrations>();
        try
        {
            if (dryRun)
            {
                var report = await migrations.DryRunAsync(request);
                foreach (var p in report.Instances)
                {
                    var moves = string.Join(", ", p.Bookmarks.Select(m => m.ToActivityId is null
                        ? $"{m.FromActivityId} → ✗"
                        : $"{m.FromActivityId} → {m.ToActivityId}{(m.DueAt is { } d ? $" (due {Components.Display.Time(d)} kept)" : "")}"));
                    Console.WriteLine($"{p.State,-15} {p.InstanceId}  {moves}{(p.Problems.Count > 0 ? "  — " + string.Join("; ", p.Problems) : "")}");
                }
                Console.WriteLine($"{report.Total} waiting: {report.Mappable} can move, {report.Unmappable} cannot be mapped, {report.NotWaiting} not waiting, {report.AlreadyMigrated} already on v{report.ToVersion}");
                return report.Unmappable + report.NotWaiting == 0 ? 0 : 3;
            }
            var actor = new Workflows.Engine.Runtime.Actor(config["actor"] ?? $"{Environment.UserName} (command line)", Infrastructure.Roles.Analyst);
            var progress = new Migration.MigrationProgress();
            var run = migrations.RunAsync(request, actor, progress);
            while (await Task.WhenAny(run, Task.Delay(1000)) != run)
                Console.WriteLine($"{progress.Processed}/{progress.Total} processed · {progress.Migrated} moved · {progress.Unmappable} left");
            await run;
            foreach (var p in progress.Refused) Console.WriteLine($"LEFT    {p.InstanceId}  {string.Join("; ", p.Problems)}");
            Console.WriteLine($"{progress.Migrated} moved, {progress.Unmappable} cannot be mapped, {progress.Skipped} skipped, {progress.Retried} retried after a concurrent change, in {progress.Batches} batches");
            return progress.Unmappable == 0 ? 0 : 3;
        }
        catch (Migration.MigrationRequestException e)
        {
            Console.Error.WriteLine($"Refused ({e.Field}): {e.Message}");
            return 1;
        }
    }
}
