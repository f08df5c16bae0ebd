using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Evidence;

/// <summary>Where evidence keys and checkpoints live: both outside the database (see docs/operations.md, "Evidence").</summary>
public sealed record EvidenceOptions
{
    /// <summary>The journal HMAC keys, the legacy seal and the signing key pair. Default: &lt;DataDirectory&gt;/evidence-keys.</summary>
    public required string KeyDirectory { get; init; }
    /// <summary>Signed checkpoints, one file each, never rewritten: the directory to ship to WORM storage.</summary>
    public required string CheckpointDirectory { get; init; }
    /// <summary>How often the checkpoint job signs the chain heads of all instances.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// The key material behind the evidence, kept in files outside the database:
/// <c>journal-keys.json</c> (HMAC keys of the journal chain, the current one and every earlier one),
/// <c>legacy-seal.json</c> (the heads of the unkeyed chains that existed when keys were introduced),
/// <c>evidence-signing.pem</c> / <c>evidence-signing.pub.pem</c> (ECDSA P-256: signs checkpoints and evidence bundles;
/// the public half is what an offline verifier trusts).
/// Created on first start; a database without the key directory cannot forge an entry, a checkpoint or a bundle.
/// </summary>
public sealed class EvidenceKeys
{
    public const string JournalKeysFile = "journal-keys.json";
    public const string LegacySealFile = "legacy-seal.json";
    public const string SigningKeyFile = "evidence-signing.pem";
    public const string PublicKeyFile = "evidence-signing.pub.pem";

    private readonly ECDsa _signer;

    private EvidenceKeys(JournalKeyRing ring, ECDsa signer, string publicKeyPem)
    {
        Ring = ring;
        _signer = signer;
        PublicKeyPem = publicKeyPem;
        SigningKeyId = KeyIdOf(publicKeyPem);
    }

    public JournalKeyRing Ring { get; }
    public string PublicKeyPem { get; }
    /// <summary>The first 16 hex digits of SHA-256 over the public key: printed by verifiers so people can compare it.</summary>
    public string SigningKeyId { get; }

    public string Sign(string text) => Convert.ToBase64String(_signer.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256));
    public string Sign(ReadOnlySpan<byte> data) => Convert.ToBase64String(_signer.SignData(data, HashAlgorithmName.SHA256));

    public static string KeyIdOf(string publicKeyPem)
    {
        using var k = ECDsa.Create();
        k.ImportFromPem(publicKeyPem);
        return Convert.ToHexStringLower(SHA256.HashData(k.ExportSubjectPublicKeyInfo()))[..16];
    }

    public static bool VerifySignature(string publicKeyPem, ReadOnlySpan<byte> data, string signatureBase64)
    {
        try
        {
            using var k = ECDsa.Create();
            k.ImportFromPem(publicKeyPem);
            return k.VerifyData(data, Convert.FromBase64String(signatureBase64), HashAlgorithmName.SHA256);
        }
        catch (FormatException) { return false; }
        catch (CryptographicException) { return false; }
    }

    public static bool VerifySignature(string publicKeyPem, string text, string signatureBase64) =>
        VerifySignature(publicKeyPem, Encoding.UTF8.GetBytes(text), signatureBase64);

    private sealed record KeyFile(string Current, List<KeyEntry> Keys);
    private sealed record KeyEntry(string Id, DateTimeOffset CreatedAt, string Secret);
    private sealed record SealFile(DateTimeOffset SealedAt, List<SealEntry> Heads);
    private sealed record SealEntry(string InstanceId, long Sequence, string Hash);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Loads the keys, creating what is missing. When the journal keys are created and the database already holds
    /// unkeyed chains, their heads are sealed first (<paramref name="existingHeads"/>): those entries stay verifiable as
    /// v0, and nothing unkeyed after them is accepted.
    /// </summary>
    public static EvidenceKeys LoadOrCreate(string keyDirectory, Func<IReadOnlyList<(string InstanceId, long Sequence, string Hash)>> existingHeads, TimeProvider clock)
    {
        Directory.CreateDirectory(keyDirectory);
        var keysPath = Path.Combine(keyDirectory, JournalKeysFile);
        var sealPath = Path.Combine(keyDirectory, LegacySealFile);
        if (!File.Exists(keysPath))
        {
            if (!File.Exists(sealPath))
            {
                var heads = existingHeads().Where(h => h.Sequence > 0).Select(h => new SealEntry(h.InstanceId, h.Sequence, h.Hash)).ToList();
                WriteSecret(sealPath, JsonSerializer.Serialize(new SealFile(clock.GetUtcNow(), heads), Json));
            }
            WriteSecret(keysPath, JsonSerializer.Serialize(new KeyFile("k1", [new KeyEntry("k1", clock.GetUtcNow(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))]), Json));
        }
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(keysPath), Json)
                   ?? throw new InvalidOperationException($"{keysPath} is empty.");
        if (file.Keys.All(k => k.Id != file.Current)) throw new InvalidOperationException($"{keysPath}: the current key '{file.Current}' is not in the file.");
        var seal = File.Exists(sealPath) ? JsonSerializer.Deserialize<SealFile>(File.ReadAllText(sealPath), Json) : null;
        var ring = new JournalKeyRing(file.Current, file.Keys.ToDictionary(k => k.Id, k => Convert.FromBase64String(k.Secret)),
            seal?.Heads.ToDictionary(h => h.InstanceId, h => new CheckpointHead(h.Sequence, h.Hash, seal.SealedAt)));

        var privatePath = Path.Combine(keyDirectory, SigningKeyFile);
        var publicPath = Path.Combine(keyDirectory, PublicKeyFile);
        var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(privatePath)) signer.ImportFromPem(File.ReadAllText(privatePath));
        else
        {
            WriteSecret(privatePath, signer.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(publicPath, signer.ExportSubjectPublicKeyInfoPem());
        }
        if (!File.Exists(publicPath)) File.WriteAllText(publicPath, signer.ExportSubjectPublicKeyInfoPem());
        return new EvidenceKeys(ring, signer, signer.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>The journal key ring in a key directory, without creating anything (offline verifiers); null if there is none.</summary>
    public static JournalKeyRing? TryLoadRing(string keyDirectory)
    {
        var keysPath = Path.Combine(keyDirectory, JournalKeysFile);
        if (!File.Exists(keysPath)) return null;
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(keysPath), Json)!;
        var sealPath = Path.Combine(keyDirectory, LegacySealFile);
        var seal = File.Exists(sealPath) ? JsonSerializer.Deserialize<SealFile>(File.ReadAllText(sealPath), Json) : null;
        return new JournalKeyRing(file.Current, file.Keys.ToDictionary(k => k.Id, k => Convert.FromBase64String(k.Secret)),
            seal?.Heads.ToDictionary(h => h.InstanceId, h => new CheckpointHead(h.Sequence, h.Hash, seal.SealedAt)));
    }

    /// <summary>Adds a new journal key and makes it current; earlier keys stay, so every entry still verifies. Returns the new key id.</summary>
    public static string Rotate(string keyDirectory, TimeProvider clock)
    {
        var keysPath = Path.Combine(keyDirectory, JournalKeysFile);
        var file = JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(keysPath), Json)!;
        var next = 1 + file.Keys.Select(k => int.TryParse(k.Id.TrimStart('k'), out var n) ? n : 0).DefaultIfEmpty(0).Max();
        var id = $"k{next}";
        file.Keys.Add(new KeyEntry(id, clock.GetUtcNow(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        WriteSecret(keysPath + ".tmp", JsonSerializer.Serialize(file with { Current = id }, Json));
        File.Move(keysPath + ".tmp", keysPath, overwrite: true);
        return id;
    }

    private static void WriteSecret(string path, string content)
    {
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            f.Write(Encoding.UTF8.GetBytes(content));
        }
    }
}
