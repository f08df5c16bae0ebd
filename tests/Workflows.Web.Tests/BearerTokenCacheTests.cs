using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Workflows.Web.Identity;

namespace Workflows.Web.Tests;

/// <summary>
/// A verified bearer token is remembered for a minute instead of decrypted on every call; nothing that made a token stop
/// working before stops it less now (expiry, tampering, sign-out: SessionTests covers the security-stamp cases with
/// tokens already used, i.e. remembered).
/// </summary>
public sealed class BearerTokenCacheTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    /// <summary>The real ticket format over an ephemeral key ring, counting how often it actually decrypts.</summary>
    private sealed class Counting(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
    {
        public int Unprotects;
        public string Protect(AuthenticationTicket data) => inner.Protect(data);
        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);
        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);
        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Unprotects++;
            return inner.Unprotect(protectedText, purpose);
        }
    }

    private static (BearerTokenCache Cache, Counting Inner, FakeTimeProvider Clock, string Token) NewCache()
    {
        var inner = new Counting(new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("test")));
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T08:00:00Z"));
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "member"), new Claim(ClaimTypes.Role, "Member")], "Bearer"));
        var token = inner.Protect(new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = clock.GetUtcNow().AddHours(8) }, "Bearer"));
        return (new BearerTokenCache(inner, clock), inner, clock, token);
    }

    [Fact]
    public void A_token_is_decrypted_once_a_minute_and_each_caller_gets_its_own_copy()
    {
        var (cache, inner, clock, token) = NewCache();
        var first = cache.Unprotect(token)!;
        var second = cache.Unprotect(token)!;
        Assert.Equal(1, inner.Unprotects);
        Assert.Equal("member", second.Principal.Identity!.Name);
        Assert.Equal(first.Properties.ExpiresUtc, second.Properties.ExpiresUtc); // the handler's expiry check sees the real expiry
        Assert.NotSame(first.Principal, second.Principal);

        // What one request does to its principal does not reach the next.
        ((ClaimsIdentity)second.Principal.Identity).AddClaim(new Claim(ClaimTypes.Role, "Admin"));
        Assert.False(cache.Unprotect(token)!.Principal.IsInRole("Admin"));

        clock.Advance(BearerTokenCache.Lifetime - TimeSpan.FromSeconds(1));
        cache.Unprotect(token);
        Assert.Equal(1, inner.Unprotects);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(cache.Unprotect(token));
        Assert.Equal(2, inner.Unprotects); // verified again after a minute: a revoked key ring key takes effect
    }

    [Fact]
    public void A_tampered_or_forged_token_is_refused_every_time_and_not_remembered()
    {
        var (cache, inner, _, token) = NewCache();
        Assert.NotNull(cache.Unprotect(token));
        var tampered = token[..^2] + (token[^2] == 'A' ? 'B' : 'A') + token[^1];
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(cache.Unprotect(tampered));
            Assert.Null(cache.Unprotect("not-a-token"));
        }
        Assert.Equal(1, cache.Count);
        Assert.Equal(7, inner.Unprotects);
        Assert.Null(cache.Unprotect(token, "another purpose")); // a purpose goes to the real format (and fails there)
    }

    [Fact]
    public async Task Through_the_host_a_used_token_keeps_working_and_an_expired_or_altered_copy_of_it_gets_401()
    {
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        var token = await BackOfficeFactory.TokenFor(client, "member");
        var format = factory.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(IdentityConstants.BearerScheme).BearerTokenProtector;
        Assert.IsType<BearerTokenCache>(format);

        async Task<HttpStatusCode> Me(string bearer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me/policies");
            request.Headers.Authorization = new("Bearer", bearer);
            return (await client.SendAsync(request)).StatusCode;
        }

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, await Me(token));
        var ticket = format.Unprotect(token)!;
        ticket.Properties.ExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(-1);
        var expired = format.Protect(ticket);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(expired));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(expired)); // also once remembered: the handler checks expiry per call
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(token[..^3] + "xyz"));
        Assert.Equal(HttpStatusCode.OK, await Me(token)); // changing the copy above changed nothing for the original
    }
}
