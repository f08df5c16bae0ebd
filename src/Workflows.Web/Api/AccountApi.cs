using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>Sign-in: a bearer token for API clients, a cookie for the browser shell; and who am I.</summary>
public static class AccountApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/token", Token).AllowAnonymous().WithTags("Account");
        app.MapPost("/api/auth/session-token", SessionToken).RequireAuthorization(Policies.OpenStudio).WithTags("Account");
        app.MapGet("/api/me", Me).RequireAuthorization(Policies.SignedIn).WithTags("Account");
        app.MapPost("/account/login", Login).AllowAnonymous().DisableAntiforgery();
        app.MapPost("/account/logout", (Delegate)Logout).RequireAuthorization(Policies.SignedIn);
    }

    public sealed record TokenRequest(string UserName, string Password);

    /// <summary>Exchanges user name and password for a bearer token (<c>{"tokenType":"Bearer","accessToken":…,"expiresIn":…}</c>).</summary>
    private static async Task<Results<SignInHttpResult, ProblemHttpResult>> Token(TokenRequest request, UserManager<AppUser> users,
        SignInManager<AppUser> signIn)
    {
        var user = string.IsNullOrWhiteSpace(request.UserName) ? null : await users.FindByNameAsync(request.UserName);
        if (user is null) return Refused();
        var check = await signIn.CheckPasswordSignInAsync(user, request.Password ?? "", lockoutOnFailure: true);
        if (check.IsLockedOut) return ProblemMapping.Problem(429, "Locked out", "Too many failed sign-ins; try again in 15 minutes.");
        if (!check.Succeeded) return Refused();
        var principal = await signIn.CreateUserPrincipalAsync(user);
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
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

    private static ProblemHttpResult Refused() => ProblemMapping.Problem(401, "Sign-in failed", "The user name or password is wrong.");

    public sealed record MeResponse(string UserName, string? DisplayName, IReadOnlyList<string> Roles);

    private static async Task<Ok<MeResponse>> Me(HttpContext http, UserManager<AppUser> users)
    {
        var user = await users.GetUserAsync(http.User);
        return TypedResults.Ok(new MeResponse(http.User.Identity!.Name!, user?.DisplayName,
            Roles.All.Where(http.User.IsInRole).ToList()));
    }

    /// <summary>The browser's sign-in form posts here; on success a cookie is set and the user goes back where they came from.</summary>
    private static async Task<IResult> Login([FromForm] string userName, [FromForm] string password, [FromForm] string? returnUrl,
        SignInManager<AppUser> signIn)
    {
        signIn.AuthenticationScheme = IdentityConstants.ApplicationScheme;
        var result = await signIn.PasswordSignInAsync(userName ?? "", password ?? "", isPersistent: false, lockoutOnFailure: true);
        var back = LocalUrls.SafeReturnUrl(returnUrl);
        if (result.Succeeded) return Results.LocalRedirect(back);
        var reason = result.IsLockedOut ? "locked" : "failed";
        return Results.LocalRedirect($"/account/login?error={reason}&returnUrl={Uri.EscapeDataString(back)}");
    }

    private static async Task<IResult> Logout(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        return Results.LocalRedirect("/account/login");
    }
}
