using System.Security.Cryptography;

namespace Workflows.Domain.Catalogue;

/// <summary>
/// The version of a data file shipped with the code (the service catalogue, the business calendar): a digest of its
/// bytes, so the same content is the same version on every machine and any edit is a new one.
/// </summary>
public static class ContentVersion
{
    public static string Of(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content))[..16];

    public static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
