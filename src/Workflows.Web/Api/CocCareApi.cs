using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Domain.FollowUp;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// The COC programme's precise management: graded alerts (I/II self-check guidance, III+ a 2-hour task), the member's
/// named 1-to-1 case manager, PG-SGA nutrition assessments; and what the member sees of them under /api/me.
/// </summary>
public static class CocCareApi
{
    public static IServiceCollection AddCocCare(this IServiceCollection services) =>
        services.AddScoped<ICaseManagerDirectory, IdentityCaseManagerDirectory>();

    public static void Map(IEndpointRouteBuilder app)
    {
        var coc = app.MapGroup("/api/coc/{applicationId}").WithTags("COC");
        coc.MapPost("/alerts", RaiseAlert).RequireAuthorization(Policies.KeepCareRecords);
        coc.MapGet("/alerts", Alerts).RequireAuthorization(Policies.KeepCareRecords);
        coc.MapPost("/nutrition", AssessNutrition).RequireAuthorization(Policies.KeepCareRecords);
        coc.MapGet("/nutrition", Nutrition).RequireAuthorization(Policies.KeepCareRecords);
        coc.MapGet("/case-manager", CaseManager).RequireAuthorization(Policies.NameCaseManagers);
        coc.MapPut("/case-manager", NameCaseManager).RequireAuthorization(Policies.NameCaseManagers);
        app.MapGet("/api/coc-alerts/{alertId}", Alert).RequireAuthorization(Policies.KeepCareRecords).WithTags("COC");
        app.MapGet("/api/me/applications/{applicationId}/coc", MyCoc).RequireAuthorization(Policies.MemberSelfService).WithTags("Member");
    }

    /// <param name="Grade">CTCAE grade, 1 to 5.</param>
    /// <param name="Source">indicator (指标预警) or adverse-reaction (不良反应).</param>
    /// <param name="Detail">What was found, e.g. 白细胞 2.1×10⁹/L (stored encrypted).</param>
    public sealed record AlertRequest(int? Grade, string? Source, string? Detail);

    /// <summary>Raises a graded alert; an Idempotency-Key header (optional, up to 100 characters) makes a retry answer the same alert.</summary>
    private static async Task<Created<CocCare.AlertView>> RaiseAlert(CocCare coc, HttpContext http, string applicationId, AlertRequest request,
        [Microsoft.AspNetCore.Mvc.FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        if (key is { Length: > 100 })
            throw new ApplicationRequestException(400, "Invalid Idempotency-Key", "The Idempotency-Key header has at most 100 characters.");
        var alert = await coc.RaiseAlertAsync(applicationId, request.Grade, request.Source, request.Detail, http.User.Identity!.Name!, ct,
            string.IsNullOrWhiteSpace(key) ? null : key);
        return TypedResults.Created($"/api/coc-alerts/{alert.Id}", alert);
    }

    private static async Task<Ok<IReadOnlyList<CocCare.AlertView>>> Alerts(CocCare coc, string applicationId, CancellationToken ct) =>
        TypedResults.Ok(await coc.AlertsAsync(applicationId, ct));

    private static async Task<Results<Ok<CocCare.AlertView>, NotFound>> Alert(CocCare coc, string alertId, CancellationToken ct) =>
        await coc.AlertAsync(alertId, ct) is { } a ? TypedResults.Ok(a) : TypedResults.NotFound();

    /// <param name="Score">PG-SGA total score, 0 to 35.</param>
    /// <param name="Rating">PG-SGA global rating A, B or C.</param>
    public sealed record NutritionRequest(DateOnly? AssessedOn, int? Score, string? Rating, string? Advice);

    private static async Task<Created<CocCare.NutritionView>> AssessNutrition(CocCare coc, HttpContext http, string applicationId, NutritionRequest request,
        CancellationToken ct)
    {
        var n = await coc.AssessNutritionAsync(applicationId, request.AssessedOn, request.Score, request.Rating, request.Advice, http.User.Identity!.Name!, ct);
        return TypedResults.Created($"/api/coc/{applicationId}/nutrition", n);
    }

    private static async Task<Ok<IReadOnlyList<CocCare.NutritionView>>> Nutrition(CocCare coc, string applicationId, CancellationToken ct) =>
        TypedResults.Ok(await coc.NutritionAsync(applicationId, ct));

    private static async Task<Ok<CocCare.CaseManagerView>> CaseManager(CocCare coc, string applicationId, CancellationToken ct) =>
        TypedResults.Ok(await coc.CaseManagerAsync(applicationId, ct));

    /// <param name="CaseManager">The case manager's user name.</param>
    /// <param name="Reason">Why the case manager changes (required when one is already named).</param>
    public sealed record CaseManagerRequest(string? CaseManager, string? Reason);

    private static async Task<Ok<CocCare.CaseManagerView>> NameCaseManager(CocCare coc, HttpContext http, string applicationId, CaseManagerRequest request, CancellationToken ct) =>
        TypedResults.Ok(await coc.AssignCaseManagerAsync(applicationId, request.CaseManager, request.Reason, http.User.Identity!.Name!,
            http.User.IsInRole(Roles.Supervisor), ct));

    /// <summary>What the member sees of their programme: their named case manager (name only) and their nutrition assessments.</summary>
    public sealed record MyCocView(string? CaseManagerName, DateTimeOffset? CaseManagerSince, IReadOnlyList<MyNutrition> Nutrition);

    public sealed record MyNutrition(DateOnly AssessedOn, int Score, string Rating, string TriageZh, string TriageEn, string Advice);

    private static async Task<Results<Ok<MyCocView>, NotFound<ProblemDetailsBody>>> MyCoc(ApplicationService applications, CocCare coc, HttpContext http,
        string applicationId, CancellationToken ct)
    {
        if (!await applications.IsMineAsync(http.User.Identity!.Name!, applicationId, ct))
            return TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));
        var cm = await coc.CaseManagerAsync(applicationId, ct);
        var nutrition = await coc.NutritionAsync(applicationId, ct);
        return TypedResults.Ok(new MyCocView(cm.DisplayName, cm.AssignedAt,
            nutrition.Select(n => new MyNutrition(n.AssessedOn, n.Score, n.Rating, n.TriageZh, n.TriageEn, n.Advice)).ToList()));
    }
}

/// <summary>Case managers are enabled staff users with the CaseManager role in the host's identity store.</summary>
public sealed class IdentityCaseManagerDirectory(UserManager<AppUser> users) : ICaseManagerDirectory
{
    public async Task<string?> CaseManagerNameAsync(string userName, CancellationToken ct)
    {
        var user = await users.FindByNameAsync(userName);
        if (user is null || user.DisabledAt is not null || !await users.IsInRoleAsync(user, Roles.CaseManager)) return null;
        return string.IsNullOrWhiteSpace(user.DisplayName) ? user.UserName : user.DisplayName;
    }
}
