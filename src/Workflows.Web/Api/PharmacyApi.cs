using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Domain.Applications;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// The designated pharmacy's counter (C 807-809; J 256-258): a pharmacy user verifies the member's pickup code with their
/// ID number and the original prescription, and the purchase is recorded as collected, once. See docs/domain-rules.md
/// ("Specialty drugs: pickup, delivery, authorisation").
/// </summary>
public static class PharmacyApi
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/pharmacy/pickups", Verify).RequireAuthorization(Policies.VerifyPickups).WithTags("Pharmacy");

    /// <summary>
    /// Verifies a pickup and records it. 200 with what to dispense; 400 naming the field (a wrong code or ID gets one answer
    /// that reveals nothing, also for a code planned for another pharmacy than the user's); 403 when the user has no designated pharmacy; 409 when the code was used a moment ago; 429 after repeated failures. Idempotency-Key required.
    /// </summary>
    private static async Task<Results<Ok<PharmacyCounter.Dispensed>, ProblemHttpResult>> Verify(PharmacyCounter counter, Identity.StaffUsers users, HttpContext http,
        PharmacyCounter.PickupRequest? request, [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 200)
            return ProblemMapping.Problem(400, "Idempotency-Key required",
                "Send an Idempotency-Key header (a new UUID per verification) so that a retried request does not dispense twice.");
        try
        {
            var user = http.User.Identity!.Name!;
            return TypedResults.Ok(await counter.VerifyAsync(user, await users.PharmacyOfAsync(user), request ?? new(null, null, false), key, ct));
        }
        catch (PickupRefusedException e)
        {
            return TypedResults.Problem($"{e.MessageZh} {e.Message}", statusCode: e.Status, title: "取药核验未通过 / Pickup not verified",
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [e.Field] = [$"{e.MessageZh} / {e.Message}"] } });
        }
    }
}
