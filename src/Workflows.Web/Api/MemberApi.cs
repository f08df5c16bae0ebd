using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Workflows.Domain.Applications;
using Workflows.Domain.Policies;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// The member's own services: policies (masked), remaining quotas, applications (apply, see, cancel).
/// Another member's policy or application answers 404, exactly like one that does not exist.
/// </summary>
public static class MemberApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/me").RequireAuthorization(Policies.MemberSelfService).WithTags("Member");
        me.MapGet("/policies", MyPolicies);
        me.MapGet("/quotas", MyQuotas);
        me.MapGet("/applications", MyApplications);
        me.MapPost("/applications", Apply);
        me.MapGet("/applications/{applicationId}", MyApplication);
        me.MapPost("/applications/{applicationId}/cancel", Cancel);
        me.MapGet("/applications/{applicationId}/cancellation-preview", CancellationPreview);
        me.MapPost("/applications/{applicationId}/confirmation", Confirm);
        me.MapPost("/reimbursement-estimate", Estimate);
        me.MapPost("/applications/{applicationId}/consultations", Ask);
        me.MapGet("/applications/{applicationId}/consultations", MyConsultations);
        app.MapGet("/api/consultations/{consultationId}", ReadConsultation).RequireAuthorization(Policies.AnswerConsultations).WithTags("Consultations");
    }

    public sealed record AskRequest(string? Question);
    public sealed record AskResult(string ConsultationId, DateTimeOffset AskedAt);

    private static async Task<Results<Created<AskResult>, NotFound<ProblemDetailsBody>>> Ask(ApplicationService applications, PersonalDataProtector protector,
        HttpContext http, string applicationId, AskRequest request, CancellationToken ct) =>
        await applications.AskAsync(http.User.Identity!.Name!, applicationId, request.Question, protector, ct) is { } c
            ? TypedResults.Created($"/api/consultations/{c.Id}", new AskResult(c.Id, c.AskedAt))
            : TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));

    /// <summary>The member's own questions with the case manager's answers (null until answered), newest first; another member's application is 404.</summary>
    private static async Task<Results<Ok<IReadOnlyList<ApplicationService.ConsultationView>>, NotFound<ProblemDetailsBody>>> MyConsultations(
        ApplicationService applications, PersonalDataProtector protector, HttpContext http, string applicationId, CancellationToken ct)
    {
        var me = http.User.Identity!.Name!;
        if (!await applications.IsMineAsync(me, applicationId, ct)) return TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));
        return TypedResults.Ok(await applications.ConsultationsAsync(me, applicationId, protector, ct));
    }

    public sealed record ConsultationView(string Id, string ApplicationId, string Question, DateTimeOffset AskedAt);

    /// <summary>The case manager reads the question (decrypted for them only; the access is in the access trail).</summary>
    private static async Task<Results<Ok<ConsultationView>, NotFound>> ReadConsultation(Workflows.Domain.DomainDbContext db, PersonalDataProtector protector,
        string consultationId, CancellationToken ct)
    {
        var c = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(db.Consultations, x => x.Id == consultationId, ct);
        return c is null ? TypedResults.NotFound() : TypedResults.Ok(new ConsultationView(c.Id, c.ApplicationId, protector.Unprotect(c.QuestionProtected)!, c.AskedAt));
    }

    /// <param name="Drug">The drug's generic or brand name; when given it is looked up on the JD list (附件二), and a drug not on it is not payable.</param>
    public sealed record EstimateRequest(string? PolicyNumber, decimal DrugCost, bool OnSocialInsuranceList, bool SettledThroughSocialInsurance, decimal SocialInsurancePaid,
        string? Drug = null);

    /// <summary>JD: what the insurer pays for a specialty-drug purchase under the member's policy variant.</summary>
    private static async Task<Results<Ok<Workflows.Domain.Reimbursement.PayableAmount>, NotFound<ProblemDetailsBody>>> Estimate(ApplicationService applications,
        Workflows.Domain.ReferenceData.IReferenceDataVersions versions, HttpContext http, EstimateRequest request, CancellationToken ct)
    {
        var refs = versions.Current;
        var policy = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
            applications.MyPolicies(http.User.Identity!.Name!), p => p.PolicyNumber == request.PolicyNumber && p.Insurer == "JD", ct);
        if (policy is null) return TypedResults.NotFound(new ProblemDetailsBody($"You have no JD policy numbered '{request.PolicyNumber}'."));
        if (request.Drug is not null && refs.FindJdDrug(request.Drug) is null)
            throw new ApplicationRequestException(400, "Drug not listed", $"drug: '{request.Drug}' is not on the JD Allianz specialty-drug list (附件二); it is not payable.");
        return TypedResults.Ok(Workflows.Domain.Reimbursement.JdReimbursement.Calculate(policy.Variant ?? "",
            new(request.DrugCost, request.OnSocialInsuranceList, request.SettledThroughSocialInsurance, request.SocialInsurancePaid)));
    }

    public sealed record PolicyView(string PolicyNumber, string Insurer, string Product, string? Variant, DateOnly EffectiveDate, DateOnly EndDate,
        string InsuredName, string InsuredIdNumber, string? InsuredPhone, string YourRole, bool SpecialtyDrugCover);

    private static async Task<Ok<List<PolicyView>>> MyPolicies(ApplicationService applications, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        var user = http.User.Identity!.Name!;
        var list = await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(applications.MyPolicies(user), ct);
        return TypedResults.Ok(list.Select(p => new PolicyView(p.PolicyNumber, p.Insurer, p.Product, p.Variant, p.EffectiveDate, p.EndDate,
            PersonalDataProtector.MaskName(p.InsuredName), PersonalDataProtector.MaskIdNumber(protector.Unprotect(p.InsuredIdNumberProtected)),
            PersonalDataProtector.MaskPhone(protector.Unprotect(p.InsuredPhoneProtected)),
            p.InsuredUserName == user ? "insured" : p.GuardianRelation ?? "guardian", p.SpecialtyDrugCover)).ToList());
    }

    private static async Task<Ok<IReadOnlyList<ApplicationService.QuotaView>>> MyQuotas(ApplicationService applications, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await applications.QuotasAsync(http.User.Identity!.Name!, ct));

    private static async Task<Ok<IReadOnlyList<ApplicationView>>> MyApplications(ApplicationService applications, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await applications.ListAsync(http.User.Identity!.Name!, ct));

    private static async Task<Results<Ok<ApplicationView>, NotFound<ProblemDetailsBody>>> MyApplication(ApplicationService applications, HttpContext http,
        string applicationId, CancellationToken ct) =>
        await applications.GetAsync(http.User.Identity!.Name!, applicationId, ct) is { } view
            ? TypedResults.Ok(view)
            : TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));

    private static async Task<Created<ApplicationView>> Apply(ApplicationService applications, HttpContext http, ApplicationService.ApplyRequest request,
        [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct)
    {
        var view = await applications.ApplyAsync(http.User.Identity!.Name!, request, key, ct);
        return TypedResults.Created($"/api/me/applications/{view.Id}", view);
    }

    /// <summary>What cancelling now would mean for the quota, and why: the rule the cancellation itself applies (<see cref="Workflows.Domain.Eligibility.CancellationNotice"/>).</summary>
    private static async Task<Results<Ok<Workflows.Domain.Eligibility.CancellationOutcome>, NotFound<ProblemDetailsBody>>> CancellationPreview(ApplicationService applications,
        HttpContext http, string applicationId, CancellationToken ct) =>
        await applications.PreviewCancelAsync(http.User.Identity!.Name!, applicationId, ct) is { } outcome
            ? TypedResults.Ok(outcome)
            : TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));

    /// <param name="Confirmed">true: I confirm what I was told (e.g. the fee I pay myself); false: I do not, cancel the application.</param>
    public sealed record ConfirmRequest(bool? Confirmed);

    /// <summary>The member's answer to what the application waits for them to confirm (待您确认); 409 when it waits for nothing.</summary>
    private static async Task<Results<Ok<ApplicationView>, NotFound<ProblemDetailsBody>>> Confirm(ApplicationService applications, HttpContext http,
        string applicationId, ConfirmRequest request, [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct) =>
        await applications.ConfirmAsync(http.User.Identity!.Name!, applicationId, request.Confirmed, key, ct) is { } view
            ? TypedResults.Ok(view)
            : TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));

    private static async Task<Results<Ok<ApplicationService.CancelResult>, NotFound<ProblemDetailsBody>>> Cancel(ApplicationService applications, HttpContext http,
        string applicationId, [FromHeader(Name = InstancesApi.IdempotencyHeader)] string? key, CancellationToken ct) =>
        await applications.CancelAsync(http.User.Identity!.Name!, applicationId, key, ct) is { } result
            ? TypedResults.Ok(result)
            : TypedResults.NotFound(new ProblemDetailsBody($"You have no application {applicationId}."));
}
