using System.Security.Cryptography;
using System.Text;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>Computes and verifies the per-instance hash chain of journal entries (SHA-256 over the entry's fields and the previous hash).</summary>
public static class JournalChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string ComputeHash(JournalEntry e)
    {
        // Fields are written length-prefixed (so no separator can be forged) into one buffer and hashed once.
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
        var sha = Sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(buffer.WrittenSpan);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    // Per thread, reused: the hash context and the buffer are the costly parts of hashing a small entry.
    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? Buffer;
    [ThreadStatic] private static IncrementalHash? Sha;

    private static void Write(System.Buffers.ArrayBufferWriter<byte> buffer, int n)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), n);
        buffer.Advance(4);
    }

    /// <summary>Checks entries in sequence order: contiguous sequence numbers, each chained to the one before and hashing to its stored hash.</summary>
    public static ChainVerification Verify(string instanceId, IReadOnlyList<JournalEntry> entries, long expectedLastSequence, string expectedLastHash)
    {
        var previous = GenesisHash;
        long expectedSeq = 1;
        foreach (var e in entries)
        {
            if (e.Sequence != expectedSeq)
                return ChainVerification.Broken(instanceId, entries.Count, expectedSeq,
                    e.Sequence > expectedSeq ? $"Entry {expectedSeq} is missing (found {e.Sequence} next): entries were deleted." : $"Entry {e.Sequence} appears twice.");
            if (e.PreviousHash != previous)
                return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} does not chain to entry {e.Sequence - 1}: an earlier entry was changed or removed.");
            if (ComputeHash(e) != e.Hash)
                return ChainVerification.Broken(instanceId, entries.Count, e.Sequence, $"Entry {e.Sequence} ({e.EventName}) was altered: its content no longer matches its hash.");
            previous = e.Hash;
            expectedSeq++;
        }
        if (expectedLastSequence != entries.Count)
            return ChainVerification.Broken(instanceId, entries.Count, entries.Count + 1,
                $"The instance records {expectedLastSequence} journal entries but {entries.Count} were found: entries after {entries.Count} were deleted.");
        if (entries.Count > 0 && previous != expectedLastHash)
            return ChainVerification.Broken(instanceId, entries.Count, entries.Count, $"Entry {entries.Count} is not the last entry the instance recorded: it was replaced.");
        return new ChainVerification(instanceId, true, entries.Count, null, null);
    }
}

/// <summary>Result of verifying one instance's journal: valid, or the first broken entry and why.</summary>
public sealed record ChainVerification(string InstanceId, bool IsValid, int EntryCount, long? BrokenSequence, string? Reason)
{
    public static ChainVerification Broken(string id, int count, long seq, string reason) => new(id, false, count, seq, reason);
}
