using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Workflows.Persistence.Entities;
using Workflows.Web.Identity;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// Sign-in: a bearer token (and refresh token) for API clients, a cookie for the browser shell; who am I; sign-out and
/// password change, which end every session and token of the user at once (see <see cref="SessionValidation"/>).
/// </summary>
public static class AccountApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/token", Token).AllowAnonymous().WithTags("Account");
        app.MapPost("/api/auth/refresh", Refresh).AllowAnonymous().WithTags("Account");
        // Creates no state and its answer cannot be read cross-site: Studio's script calls it with the cookie alone.
        app.MapPost("/api/auth/session-token", SessionToken).RequireAuthorization(Policies.OpenStudio).DisableAntiforgery().WithTags("Account");
        app.MapGet("/api/auth/antiforgery", AntiforgeryToken).RequireAuthorization(Policies.SignedIn).WithTags("Account");
        app.MapPost("/api/auth/logout", ApiLogout).RequireAuthorization(Policies.SignedIn).WithTags("Account");
        app.MapPost("/api/auth/password", ChangePassword).RequireAuthorization(Policies.SignedIn).WithTags("Account");
        app.MapGet("/api/me", Me).RequireAuthorization(Policies.SignedIn).WithTags("Account");
        app.MapPost("/account/login", Login).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/account/logout", (Delegate)Logout).RequireAuthorization(Policies.SignedIn).ExcludeFromDescription();
    }

    public sealed record TokenRequest(string? UserName, string? Password);

    /// <summary>Exchanges user name (members: or ID number) and password for a bearer token and a refresh token.</summary>
    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> Token(HttpContext http, TokenRequest request, PasswordSignIn passwords,
        SignInManager<AppUser> signIn, CancellationToken ct)
    {
        var check = await passwords.CheckAsync(http, request.UserName, request.Password, ct);
        if (check.RetryAfterSeconds is { } wait) return TooMany(http, wait);
        if (!check.Succeeded) return Refused();
        return TypedResults.SignIn(await signIn.CreateUserPrincipalAsync(check.User!), authenticationScheme: IdentityConstants.BearerScheme);
    }

    public sealed record RefreshRequest(string? RefreshToken);

    /// <summary>A new access token for a refresh token, while the user's security stamp is unchanged and the user enabled.</summary>
    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> Refresh(RefreshRequest request, IOptionsMonitor<BearerTokenOptions> bearer,
        SignInManager<AppUser> signIn, TimeProvider clock)
    {
        var ticket = string.IsNullOrEmpty(request.RefreshToken) ? null
            : bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(request.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || clock.GetUtcNow() >= expires
            || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { DisabledAt: null } user)
            return ProblemMapping.Problem(401, "Refresh refused", "The refresh token is not valid any more; sign in again. 刷新令牌已失效，请重新登录。");
        return TypedResults.SignIn(await signIn.CreateUserPrincipalAsync(user), authenticationScheme: IdentityConstants.BearerScheme);
    }

    /// <summary>
    /// A bearer token for the user signed in to the shell (by cookie), for Elsa Studio's elements (<c>access-token</c>):
    /// Studio calls <c>/elsa/api</c> with it, as that user, in their roles.
    /// </summary>
    private static async Task<Results<SignInHttpResult, UnauthorizedHttpResult>> SessionToken(HttpContext http, UserManager<AppUser> users, SignInManager<AppUser> signIn)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null) return TypedResults.Unauthorized();
        return TypedResults.SignIn(await signIn.CreateUserPrincipalAsync(user), authenticationScheme: IdentityConstants.BearerScheme);
    }

    public sealed record AntiforgeryView(string HeaderName, string Token);

    /// <summary>For scripts that change state with the cookie: send this token in the named header.</summary>
    private static Ok<AntiforgeryView> AntiforgeryToken(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return TypedResults.Ok(new AntiforgeryView(tokens.HeaderName!, tokens.RequestToken!));
    }

    private static ProblemHttpResult Refused() => ProblemMapping.Problem(401, "Sign-in failed", "The user name or password is wrong. 用户名或密码错误。");

    private static ProblemHttpResult TooMany(HttpContext http, int wait)
    {
        http.Response.Headers.RetryAfter = wait.ToString();
        return ProblemMapping.Problem(429, "Too many failed sign-ins", $"Too many failed sign-ins; try again in {Math.Max(1, (wait + 59) / 60)} minutes. 登录失败次数过多，请 {Math.Max(1, (wait + 59) / 60)} 分钟后再试。");
    }

    public sealed record MeResponse(string UserName, string? DisplayName, IReadOnlyList<string> Roles);

    private static async Task<Ok<MeResponse>> Me(HttpContext http, UserManager<AppUser> users)
    {
        var user = await users.GetUserAsync(http.User);
        return TypedResults.Ok(new MeResponse(http.User.Identity!.Name!, user?.DisplayName,
            Roles.All.Where(http.User.IsInRole).ToList()));
    }

    public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

    /// <summary>Changes the caller's password; every cookie and token of theirs (this one too) stops working.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(HttpContext http, PasswordChange request, UserManager<AppUser> users)
    {
        var user = await users.GetUserAsync(http.User);
        if (user is null) return ProblemMapping.Problem(401, "Not signed in", "Sign in again.");
        if (string.IsNullOrEmpty(request.NewPassword))
            throw new AccountRequestException("newPassword", "请填写新密码。");
        var changed = await users.ChangePasswordAsync(user, request.CurrentPassword ?? "", request.NewPassword);
        if (!changed.Succeeded)
        {
            if (changed.Errors.Any(e => e.Code == "PasswordMismatch")) throw new AccountRequestException("currentPassword", "当前密码不正确。");
            throw new AccountRequestException("newPassword", PasswordRules.Describe(changed.Errors));
        }
        return TypedResults.NoContent();
    }

    /// <summary>The browser's sign-in form posts here (with its antiforgery token); on success a cookie is set and the user goes back where they came from.</summary>
    private static async Task<IResult> Login(HttpContext http, [FromForm] string userName, [FromForm] string password, [FromForm] string? returnUrl,
        PasswordSignIn passwords, SignInManager<AppUser> signIn, CancellationToken ct)
    {
        var back = LocalUrls.SafeReturnUrl(returnUrl);
        var check = await passwords.CheckAsync(http, userName, password, ct);
        if (check.Succeeded)
        {
            signIn.AuthenticationScheme = IdentityConstants.ApplicationScheme;
            await signIn.SignInAsync(check.User!, isPersistent: false);
            return Results.LocalRedirect(back);
        }
        var reason = check.RetryAfterSeconds is not null ? "locked" : "failed";
        return Results.LocalRedirect($"/account/login?error={reason}&returnUrl={Uri.EscapeDataString(back)}");
    }

    /// <summary>Signs out everywhere: the security stamp is renewed, so this cookie and every token of the user stop working.</summary>
    private static async Task<IResult> Logout(HttpContext http, UserManager<AppUser> users)
    {
        await EndSessionsAsync(http, users);
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.LocalRedirect("/account/login");
    }

    private static async Task<NoContent> ApiLogout(HttpContext http, UserManager<AppUser> users)
    {
        await EndSessionsAsync(http, users);
        if (http.Request.Cookies.ContainsKey(BackOfficeServices.AuthCookieName)) await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return TypedResults.NoContent();
    }

    private static async Task EndSessionsAsync(HttpContext http, UserManager<AppUser> users)
    {
        if (await users.GetUserAsync(http.User) is { } user) await users.UpdateSecurityStampAsync(user);
    }
}
