using System.Security.Cryptography;
using System.Text;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>
/// Computes and verifies the per-instance hash chain of journal entries. Two schemes, told apart by the stored hash:
/// <list type="bullet">
/// <item><b>v0</b> (earlier versions): 64 hex digits, SHA-256 over the entry's fields and the previous hash. Anyone with
/// the database can recompute it, so it is accepted only for entries sealed as legacy (<see cref="JournalKeyRing.Legacy"/>).</item>
/// <item><b>v1</b>: <c>h1:&lt;keyId&gt;:&lt;64 hex&gt;</c>, HMAC-SHA-256 over the same bytes with the key <c>keyId</c> of the
/// key ring, which is kept outside the database. Rotation adds a key; entries keep naming the key they were made with.</item>
/// </list>
/// </summary>
public static class JournalChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";
    public const string KeyedPrefix = "h1:";

    /// <summary>The v0 (unkeyed, plain SHA-256) hash of an entry, as earlier versions wrote it.</summary>
    public static string ComputeHash(JournalEntry e)
    {
        var bytes = Fields(e);
        var sha = Sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(bytes);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The hash of an entry under the ring's current key (v1), or v0 if the ring has no key.</summary>
    public static string ComputeHash(JournalEntry e, JournalKeyRing ring) =>
        ring.CurrentKeyId is { } id ? ComputeKeyedHash(e, id, ring.Key(id)!) : ComputeHash(e);

    private static string ComputeKeyedHash(JournalEntry e, string keyId, byte[] key)
    {
        var bytes = Fields(e);
        // One HMAC context per key and thread, reused: the key schedule is then paid once, not per entry.
        var contexts = Hmacs ??= new Dictionary<byte[], IncrementalHash>(ReferenceEqualityComparer.Instance);
        if (!contexts.TryGetValue(key, out var hmac)) contexts[key] = hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(bytes);
        Span<byte> digest = stackalloc byte[32];
        hmac.GetHashAndReset(digest);
        return string.Concat(KeyedPrefix, keyId, ":", Convert.ToHexStringLower(digest));
    }

    /// <summary>Which scheme a stored hash is in, and (v1) which key made it.</summary>
    public static (int Scheme, string? KeyId) SchemeOf(string hash)
    {
        if (hash.StartsWith(KeyedPrefix, StringComparison.Ordinal))
        {
            var end = hash.IndexOf(':', KeyedPrefix.Length);
            return end < 0 ? (-1, null) : (1, hash[KeyedPrefix.Length..end]);
        }
        return hash.Length == 64 ? (0, null) : (-1, null);
    }

    /// <summary>Fields are written length-prefixed (so no separator can be forged) into one buffer.</summary>
    private static ReadOnlySpan<byte> Fields(JournalEntry e)
    {
        var buffer = Buffer ??= new System.Buffers.ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        void F(string? s)
        {
            if (s is null)
            {
                Write(buffer, -1);
                return;
            }
            var bytes = Encoding.UTF8.GetByteCount(s);
            Write(buffer, bytes);
            Encoding.UTF8.GetBytes(s, buffer.GetSpan(bytes));
            buffer.Advance(bytes);
        }
        void N(long n)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(8), n);
            buffer.Advance(8);
        }
        F(e.PreviousHash);
        F(e.InstanceId);
        N(e.Sequence);
        N(e.Timestamp.UtcTicks);
        F(e.EventName);
        F(e.ActivityId);
        F(e.ActivityNodeId);
        F(e.ActivityType);
        F(e.ActivityName);
        F(e.ActivityInstanceId);
        F(e.BookmarkId);
        F(e.DefinitionVersionId);
        N(e.Version);
        F(e.ActorId);
        F(e.ActorRole);
        F(e.Message);
        F(e.Payload is null ? null : WorkflowJson.Canonical(e.Payload));
        return buffer.WrittenSpan;
    }

    // Per thread, reused: the hash context and the buffer are the costly parts of hashing a small entry.
    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? Buffer;
    [ThreadStatic] private static IncrementalHash? Sha;
    [ThreadStatic] private static Dictionary<byte[], IncrementalHash>? Hmacs;

    private static void Write(System.Buffers.ArrayBufferWriter<byte> buffer, int n)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), n);
        buffer.Advance(4);
    }

    /// <summary>Unkeyed verification (every entry v0), as before keys existed: engine tests and tools without a key ring.</summary>
    public static ChainVerification Verify(string instanceId, IReadOnlyList<JournalEntry> entries, long expectedLastSequence, string expectedLastHash) =>
        Verify(instanceId, entries, expectedLastSequence, expectedLastHash, JournalKeyRing.Unkeyed, null);

    /// <summary>
    /// Checks entries in sequence order: contiguous sequence numbers, each chained to the one before and hashing to its
    /// stored hash under its scheme; v0 entries only where the ring allows them (unkeyed ring, or sealed as legacy); the
    /// instance row's last entry; and, when a signed checkpoint recorded this instance's head, that the head is still there.
    /// </summary>
    public static ChainVerification Verify(string instanceId, IReadOnlyList<JournalEntry> entries, long expectedLastSequence, string expectedLastHash,
        JournalKeyRing ring, CheckpointHead? checkpointed)
    {
        var previous = GenesisHash;
        long expectedSeq = 1;
        var legacy = ring.LegacyHeadOf(instanceId);
        foreach (var e in entries)
        {
            if (e.Sequence != expectedSeq)
                return ChainVerification.Broken(instanceId, entries.Count, expectedSeq,
                    e.Sequence > expectedSeq ? $"Entry {expectedSeq} is missing (found {e.Sequence} next): entries were deleted." : $"Entry {e.Sequence} appears twice.");
            if (e.PreviousHash != previous)
                return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} does not chain to entry {e.Sequence - 1}: an earlier entry was changed or removed.");
            var (scheme, keyId) = SchemeOf(e.Hash);
            switch (scheme)
            {
                case 1:
                    if (ring.Key(keyId!) is not { } key)
                        return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} names journal key '{keyId}', which the key ring does not hold: it was not written by this system.");
                    if (ComputeKeyedHash(e, keyId!, key) != e.Hash)
                        return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} ({e.EventName}) was altered: its content no longer matches its hash.");
                    break;
                case 0:
                    if (ComputeHash(e) != e.Hash)
                        return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} ({e.EventName}) was altered: its content no longer matches its hash.");
                    if (ring.CurrentKeyId is not null)
                    {
                        if (legacy is not { } l || e.Sequence > l.Sequence)
                            return ChainVerification.Broken(instanceId, entries.Count, e.Sequence,
                                $"Entry {e.Sequence} ({e.EventName}) carries an unkeyed SHA-256 hash but was not sealed as a legacy entry when journal keys were introduced: the chain was recomputed without the key.");
                        if (e.Sequence == l.Sequence && e.Hash != l.Hash)
                            return ChainVerification.Broken(instanceId, entries.Count, e.Sequence,
                                $"Entry {e.Sequence} ({e.EventName}) differs from the legacy entry sealed when journal keys were introduced: the chain was recomputed.");
                    }
                    break;
                default:
                    return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} has a hash in no known scheme.");
            }
            previous = e.Hash;
            expectedSeq++;
        }
        if (legacy is { } seal && ring.CurrentKeyId is not null && seal.Sequence > entries.Count)
            return ChainVerification.Broken(instanceId, entries.Count, entries.Count + 1,
                $"The legacy seal records {seal.Sequence} entries but {entries.Count} were found: entries after {entries.Count} were deleted.");
        if (checkpointed is { } cp)
        {
            if (cp.Sequence > entries.Count)
                return ChainVerification.Broken(instanceId, entries.Count, entries.Count + 1,
                    $"The signed checkpoint of {cp.CheckpointAt:yyyy-MM-dd HH:mm} UTC records {cp.Sequence} entries but {entries.Count} were found: entries after {entries.Count} were deleted.");
            if (cp.Sequence > 0 && entries[(int)cp.Sequence - 1].Hash != cp.Hash)
                return ChainVerification.Broken(instanceId, entries.Count, cp.Sequence,
                    $"Entry {cp.Sequence} is not the entry the signed checkpoint of {cp.CheckpointAt:yyyy-MM-dd HH:mm} UTC recorded: the journal was rewritten.");
        }
        if (expectedLastSequence != entries.Count)
            return ChainVerification.Broken(instanceId, entries.Count, entries.Count + 1,
                $"The instance records {expectedLastSequence} journal entries but {entries.Count} were found: entries after {entries.Count} were deleted.");
        if (entries.Count > 0 && previous != expectedLastHash)
            return ChainVerification.Broken(instanceId, entries.Count, entries.Count, $"Entry {entries.Count} is not the last entry the instance recorded: it was replaced.");
        return new ChainVerification(instanceId, true, entries.Count, null, null) { CheckpointedSequence = checkpointed?.Sequence, CheckpointAt = checkpointed?.CheckpointAt };
    }
}

/// <summary>Result of verifying one instance's journal: valid, or the first broken entry and why.</summary>
public sealed record ChainVerification(string InstanceId, bool IsValid, int EntryCount, long? BrokenSequence, string? Reason)
{
    /// <summary>How many of the entries a signed checkpoint vouches for (null: not yet checkpointed).</summary>
    public long? CheckpointedSequence { get; init; }
    public DateTimeOffset? CheckpointAt { get; init; }

    public static ChainVerification Broken(string id, int count, long seq, string reason) => new(id, false, count, seq, reason);
}

/// <summary>An instance's chain head as a signed checkpoint recorded it.</summary>
public readonly record struct CheckpointHead(long Sequence, string Hash, DateTimeOffset CheckpointAt);

/// <summary>
/// The journal's HMAC keys (id → secret; the current one signs new entries) and the legacy seal: the head of every chain
/// that existed, unkeyed, when keys were introduced. Loaded from outside the database (see docs/operations.md, "Evidence").
/// </summary>
public sealed class JournalKeyRing(string? currentKeyId, IReadOnlyDictionary<string, byte[]> keys, IReadOnlyDictionary<string, CheckpointHead>? legacy = null)
{
    /// <summary>No keys: entries are plain SHA-256 (v0) and v0 is always accepted. For engine tests and tools.</summary>
    public static JournalKeyRing Unkeyed { get; } = new(null, new Dictionary<string, byte[]>());

    public string? CurrentKeyId { get; } = currentKeyId;
    public IReadOnlyCollection<string> KeyIds => keys.Keys.ToArray();
    public byte[]? Key(string id) => keys.GetValueOrDefault(id);
    public IReadOnlyDictionary<string, CheckpointHead> Legacy { get; } = legacy ?? new Dictionary<string, CheckpointHead>();
    public CheckpointHead? LegacyHeadOf(string instanceId) => Legacy.TryGetValue(instanceId, out var h) ? h : null;
}
