using System.Text.Json;
using Microsoft.Extensions.Logging;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Evidence;

/// <summary>One instance's chain head in a checkpoint.</summary>
public sealed record CheckpointLeaf(string InstanceId, long Sequence, string Hash);

/// <summary>
/// A signed checkpoint: the chain heads of all instances at one moment, their Merkle root, the root of the checkpoint
/// before it, and an ECDSA P-256 signature over <see cref="SignedText"/>. Written as one file that is never rewritten.
/// </summary>
public sealed record Checkpoint(string Format, DateTimeOffset CreatedAt, string? PreviousRoot, string Root, string SigningKeyId, string Signature,
    IReadOnlyList<CheckpointLeaf> Heads)
{
    public const string CurrentFormat = "workflows-checkpoint/1";

    public static string SignedTextOf(string format, DateTimeOffset createdAt, int count, string root, string? previousRoot) =>
        $"{format}\n{createdAt.UtcTicks}\n{count}\n{root}\n{previousRoot}";

    public string SignedText => SignedTextOf(Format, CreatedAt, Heads.Count, Root, PreviousRoot);

    public static IReadOnlyList<byte[]> LeavesOf(IReadOnlyList<CheckpointLeaf> heads) => heads.Select(h => Merkle.Leaf(h.InstanceId, h.Sequence, h.Hash)).ToList();

    /// <summary>Null if the checkpoint's root matches its heads and its signature the public key; otherwise what is wrong.</summary>
    public string? Problem(string publicKeyPem)
    {
        if (Format != CurrentFormat) return $"unknown checkpoint format '{Format}'";
        if (Merkle.Root(LeavesOf(Heads)) != Root) return "its heads do not give its Merkle root: the checkpoint file was edited";
        if (!EvidenceKeys.VerifySignature(publicKeyPem, SignedText, Signature)) return "its signature does not match the evidence signing key";
        return null;
    }

    /// <summary>The inclusion proof of one instance's head, for an evidence bundle.</summary>
    public CheckpointProof? ProofFor(string instanceId)
    {
        var index = -1;
        for (var i = 0; i < Heads.Count; i++) if (Heads[i].InstanceId == instanceId) { index = i; break; }
        if (index < 0) return null;
        return new CheckpointProof(Format, CreatedAt, PreviousRoot, Root, Heads.Count, SigningKeyId, Signature, Heads[index],
            Merkle.Proof(LeavesOf(Heads), index));
    }
}

/// <summary>What a bundle carries of a checkpoint: enough to check the signature and that the case's head is in the signed root.</summary>
public sealed record CheckpointProof(string Format, DateTimeOffset CreatedAt, string? PreviousRoot, string Root, int HeadCount, string SigningKeyId,
    string Signature, CheckpointLeaf Head, IReadOnlyList<Merkle.Step> Path)
{
    public string? Problem(string publicKeyPem)
    {
        if (!Merkle.VerifyProof(Merkle.Leaf(Head.InstanceId, Head.Sequence, Head.Hash), Path, Root)) return "the case's head is not in the checkpoint's Merkle root";
        if (!EvidenceKeys.VerifySignature(publicKeyPem, Checkpoint.SignedTextOf(Format, CreatedAt, HeadCount, Root, PreviousRoot), Signature))
            return "the checkpoint's signature does not match the evidence signing key";
        return null;
    }
}

/// <summary>
/// Writes and reads the signed checkpoints in <see cref="EvidenceOptions.CheckpointDirectory"/> (outside the database).
/// The checkpoint job calls <see cref="WriteAsync"/> periodically; verification reads the newest checkpoint.
/// </summary>
public sealed class CheckpointStore(EvidenceOptions options, EvidenceKeys keys, DatabaseOptions database, TimeProvider clock, ILogger<CheckpointStore> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };
    private (string File, DateTime Written, long Length, Checkpoint Checkpoint, string? Problem)? _cached;
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>Signs the current chain heads of all instances and writes them as a new checkpoint file. Returns its path.</summary>
    public async Task<(string Path, Checkpoint Checkpoint)> WriteAsync(CancellationToken ct = default)
    {
        await _writing.WaitAsync(ct);
        try
        {
            var heads = new List<CheckpointLeaf>();
            await using (var c = await database.OpenConnectionAsync(ct))
            await using (var cmd = c.CreateCommand())
            {
                cmd.SetSql("SELECT Id, JournalSequence, LastJournalHash FROM WorkflowInstances WHERE JournalSequence > 0 ORDER BY Id");
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct)) heads.Add(new CheckpointLeaf(r.GetString(0), r.GetInt64(1), r.GetString(2)));
            }
            heads.Sort((a, b) => string.CompareOrdinal(a.InstanceId, b.InstanceId));
            var previous = Latest();
            var now = clock.GetUtcNow();
            if (previous.Checkpoint is { } p && now <= p.CreatedAt) now = p.CreatedAt.AddTicks(1);
            var root = Merkle.Root(Checkpoint.LeavesOf(heads));
            // Nothing journaled since the last checkpoint: it still vouches for every head, so no new file is written.
            if (previous.Checkpoint is { } same && previous.Problem is null && same.Root == root && previous.File is { } sameFile) return (sameFile, same);
            var signed = Checkpoint.SignedTextOf(Checkpoint.CurrentFormat, now, heads.Count, root, previous.Checkpoint?.Root);
            var checkpoint = new Checkpoint(Checkpoint.CurrentFormat, now, previous.Checkpoint?.Root, root, keys.SigningKeyId, keys.Sign(signed), heads);
            Directory.CreateDirectory(options.CheckpointDirectory);
            var path = Path.Combine(options.CheckpointDirectory, $"checkpoint-{now.UtcDateTime:yyyyMMdd'T'HHmmssfffffff'Z'}.json");
            var tmp = path + ".tmp";
            await File.WriteAllTextAsync(tmp, JsonSerializer.Serialize(checkpoint, Json), ct);
            File.Move(tmp, path, overwrite: false); // a checkpoint file is never replaced
            var info = new FileInfo(path);
            _cached = (path, info.LastWriteTimeUtc, info.Length, checkpoint, null);
            logger.LogInformation("Evidence checkpoint {File}: {Count} chain heads, root {Root}", Path.GetFileName(path), heads.Count, root);
            return (path, checkpoint);
        }
        finally { _writing.Release(); }
    }

    /// <summary>The newest checkpoint file, with what is wrong with it (null if its root and signature hold).</summary>
    public (Checkpoint? Checkpoint, string? Problem, string? File) Latest()
    {
        if (!Directory.Exists(options.CheckpointDirectory)) return (null, null, null);
        var file = Directory.EnumerateFiles(options.CheckpointDirectory, "checkpoint-*.json").Max(StringComparer.Ordinal);
        if (file is null) return (null, null, null);
        var fi = new FileInfo(file);
        if (_cached is { } c && c.File == file && c.Written == fi.LastWriteTimeUtc && c.Length == fi.Length) return (c.Checkpoint, c.Problem, file);
        Checkpoint? cp;
        try { cp = JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(file), Json); }
        catch (JsonException) { cp = null; }
        var problem = cp is null ? "the checkpoint file cannot be read" : cp.Problem(keys.PublicKeyPem);
        cp ??= new Checkpoint("", DateTimeOffset.MinValue, null, "", "", "", []);
        _cached = (file, fi.LastWriteTimeUtc, fi.Length, cp, problem);
        return (cp, problem, file);
    }
}
