using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Evidence;

/// <summary>The case an evidence bundle is about, as the instance row recorded it.</summary>
public sealed record BundleInstance(string Id, string DefinitionId, string DefinitionVersionId, int Version, string Status, string SubStatus,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? FinishedAt, long JournalSequence, string LastJournalHash);

/// <summary>One access-trail row about the case: who looked at or acted on it, when, with what result.</summary>
public sealed record BundleAccess(DateTimeOffset At, string UserName, string Roles, string Method, string Path, int StatusCode);

public sealed record BundleHold(string Id, string SubjectKind, string SubjectId, string Reason, string PlacedBy, DateTimeOffset PlacedAt,
    string? ReleasedBy, DateTimeOffset? ReleasedAt);

/// <summary>
/// Everything an auditor hands over about one case: the definition version it ran on, the journal with its hashes, the
/// verification result at export, the replay result (when replay exists), the case's access trail and legal holds, and
/// the proof that the case's chain head is in a signed checkpoint.
/// </summary>
public sealed record EvidenceBundleContent(
    string Format,
    DateTimeOffset ExportedAt,
    string ExportedBy,
    BundleInstance Instance,
    JsonObject? Definition,
    IReadOnlyList<JournalEntry> Journal,
    ChainVerification Verification,
    string? Replay,
    IReadOnlyList<BundleAccess> AccessTrail,
    IReadOnlyList<BundleHold> LegalHolds,
    CheckpointProof? Checkpoint)
{
    public const string CurrentFormat = "workflows-evidence-bundle/1";
}

/// <summary>
/// The signed file: line 1 is a header <c>{"format":…,"signingKeyId":…,"signature":…}</c>, the rest is the content JSON,
/// byte for byte as signed (ECDSA P-256 / SHA-256 over those bytes). One changed byte anywhere fails verification.
/// </summary>
public static class EvidenceBundle
{
    public static readonly JsonSerializerOptions Json = new(WorkflowJson.Options) { WriteIndented = true };

    private sealed record Header(string Format, string SigningKeyId, string Signature);

    public static byte[] Write(EvidenceBundleContent content, EvidenceKeys keys)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(content, Json);
        var header = JsonSerializer.Serialize(new Header(EvidenceBundleContent.CurrentFormat, keys.SigningKeyId, keys.Sign(body)), WorkflowJson.Options);
        var file = new byte[Encoding.UTF8.GetByteCount(header) + 1 + body.Length];
        var n = Encoding.UTF8.GetBytes(header, file);
        file[n] = (byte)'\n';
        body.CopyTo(file, n + 1);
        return file;
    }

    /// <summary>One check and its outcome, as the verifier prints it.</summary>
    public sealed record Check(string Name, bool Passed, string Detail);

    public sealed record Result(bool IsValid, string? InstanceId, IReadOnlyList<Check> Checks);

    /// <summary>
    /// Checks a bundle offline: its signature against the trusted public key; the journal chain (sequence, links, the
    /// instance's last entry; the HMACs too when <paramref name="journalKeys"/> is given); the checkpoint proof (the case's head
    /// is in the signed Merkle root, and is an entry of the journal); and that the recorded verification was intact.
    /// </summary>
    public static Result Verify(ReadOnlySpan<byte> file, string trustedPublicKeyPem, JournalKeyRing? journalKeys = null)
    {
        var checks = new List<Check>();
        var newline = file.IndexOf((byte)'\n');
        if (newline < 0) return new(false, null, [new Check("format", false, "not an evidence bundle (no header line)")]);
        Header? header;
        try { header = JsonSerializer.Deserialize<Header>(file[..newline], WorkflowJson.Options); }
        catch (JsonException) { header = null; }
        if (header is null || header.Format != EvidenceBundleContent.CurrentFormat)
            return new(false, null, [new Check("format", false, "the header is not a workflows evidence bundle header")]);
        var body = file[(newline + 1)..];
        var trustedId = EvidenceKeys.KeyIdOf(trustedPublicKeyPem);
        var signed = header.SigningKeyId == trustedId && EvidenceKeys.VerifySignature(trustedPublicKeyPem, body, header.Signature);
        checks.Add(new("signature", signed, signed ? $"signed by evidence key {trustedId}"
            : header.SigningKeyId != trustedId ? $"signed by key {header.SigningKeyId}, not the trusted key {trustedId}" : "the signature does not match the content: the file was changed"));
        EvidenceBundleContent? content;
        try { content = JsonSerializer.Deserialize<EvidenceBundleContent>(body, Json); }
        catch (JsonException e) { return new(false, null, [.. checks, new Check("content", false, $"the content cannot be read: {e.Message}")]); }
        if (content is null || content.Format != EvidenceBundleContent.CurrentFormat || content.Instance is null || content.Journal is null || content.Verification is null)
            return new(false, null, [.. checks, new Check("content", false, "unknown content format")]);

        try
        {
            CheckContent(content, checks, trustedPublicKeyPem, journalKeys);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException)
        {
            checks.Add(new Check("content", false, $"the content is malformed: {e.Message}"));
        }
        return new(checks.All(c => c.Passed), content.Instance?.Id, checks);
    }

    private static void CheckContent(EvidenceBundleContent content, List<Check> checks, string trustedPublicKeyPem, JournalKeyRing? journalKeys)
    {
        var ring = journalKeys ?? JournalKeyRing.Unkeyed;
        var chain = journalKeys is not null
            ? JournalChain.Verify(content.Instance.Id, content.Journal, content.Instance.JournalSequence, content.Instance.LastJournalHash, ring, null)
            : VerifyLinks(content);
        checks.Add(new("journal", chain.IsValid, chain.IsValid
            ? $"{chain.EntryCount} entries, contiguous and chained{(journalKeys is null ? " (HMACs not recomputed: no journal key given)" : ", every HMAC recomputed")}"
            : $"entry {chain.BrokenSequence}: {chain.Reason}"));

        if (content.Checkpoint is { } cp)
        {
            var problem = cp.Problem(trustedPublicKeyPem);
            if (problem is null && cp.Head.InstanceId != content.Instance.Id) problem = "the checkpoint proof is for another case";
            if (problem is null && (cp.Head.Sequence > content.Journal.Count || cp.Head.Sequence < 1 || content.Journal[(int)cp.Head.Sequence - 1].Hash != cp.Head.Hash))
                problem = $"entry {cp.Head.Sequence} of the journal is not the head the checkpoint signed";
            checks.Add(new("checkpoint", problem is null, problem ?? $"head at entry {cp.Head.Sequence} is in the checkpoint of {cp.CreatedAt:yyyy-MM-dd HH:mm} UTC (root {cp.Root})"));
        }
        else checks.Add(new("checkpoint", true, "no checkpoint yet covered this case at export (its entries are vouched for by the bundle signature only)"));

        checks.Add(new("recorded verification", content.Verification.IsValid,
            content.Verification.IsValid ? "the host found the chain intact at export" : $"the host found the chain broken at export: {content.Verification.Reason}"));
    }

    /// <summary>Without the journal key: contiguous sequence numbers, each entry naming the previous one's hash, the last one the instance's.</summary>
    private static ChainVerification VerifyLinks(EvidenceBundleContent content)
    {
        var previous = JournalChain.GenesisHash;
        long expected = 1;
        var id = content.Instance.Id;
        foreach (var e in content.Journal)
        {
            if (e.Sequence != expected) return ChainVerification.Broken(id, content.Journal.Count, expected, $"Entry {expected} is missing.");
            if (e.PreviousHash != previous || e.InstanceId != id) return ChainVerification.Broken(id, content.Journal.Count, e.Sequence, $"Entry {e.Sequence} does not chain to entry {e.Sequence - 1}.");
            previous = e.Hash;
            expected++;
        }
        if (content.Instance.JournalSequence != content.Journal.Count || (content.Journal.Count > 0 && previous != content.Instance.LastJournalHash))
            return ChainVerification.Broken(id, content.Journal.Count, content.Journal.Count, "The journal does not end at the instance's last entry.");
        return new ChainVerification(id, true, content.Journal.Count, null, null);
    }
}
