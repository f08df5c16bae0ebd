using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// The key-encryption key of the data-protection key ring. The key ring holds the keys that protect cookies, bearer tokens
/// and every personal value at rest; on PostgreSQL it lives in the database, so without this a database dump would carry
/// the keys to its own ciphertext. Each key's secret is sealed with AES-256-GCM under this key, which never enters the
/// database: "DataProtection:KeyRingKey" (base64, 32 bytes, from a secret store, the same on every node) or, when that is
/// not set, a random key created once in {DataDirectory}/keys/key-ring.key.
/// </summary>
public sealed class KeyRingKey
{
    public const string FileName = "key-ring.key";
    private readonly byte[] _secret;

    public KeyRingKey(byte[] secret)
    {
        if (secret.Length != 32) throw new ArgumentException("The key-ring key must have 32 bytes.");
        _secret = secret;
        Id = Convert.ToHexStringLower(SHA256.HashData([.. "key-ring-key:"u8, .. secret]))[..12];
    }

    /// <summary>A fingerprint of the key (not the key): written beside each sealed secret so a node with another key says so.</summary>
    public string Id { get; }

    public static KeyRingKey FromSettings(DataProtectionSettings settings, string dataDirectory)
    {
        if (settings.KeyRingKey is { Length: > 0 } configured) return new KeyRingKey(Convert.FromBase64String(configured));
        return new KeyRingKey(SecretFile.LoadOrCreate(Path.Combine(dataDirectory, "keys", FileName), 32));
    }

    internal const string Element = "keyRingSealed";
    internal const string KeyIdAttribute = "keyRingKey";

    internal XElement Seal(XElement secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var cipher = new byte[plain.Length];
        using (var aes = new AesGcm(_secret, tag.Length)) aes.Encrypt(nonce, plain, cipher, tag, Encoding.ASCII.GetBytes(Id));
        CryptographicOperations.ZeroMemory(plain);
        return new XElement(Element, new XAttribute(KeyIdAttribute, Id), new XAttribute("alg", "A256GCM"),
            new XElement("nonce", Convert.ToBase64String(nonce)), new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(cipher)));
    }

    internal XElement Open(XElement sealedSecret)
    {
        var sealedWith = (string?)sealedSecret.Attribute(KeyIdAttribute);
        if (sealedWith != Id) throw new CryptographicException(Mismatch(sealedWith));
        var nonce = Convert.FromBase64String((string)sealedSecret.Element("nonce")!);
        var tag = Convert.FromBase64String((string)sealedSecret.Element("tag")!);
        var cipher = Convert.FromBase64String((string)sealedSecret.Element("value")!);
        var plain = new byte[cipher.Length];
        using (var aes = new AesGcm(_secret, tag.Length)) aes.Decrypt(nonce, cipher, tag, plain, Encoding.ASCII.GetBytes(Id));
        try { return XElement.Parse(Encoding.UTF8.GetString(plain)); }
        finally { CryptographicOperations.ZeroMemory(plain); }
    }

    internal string Mismatch(string? sealedWith) =>
        $"The data-protection key ring was sealed with key-ring key {sealedWith ?? "(none)"}, but this node has key-ring key {Id}. " +
        "Give every node the same DataProtection:KeyRingKey (docs/operations.md, \"Each node needs\"); a node that made its own " +
        "cannot read tokens or personal data protected by the others.";

    /// <summary>
    /// Before a node serves anything: every sealed key in the ring (<paramref name="keyXml"/>: the stored key documents)
    /// must be sealed with this node's key-ring key. A node started with another key stops here with the reason, instead
    /// of making a key ring of its own beside the shared one.
    /// </summary>
    public void CheckRing(IEnumerable<string> keyXml)
    {
        foreach (var xml in keyXml)
        {
            foreach (var sealedSecret in XElement.Parse(xml).Descendants(Element))
            {
                var sealedWith = (string?)sealedSecret.Attribute(KeyIdAttribute);
                if (sealedWith != Id) throw new InvalidOperationException(Mismatch(sealedWith));
            }
        }
    }
}

/// <summary>Seals each new key of the ring with the <see cref="KeyRingKey"/> before it is stored.</summary>
public sealed class KeyRingXmlEncryptor(KeyRingKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) => new(key.Seal(plaintextElement), typeof(KeyRingXmlDecryptor));
}

/// <summary>Opens a sealed key of the ring (created by the data-protection system with the host's services).</summary>
public sealed class KeyRingXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => services.GetRequiredService<KeyRingKey>().Open(encryptedElement);
}
