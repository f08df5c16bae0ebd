using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Web.Identity;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>The administration console's API: users (create, disable/enable, reset password, roles) and the administration audit. Admins only.</summary>
public static class AdminApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(Policies.ManageUsers).WithTags("Administration");
        admin.MapGet("/users", List);
        admin.MapPost("/users", Create);
        admin.MapGet("/users/{userName}", Get);
        admin.MapPost("/users/{userName}/disable", Disable);
        admin.MapPost("/users/{userName}/enable", Enable);
        admin.MapPost("/users/{userName}/password", ResetPassword);
        admin.MapPut("/users/{userName}/roles", SetRoles);
        admin.MapPut("/users/{userName}/pharmacy", SetPharmacy);
        admin.MapGet("/audit", Audit);
    }

    public sealed record PasswordRequest(string? Password);
    public sealed record RolesRequest(List<string>? Roles);

    private static string Actor(HttpContext http) => http.User.Identity!.Name!;

    private static async Task<Ok<IReadOnlyList<UserView>>> List(StaffUsers users, string? kind, string? search, CancellationToken ct) =>
        TypedResults.Ok(await users.ListAsync(kind, search, ct));

    private static async Task<Created<UserView>> Create(StaffUsers users, HttpContext http, NewStaffUser request, CancellationToken ct)
    {
        var created = await users.CreateAsync(request, Actor(http), ct);
        return TypedResults.Created($"/api/admin/users/{created.UserName}", created);
    }

    private static async Task<Ok<UserView>> Get(StaffUsers users, string userName, CancellationToken ct) => TypedResults.Ok(await users.GetAsync(userName, ct));

    private static async Task<Ok<UserView>> Disable(StaffUsers users, HttpContext http, string userName, CancellationToken ct) =>
        TypedResults.Ok(await users.SetDisabledAsync(userName, true, Actor(http), ct));

    private static async Task<Ok<UserView>> Enable(StaffUsers users, HttpContext http, string userName, CancellationToken ct) =>
        TypedResults.Ok(await users.SetDisabledAsync(userName, false, Actor(http), ct));

    private static async Task<NoContent> ResetPassword(StaffUsers users, HttpContext http, string userName, PasswordRequest request, CancellationToken ct)
    {
        await users.ResetPasswordAsync(userName, request.Password, Actor(http), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<UserView>> SetRoles(StaffUsers users, HttpContext http, string userName, RolesRequest request, CancellationToken ct) =>
        TypedResults.Ok(await users.SetRolesAsync(userName, request.Roles, Actor(http), ct));

    /// <summary>Sets a Pharmacy user's designated pharmacy (name and city as planned in PlanPharmacy): the only codes they can verify.</summary>
    private static async Task<Ok<UserView>> SetPharmacy(StaffUsers users, HttpContext http, string userName, PharmacyRequest request, CancellationToken ct) =>
        TypedResults.Ok(await users.SetPharmacyAsync(userName, request, Actor(http), ct));

    private static async Task<Ok<IReadOnlyList<AuditView>>> Audit(StaffUsers users, string? target, CancellationToken ct) =>
        TypedResults.Ok(await users.AuditAsync(target, ct));
}
