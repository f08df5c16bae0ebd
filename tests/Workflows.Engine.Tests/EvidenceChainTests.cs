using Workflows.Engine.Runtime;

namespace Workflows.Engine.Tests;

/// <summary>The keyed journal chain: schemes side by side, key rotation, the legacy seal, checkpoints, Merkle proofs.</summary>
public sealed class EvidenceChainTests
{
    private static readonly JournalKeyRing K1 = new("k1", new Dictionary<string, byte[]> { ["k1"] = Enumerable.Repeat((byte)7, 32).ToArray() });

    private static List<JournalEntry> Chain(int count, Func<long, JournalKeyRing> ringFor, string instanceId = "i", IReadOnlyList<JournalEntry>? start = null)
    {
        var entries = start?.ToList() ?? [];
        var prev = entries.Count == 0 ? JournalChain.GenesisHash : entries[^1].Hash;
        for (var i = entries.Count + 1; i <= count; i++)
        {
            var e = new JournalEntry
            {
                InstanceId = instanceId, Sequence = i, Timestamp = DateTimeOffset.UnixEpoch.AddSeconds(i), EventName = "Started", DefinitionVersionId = "v", Version = 1,
                ActorId = "u", ActorRole = "Specialist", PreviousHash = prev, Hash = "",
            };
            e = e with { Hash = JournalChain.ComputeHash(e, ringFor(i)) };
            entries.Add(e);
            prev = e.Hash;
        }
        return entries;
    }

    [Fact]
    public void Keyed_entries_verify_with_the_key_and_fail_with_another()
    {
        var entries = Chain(5, _ => K1);
        Assert.All(entries, e => Assert.StartsWith("h1:k1:", e.Hash));
        Assert.True(JournalChain.Verify("i", entries, 5, entries[^1].Hash, K1, null).IsValid);
        var other = new JournalKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = new byte[32] });
        var r = JournalChain.Verify("i", entries, 5, entries[^1].Hash, other, null);
        Assert.Equal(1, r.BrokenSequence);
        Assert.Contains("altered", r.Reason);
    }

    [Fact]
    public void After_rotation_old_and_new_keys_verify_in_one_chain_and_a_missing_key_is_named()
    {
        var ring2 = new JournalKeyRing("k2", new Dictionary<string, byte[]> { ["k1"] = K1.Key("k1")!, ["k2"] = Enumerable.Repeat((byte)9, 32).ToArray() });
        var entries = Chain(6, s => s <= 3 ? K1 : ring2);
        Assert.StartsWith("h1:k2:", entries[3].Hash);
        Assert.True(JournalChain.Verify("i", entries, 6, entries[^1].Hash, ring2, null).IsValid);
        var r = JournalChain.Verify("i", entries, 6, entries[^1].Hash, K1, null);
        Assert.Equal(4, r.BrokenSequence);
        Assert.Contains("'k2'", r.Reason);
    }

    [Fact]
    public void Legacy_sha256_entries_verify_only_up_to_their_seal_and_keyed_entries_continue_them()
    {
        var legacy = Chain(4, _ => JournalKeyRing.Unkeyed);
        Assert.Equal(64, legacy[0].Hash.Length);
        var sealedRing = new JournalKeyRing("k1", new Dictionary<string, byte[]> { ["k1"] = K1.Key("k1")! },
            new Dictionary<string, CheckpointHead> { ["i"] = new(4, legacy[^1].Hash, DateTimeOffset.UnixEpoch) });
        var continued = Chain(7, _ => K1, start: legacy);
        Assert.True(JournalChain.Verify("i", continued, 7, continued[^1].Hash, sealedRing, null).IsValid);

        // Not sealed: an unkeyed chain is a recomputation.
        var unsealed = JournalChain.Verify("i", legacy, 4, legacy[^1].Hash, K1, null);
        Assert.Equal(1, unsealed.BrokenSequence);
        Assert.Contains("recomputed without the key", unsealed.Reason);
        // Sealed, but unkeyed entries past the seal (or a rewritten sealed entry) are refused.
        var extended = Chain(6, _ => JournalKeyRing.Unkeyed, start: legacy);
        Assert.Equal(5, JournalChain.Verify("i", extended, 6, extended[^1].Hash, sealedRing, null).BrokenSequence);
        var rewritten = Chain(4, _ => JournalKeyRing.Unkeyed, start: legacy.Take(2).Select(e => e).ToList()
            .Select((e, n) => n == 1 ? e with { ActorId = "x", Hash = JournalChain.ComputeHash(e with { ActorId = "x" }) } : e).ToList());
        Assert.False(JournalChain.Verify("i", rewritten, 4, rewritten[^1].Hash, sealedRing, null).IsValid);
        // Cut below the seal.
        Assert.Contains("legacy seal", JournalChain.Verify("i", legacy.Take(3).ToList(), 3, legacy[2].Hash, sealedRing, null).Reason);
    }

    [Fact]
    public void A_checkpointed_head_catches_a_cut_tail_even_with_a_fixed_instance_row()
    {
        var entries = Chain(10, _ => K1);
        var head = new CheckpointHead(8, entries[7].Hash, DateTimeOffset.UnixEpoch);
        Assert.True(JournalChain.Verify("i", entries, 10, entries[^1].Hash, K1, head).IsValid);
        var cut = entries.Take(6).ToList();
        var r = JournalChain.Verify("i", cut, 6, cut[^1].Hash, K1, head);
        Assert.Equal(7, r.BrokenSequence);
        Assert.Contains("signed checkpoint", r.Reason);
    }

    [Fact]
    public void Merkle_proofs_hold_for_every_leaf_and_fail_for_a_changed_head()
    {
        foreach (var n in new[] { 1, 2, 3, 5, 8, 13 })
        {
            var leaves = Enumerable.Range(0, n).Select(i => Merkle.Leaf($"inst-{i}", i + 1, $"h{i}")).ToList();
            var root = Merkle.Root(leaves);
            for (var i = 0; i < n; i++)
            {
                var proof = Merkle.Proof(leaves, i);
                Assert.True(Merkle.VerifyProof(leaves[i], proof, root), $"leaf {i} of {n}");
                Assert.False(Merkle.VerifyProof(Merkle.Leaf($"inst-{i}", i + 1, "changed"), proof, root));
            }
        }
    }
}
