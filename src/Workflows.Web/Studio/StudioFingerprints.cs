using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.FileProviders;

namespace Workflows.Web.Studio;

/// <summary>
/// Content fingerprints of Studio's files (the first 16 hex digits of their SHA-256), computed once per file version, and
/// the host page with every local file it links fingerprinted (<c>src="x.js?v=…"</c>), so the browser may cache those for
/// good and a changed file gets a new URL.
/// </summary>
public sealed partial class StudioFingerprints(IFileProvider files)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset Modified, long Length, string Hash)> _hashes = new(StringComparer.Ordinal);
    private (DateTimeOffset Modified, string Html)? _page;

    /// <summary>The fingerprint of the file at <paramref name="path"/> (e.g. <c>/studio-host.js</c>), or null if there is none.</summary>
    public string? Of(string path)
    {
        var file = files.GetFileInfo(path);
        if (!file.Exists || file.IsDirectory) return null;
        if (_hashes.TryGetValue(path, out var known) && known.Modified == file.LastModified && known.Length == file.Length) return known.Hash;
        using var stream = file.CreateReadStream();
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream))[..16];
        _hashes[path] = (file.LastModified, file.Length, hash);
        return hash;
    }

    /// <summary>The host page (<c>index.html</c>) with each relative <c>href</c>/<c>src</c> given its file's fingerprint.</summary>
    public string HostPage()
    {
        var file = files.GetFileInfo("/index.html");
        if (_page is { } page && page.Modified == file.LastModified) return page.Html;
        string html;
        using (var reader = new StreamReader(file.CreateReadStream())) html = reader.ReadToEnd();
        html = LocalLink().Replace(html, m => Of("/" + m.Groups["path"].Value) is { } hash ? $"{m.Groups["attr"].Value}=\"{m.Groups["path"].Value}?v={hash}\"" : m.Value);
        _page = (file.LastModified, html);
        return html;
    }

    /// <summary>Names the package's build fingerprinted already: <c>Name.{10 letters and digits}.wasm</c> (and .js, .dat, .css).</summary>
    public static bool IsFingerprintedName(string path) => PackageFingerprint().IsMatch(path);

    // A relative link: not absolute ("/…", "http:…", "//…"), no query, no fragment.
    [GeneratedRegex("(?<attr>href|src)=\"(?<path>(?![/#])(?![a-z]+:)[^\"?#]+)\"")]
    private static partial Regex LocalLink();

    [GeneratedRegex(@"\.(?=[a-z0-9]*[0-9])[a-z0-9]{10}\.(wasm|js|dat|css|bundle\.scp\.css)$")]
    private static partial Regex PackageFingerprint();
}
