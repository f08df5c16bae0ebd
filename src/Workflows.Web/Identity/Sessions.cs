using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Identity;

/// <summary>The outcome of a password check: the user, or why not (which the caller never tells apart to the client).</summary>
public sealed record PasswordCheck(AppUser? User, int? RetryAfterSeconds)
{
    public bool Succeeded => User is not null;
}

/// <summary>
/// Password sign-in for the form and the token endpoint: limited by <see cref="SignInThrottle"/>, the same answer and
/// similar timing whether the name is unknown, disabled, not activated or the password is wrong (an unknown name still
/// costs one password-hash verification). Staff sign in with their user name, members with their user name or ID number.
/// </summary>
public sealed class PasswordSignIn(UserManager<AppUser> users, MemberAccounts members, SignInThrottle throttle, TimeProvider clock, ILogger<PasswordSignIn> logger)
{
    // A hash of a random password, verified when there is no user, so an unknown name takes as long as a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Guid.NewGuid().ToString()));

    public async Task<PasswordCheck> CheckAsync(HttpContext http, string? login, string? password, CancellationToken ct = default)
    {
        var client = SignInThrottle.ClientOf(http);
        if (throttle.RetryAfter(client, login) is { } wait) return new PasswordCheck(null, wait);
        if (throttle.Slowdown(login) is { } slow && slow > TimeSpan.Zero) await Task.Delay(slow, ct);
        var user = string.IsNullOrWhiteSpace(login) || login.Length > 256 ? null : await members.FindByLoginAsync(login, ct);
        var usable = user is { DisabledAt: null } && user.PasswordHash is not null && (user.IdNumberHash is null || user.ActivatedAt is not null);
        bool ok;
        if (usable) ok = await users.CheckPasswordAsync(user!, password ?? "");
        else
        {
            users.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash.Value, password ?? "");
            ok = false;
        }
        if (!ok)
        {
            throttle.Failed(client, login);
            logger.LogInformation("Failed sign-in from {Client}", client);
            return new PasswordCheck(null, null);
        }
        throttle.Succeeded(client, login);
        user!.LastSignInAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
        return new PasswordCheck(user, null);
    }
}

/// <summary>
/// Ends sessions when they should end. Every authenticated request (cookie or bearer token) is checked against the user's
/// current security stamp and disabled flag: a sign-out, a password change or reset, disabling the user, or a change of
/// roles renews the stamp, so every cookie and token issued before stops working with the next request (401), on every node.
/// </summary>
public sealed class SessionValidation(RequestDelegate next, StoreConnections connections, IOptions<IdentityOptions> options)
{
    // One indexed read per authenticated request, on a reader connection with the statement prepared once (no DbContext):
    // the check stays exact (no cache that a sign-out elsewhere would have to wait out) and costs tens of microseconds.
    private const string StampQuery = "SELECT \"SecurityStamp\", \"DisabledAt\" FROM \"AspNetUsers\" WHERE \"Id\" = @id";

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated == true && http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
        {
            var stamp = http.User.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
            var current = await connections.ReadAsync(async c =>
            {
                await using var r = await c.Command(StampQuery, null, ("@id", userId)).ExecuteReaderAsync(http.RequestAborted);
                return await r.ReadAsync(http.RequestAborted) ? (Stamp: r.IsDBNull(0) ? null : r.GetString(0), Disabled: !r.IsDBNull(1)) : ((string? Stamp, bool Disabled)?)null;
            });
            if (current is not { Disabled: false } user || stamp is null || user.Stamp != stamp)
            {
                http.User = new ClaimsPrincipal(new ClaimsIdentity());
                if (http.Request.Cookies.ContainsKey(BackOfficeServices.AuthCookieName))
                    http.Response.Cookies.Delete(BackOfficeServices.AuthCookieName);
            }
        }
        await next(http);
    }
}

/// <summary>
/// Cookie-authenticated state changes need an antiforgery token (form field, or the X-CSRF-TOKEN header for scripts):
/// a cross-site form post carries the cookie but cannot know the token, so it is refused with 400. Bearer-token calls
/// carry no ambient credential and need none. An endpoint opts out only with explicit metadata (DisableAntiforgery).
/// </summary>
public sealed class CookieAntiforgery(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var unsafeMethod = !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || HttpMethods.IsOptions(http.Request.Method));
        var byCookie = http.User.Identity?.IsAuthenticated == true && !http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        var optedOut = http.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: false };
        var path = http.Request.Path;
        if (unsafeMethod && byCookie && !optedOut && (path.StartsWithSegments("/api") || path.StartsWithSegments("/elsa/api") || path.StartsWithSegments("/account")))
        {
            // UseAntiforgery has already judged form endpoints (it marks the request); reading the form again after a
            // failed check throws, so its verdict is taken as it is. Other requests are checked here.
            var valid = http.Features.Get<Microsoft.AspNetCore.Antiforgery.IAntiforgeryValidationFeature>() is { } judged
                ? judged.IsValid
                : await antiforgery.IsRequestValidAsync(http);
            if (!valid)
            {
                await ProblemMapping.Problem(400, "Antiforgery token missing", "这个请求缺少有效的防伪令牌（可能来自其他网站），已拒绝。 The request has no valid antiforgery token (it may come from another site) and was refused.")
                    .ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    }
}
