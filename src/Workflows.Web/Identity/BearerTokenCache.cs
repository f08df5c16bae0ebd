using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;

namespace Workflows.Web.Identity;

/// <summary>
/// Remembers bearer tokens this node has already decrypted and verified, so a client that sends the same access token with
/// every call (every API client does) pays the data-protection unprotect (AES + HMAC + ticket deserialisation) once a
/// minute instead of on every request. What stays per request, unchanged: the bearer handler's expiry check on the
/// ticket, <see cref="SessionValidation"/>'s exact security-stamp and disabled check against the database (so a sign-out,
/// password change, role change or disabling still ends the token with the next request), and authorization.
/// <list type="bullet">
/// <item>Keyed by the SHA-256 of the token, never the token itself; only tokens that verified are remembered, so a flood
///   of forged tokens costs what it did before and fills nothing.</item>
/// <item>An entry lives at most <see cref="Lifetime"/> (one minute): a data-protection key revoked in the key ring stops
///   the tokens it protected within that minute on every node.</item>
/// <item>Each caller gets its own copy of the ticket (principal and properties cloned): nothing a request does to its
///   principal reaches another request.</item>
/// <item>Bounded: at <see cref="Capacity"/> entries the cache is emptied and starts again.</item>
/// </list>
/// Protecting (issuing a token) and unprotecting with a purpose go straight to the inner format.
/// </summary>
public sealed class BearerTokenCache(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider clock) : ISecureDataFormat<AuthenticationTicket>
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<TokenHash, (AuthenticationTicket Ticket, DateTimeOffset Until)> _verified = new();

    public string Protect(AuthenticationTicket data) => inner.Protect(data);
    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (purpose is not null || string.IsNullOrEmpty(protectedText) || protectedText.Length > 8192) return inner.Unprotect(protectedText, purpose);
        var key = TokenHash.Of(protectedText);
        var now = clock.GetUtcNow();
        if (_verified.TryGetValue(key, out var hit))
        {
            if (now < hit.Until) return CopyOf(hit.Ticket);
            _verified.TryRemove(KeyValuePair.Create(key, hit));
        }
        var ticket = inner.Unprotect(protectedText);
        if (ticket is null) return null;
        if (_verified.Count >= Capacity) _verified.Clear();
        _verified[key] = (CopyOf(ticket), now + Lifetime);
        return ticket;
    }

    // ClaimsPrincipal.Clone() shares the identities: each identity (and its claims) is cloned.
    private static AuthenticationTicket CopyOf(AuthenticationTicket t) =>
        new(new System.Security.Claims.ClaimsPrincipal(t.Principal.Identities.Select(i => i.Clone())), t.Properties.Clone(), t.AuthenticationScheme);

    /// <summary>Entries held now (tests).</summary>
    internal int Count => _verified.Count;

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct TokenHash(UInt128 High, UInt128 Low)
    {
        public static TokenHash Of(string token)
        {
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(MemoryMarshal.AsBytes(token.AsSpan()), hash); // the token's UTF-16 code units: no copy
            return new TokenHash(MemoryMarshal.Read<UInt128>(hash), MemoryMarshal.Read<UInt128>(hash[16..]));
        }
    }
}
