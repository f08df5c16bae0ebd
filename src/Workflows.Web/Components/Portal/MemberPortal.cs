using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.Applications;
using Workflows.Domain.Eligibility;
using Workflows.Domain.FollowUp;
using Workflows.Domain.Policies;
using Workflows.Domain.ReferenceData;
using Workflows.Domain.Reimbursement;

namespace Workflows.Web.Components.Portal;

/// <summary>
/// What the member portal's pages read and do, always as the signed-in member (their user name from the circuit's
/// authentication state, never from the page's address): every call goes through <see cref="ApplicationService"/>'s
/// "mine only" queries, in a scope of its own so concurrent UI events never share a DbContext. ID numbers and phones
/// leave here masked.
/// </summary>
public sealed class MemberPortal(IServiceScopeFactory scopes, IReferenceDataVersions versions, PersonalDataProtector protector, NotificationOutbox outbox)
{
    /// <summary>The reference lists in effect now (a published version takes effect on its date, without a restart).</summary>
    public ReferenceLookup References => versions.Current;

    private async Task<T> With<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    private Task<T> Apps<T>(Func<ApplicationService, Task<T>> work) => With(sp => work(sp.GetRequiredService<ApplicationService>()));

    /// <summary>A policy card: the insured masked (name, ID number, phone), the period, the services.</summary>
    public sealed record PolicyCard(string PolicyNumber, string Insurer, string Product, string? Variant, DateOnly EffectiveDate, DateOnly EndDate,
        string? PreviousPolicyNumber, string InsuredName, string InsuredIdNumber, string InsuredPhone, string YourRole, bool SpecialtyDrugCover, bool InForce,
        IReadOnlyList<ApplicationService.EntitlementView> Services);

    public Task<IReadOnlyList<PolicyCard>> PoliciesAsync(string me, DateOnly today, CancellationToken ct = default) => Apps<IReadOnlyList<PolicyCard>>(async apps =>
        (await apps.EntitlementsAsync(me, ct)).Select(e => new PolicyCard(e.Policy.PolicyNumber, e.Policy.Insurer, e.Policy.Product, e.Policy.Variant,
            e.Policy.EffectiveDate, e.Policy.EndDate, e.Policy.PreviousPolicyNumber, PersonalDataProtector.MaskName(e.Policy.InsuredName),
            PersonalDataProtector.MaskIdNumber(protector.Unprotect(e.Policy.InsuredIdNumberProtected)),
            PersonalDataProtector.MaskPhone(protector.Unprotect(e.Policy.InsuredPhoneProtected)), e.YourRole, e.Policy.SpecialtyDrugCover,
            today >= e.Policy.EffectiveDate && today <= e.Policy.EndDate, e.Services)).ToList());

    public Task<(Policy Policy, ApplicationForm Form)?> FormAsync(string me, string policyNumber, string serviceCode, CancellationToken ct = default) =>
        Apps(apps => apps.FormAsync(me, policyNumber, serviceCode, ct));

    public Task<ApplicationView> ApplyAsync(string me, ApplicationService.ApplyRequest request, string idempotencyKey, CancellationToken ct = default) =>
        Apps(apps => apps.ApplyAsync(me, request, idempotencyKey, ct));

    public Task<IReadOnlyList<ApplicationView>> ApplicationsAsync(string me, CancellationToken ct = default) => Apps(apps => apps.ListAsync(me, ct));

    public Task<ApplicationView?> ApplicationAsync(string me, string id, CancellationToken ct = default) => Apps(apps => apps.GetAsync(me, id, ct));

    public Task<CancellationOutcome?> PreviewCancelAsync(string me, string id, CancellationToken ct = default) => Apps(apps => apps.PreviewCancelAsync(me, id, ct));

    public Task<ApplicationService.CancelResult?> CancelAsync(string me, string id, string idempotencyKey, CancellationToken ct = default) =>
        Apps(apps => apps.CancelAsync(me, id, idempotencyKey, ct));

    public Task<ApplicationView?> ConfirmAsync(string me, string id, bool confirmed, string idempotencyKey, CancellationToken ct = default) =>
        Apps(apps => apps.ConfirmAsync(me, id, confirmed, idempotencyKey, ct));

    public Task<IReadOnlyList<ApplicationService.ConsultationView>> ConsultationsAsync(string me, string applicationId, CancellationToken ct = default) =>
        Apps(apps => apps.ConsultationsAsync(me, applicationId, protector, ct));

    /// <summary>The member's COC programme: their named case manager and nutrition assessments; null when the application is not theirs.</summary>
    public Task<(CocCare.CaseManagerView CaseManager, IReadOnlyList<CocCare.NutritionView> Nutrition)?> CocAsync(string me, string applicationId, CancellationToken ct = default) =>
        With<(CocCare.CaseManagerView, IReadOnlyList<CocCare.NutritionView>)?>(async sp =>
        {
            if (!await sp.GetRequiredService<ApplicationService>().IsMineAsync(me, applicationId, ct)) return null;
            var coc = sp.GetRequiredService<CocCare>();
            return (await coc.CaseManagerAsync(applicationId, ct), await coc.NutritionAsync(applicationId, ct));
        });

    public Task<MemberConsultation?> AskAsync(string me, string applicationId, string question, CancellationToken ct = default) =>
        Apps(apps => apps.AskAsync(me, applicationId, question, protector, ct));

    public Task<ApplicationService.EstimateResult?> EstimateAsync(string me, string policyNumber, string drug, DrugPurchase purchase, CancellationToken ct = default) =>
        Apps(apps => apps.EstimateAsync(me, policyNumber, drug, purchase, versions.Current, ct));

    /// <summary>One message of the member's inbox (a message sent on several channels shows once).</summary>
    public sealed record Message(string Id, string Template, string TextZh, string TextEn, DateTimeOffset CreatedAt, string? ApplicationId);

    public Task<IReadOnlyList<Message>> MessagesAsync(string me, CancellationToken ct = default) => With<IReadOnlyList<Message>>(async sp =>
    {
        var db = sp.GetRequiredService<DomainDbContext>();
        var rows = await db.Notifications.AsNoTracking().Where(n => n.RecipientUserName == me).OrderByDescending(n => n.CreatedAt).Take(400).ToListAsync(ct);
        return rows.GroupBy(n => n.Key.EndsWith(":" + n.Channel, StringComparison.Ordinal) ? n.Key[..^(n.Channel.Length + 1)] : n.Key)
            .Select(g => g.First())
            .Select(n => outbox.Text(n) is var (zh, en) ? new Message(n.Id, n.Template, zh, en, n.CreatedAt, n.ApplicationId) : null!)
            .Take(200).ToList();
    });

    public Task<IReadOnlyList<CareProgramme.SummaryView>> SummariesAsync(string me, CancellationToken ct = default) =>
        With(sp => sp.GetRequiredService<CareProgramme>().SummariesOfMemberAsync(me, ct));
}
