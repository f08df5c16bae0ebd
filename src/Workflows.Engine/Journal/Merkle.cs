using System.Security.Cryptography;
using System.Text;

namespace Workflows.Engine.Runtime;

/// <summary>
/// The Merkle tree over chain heads that a checkpoint signs. Leaves are SHA-256(0x00 ‖ len-prefixed instance id ‖ sequence ‖
/// len-prefixed head hash), inner nodes SHA-256(0x01 ‖ left ‖ right); an odd node at the end of a level moves up unchanged.
/// A proof is the list of siblings from the leaf to the root, each with its side.
/// </summary>
public static class Merkle
{
    public sealed record Step(string Sibling, bool SiblingIsLeft);

    public static byte[] Leaf(string instanceId, long sequence, string head)
    {
        using var ms = new MemoryStream();
        ms.WriteByte(0);
        WriteString(ms, instanceId);
        Span<byte> n = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(n, sequence);
        ms.Write(n);
        WriteString(ms, head);
        return SHA256.HashData(ms.ToArray());
    }

    private static void WriteString(Stream s, string v)
    {
        var bytes = Encoding.UTF8.GetBytes(v);
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
        s.Write(len);
        s.Write(bytes);
    }

    private static byte[] Node(byte[] left, byte[] right)
    {
        Span<byte> buf = stackalloc byte[65];
        buf[0] = 1;
        left.CopyTo(buf[1..]);
        right.CopyTo(buf[33..]);
        return SHA256.HashData(buf);
    }

    /// <summary>The root of the leaves (in the given order); the root of no leaves is SHA-256 of nothing.</summary>
    public static string Root(IReadOnlyList<byte[]> leaves)
    {
        if (leaves.Count == 0) return Convert.ToHexStringLower(SHA256.HashData([]));
        var level = leaves.ToList();
        while (level.Count > 1)
        {
            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
                next.Add(i + 1 < level.Count ? Node(level[i], level[i + 1]) : level[i]);
            level = next;
        }
        return Convert.ToHexStringLower(level[0]);
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/>.</summary>
    public static IReadOnlyList<Step> Proof(IReadOnlyList<byte[]> leaves, int index)
    {
        var steps = new List<Step>();
        var level = leaves.ToList();
        while (level.Count > 1)
        {
            var sibling = index % 2 == 0 ? index + 1 : index - 1;
            if (sibling < level.Count) steps.Add(new Step(Convert.ToHexStringLower(level[sibling]), sibling < index));
            var next = new List<byte[]>((level.Count + 1) / 2);
            for (var i = 0; i < level.Count; i += 2)
                next.Add(i + 1 < level.Count ? Node(level[i], level[i + 1]) : level[i]);
            level = next;
            index /= 2;
        }
        return steps;
    }

    /// <summary>Whether the leaf, combined with the proof's siblings, gives the root.</summary>
    public static bool VerifyProof(byte[] leaf, IReadOnlyList<Step> proof, string root)
    {
        var h = leaf;
        foreach (var s in proof)
        {
            var sibling = Convert.FromHexString(s.Sibling);
            h = s.SiblingIsLeft ? Node(sibling, h) : Node(h, sibling);
        }
        return Convert.ToHexStringLower(h) == root;
    }
}
