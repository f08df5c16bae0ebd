using System.Security.Cryptography;
using System.Text;

namespace Workflows.Web.Identity;

/// <summary>
/// HMAC-SHA256 under the installation's secret key: how a member identity is matched to an ID number (never stored in
/// plain) and how one-time codes are stored. The key is "Identity:HashKey" (base64, 32 bytes) or, when that is not set,
/// a random key created once in the data folder's keys/ directory (keys/identity-hash.key) beside the Data Protection keys.
/// </summary>
public sealed class KeyedHasher
{
    private readonly byte[] _key;

    public KeyedHasher(byte[] key)
    {
        if (key.Length < 32) throw new ArgumentException("The identity hash key must have at least 32 bytes.");
        _key = key;
    }

    public static KeyedHasher FromSettings(Infrastructure.IdentitySettings settings, string dataDirectory)
    {
        if (settings.HashKey is { Length: > 0 } configured) return new KeyedHasher(Convert.FromBase64String(configured));
        return new KeyedHasher(Infrastructure.SecretFile.LoadOrCreate(Path.Combine(dataDirectory, "keys", "identity-hash.key"), 32));
    }

    /// <summary>The ID number as the feed and members type it: trimmed, upper-case check character (x → X).</summary>
    public static string NormaliseIdNumber(string idNumber) => idNumber.Trim().ToUpperInvariant();

    public string HashIdNumber(string idNumber) => Hash("id:" + NormaliseIdNumber(idNumber));

    public string HashCode(string codeId, string code) => Hash($"code:{codeId}:{code.Trim()}");

    private string Hash(string value) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(value)));
}
