using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Policies;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>The policy feed (JSON or CSV), staff's masked view of a policy, diagnoses recorded later, and the service catalogue.</summary>
public static class PolicyApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/policies/import", Import).RequireAuthorization(Policies.ImportPolicies).WithTags("Policies");
        app.MapPost("/api/policies/import/preview", Preview).RequireAuthorization(Policies.ImportPolicies).WithTags("Policies");
        app.MapPost("/api/policies/{policyNumber}/amendments", Amend).RequireAuthorization(Policies.AmendPolicies).WithTags("Policies");
        app.MapGet("/api/policies/{policyNumber}/versions", Versions).RequireAuthorization(Policies.ReadPolicies).WithTags("Policies");
        app.MapGet("/api/policies/{policyNumber}", Get).RequireAuthorization(Policies.ReadPolicies).WithTags("Policies");
        app.MapPost("/api/policies/{policyNumber}/diagnoses", AddDiagnosis).RequireAuthorization(Policies.RecordDiagnoses).WithTags("Policies");
        app.MapGet("/api/services", Services).RequireAuthorization(Policies.SignedIn).WithTags("Services");
    }

    public sealed record ImportRequest(List<PolicyRecord>? Policies);
    /// <param name="Flags">Rows imported but flagged (a period longer than the product's term), for someone to check.</param>
    public sealed record ImportResult(int Imported, IReadOnlyList<string> PolicyNumbers, IReadOnlyList<AmendmentResult> Amended, IReadOnlyList<ImportError> Flags);

    /// <summary>
    /// JSON <c>{"policies":[…]}</c>, or <c>text/csv</c> with the feed's columns. All or nothing. A policy number already
    /// imported with a changed record is an amendment (a new version); unchanged, it is refused with 409.
    /// </summary>
    private static async Task<Ok<ImportResult>> Import(HttpContext http, PolicyImport import, CancellationToken ct)
    {
        var records = await ReadFeedAsync(http, ct);
        var outcome = await import.ImportWithAmendmentsAsync(records, http.User.Identity!.Name!, ct);
        return TypedResults.Ok(new ImportResult(outcome.Imported.Count, outcome.Imported.Select(p => p.PolicyNumber).ToList(), outcome.Amended, outcome.Flags ?? []));
    }

    /// <summary>What an import of this feed would do, row by row (new, amendment with its changes, or the row's problems); stores nothing.</summary>
    private static async Task<Ok<IReadOnlyList<ImportPreviewRow>>> Preview(HttpContext http, PolicyImport import, CancellationToken ct) =>
        TypedResults.Ok(await import.PreviewAsync(await ReadFeedAsync(http, ct), ct));

    /// <summary>Amends a policy from the console: end date, early termination (closes its open applications), renewal link, cover, diagnoses.</summary>
    private static async Task<Ok<AmendmentResult>> Amend(PolicyAmendments amendments, HttpContext http, string policyNumber, PolicyAmendment amendment, CancellationToken ct) =>
        TypedResults.Ok(await amendments.AmendAsync(policyNumber, amendment, http.User.Identity!.Name!, ct));

    private static async Task<Ok<IReadOnlyList<PolicyVersionView>>> Versions(PolicyAmendments amendments, string policyNumber, CancellationToken ct) =>
        TypedResults.Ok(await amendments.VersionsAsync(policyNumber, ct));

    internal static async Task<IReadOnlyList<PolicyRecord>> ReadFeedAsync(HttpContext http, CancellationToken ct)
    {
        IReadOnlyList<PolicyRecord> records;
        if (http.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            records = PolicyImport.ParseCsv(await reader.ReadToEndAsync(ct));
        }
        else
        {
            var body = await JsonSerializer.DeserializeAsync<ImportRequest>(http.Request.Body, new JsonSerializerOptions(JsonSerializerDefaults.Web), ct);
            records = body?.Policies ?? throw new PolicyImportException([new ImportError(0, null, "policies", "The body must be {\"policies\": [...]} or text/csv.")], false);
        }
        return records;
    }

    public sealed record StaffPolicyView(string PolicyNumber, string Insurer, string Product, string? Variant, DateOnly EffectiveDate, DateOnly EndDate,
        string? PreviousPolicyNumber, bool SpecialtyDrugCover, string InsuredName, string InsuredIdNumber, string InsuredPhone, string? GuardianName,
        string? GuardianRelation, IReadOnlyList<DiagnosisView> Diagnoses, int Version, DateOnly? TerminatedOn, string? TerminationReason);

    /// <summary>Diagnoses are listed by kind and date; their text is not shown here.</summary>
    public sealed record DiagnosisView(string Kind, DateOnly DiagnosedOn, bool Confirmed);

    private static async Task<Results<Ok<StaffPolicyView>, NotFound<ProblemDetailsBody>>> Get(DomainDbContext db, PersonalDataProtector protector, string policyNumber, CancellationToken ct)
    {
        var p = await db.Policies.AsNoTracking().Include(x => x.Diagnoses).FirstOrDefaultAsync(x => x.PolicyNumber == policyNumber, ct);
        if (p is null) return TypedResults.NotFound(new ProblemDetailsBody($"Policy {policyNumber} does not exist."));
        return TypedResults.Ok(new StaffPolicyView(p.PolicyNumber, p.Insurer, p.Product, p.Variant, p.EffectiveDate, p.EndDate, p.PreviousPolicyNumber,
            p.SpecialtyDrugCover, PersonalDataProtector.MaskName(p.InsuredName), PersonalDataProtector.MaskIdNumber(protector.Unprotect(p.InsuredIdNumberProtected)),
            PersonalDataProtector.MaskPhone(protector.Unprotect(p.InsuredPhoneProtected)), p.GuardianName is null ? null : PersonalDataProtector.MaskName(p.GuardianName),
            p.GuardianRelation, p.Diagnoses.OrderBy(d => d.DiagnosedOn).Select(d => new DiagnosisView(d.Kind, d.DiagnosedOn, d.Confirmed)).ToList(),
            p.Version, p.TerminatedOn, p.TerminationReason));
    }

    private static async Task<Created<DiagnosisView>> AddDiagnosis(PolicyImport import, string policyNumber, DiagnosisRecord record, CancellationToken ct)
    {
        var d = await import.AddDiagnosisAsync(policyNumber, record, ct);
        return TypedResults.Created($"/api/policies/{policyNumber}", new DiagnosisView(d.Kind, d.DiagnosedOn, d.Confirmed));
    }

    public sealed record ServiceView(string Code, string Insurer, string NameZh, string NameEn, int? QuotaPerPolicyPeriod, string QuotaScope,
        string StartCondition, int? StartDays, string Trigger, int? CancellationNoticeWorkingDays);

    private static Ok<List<ServiceView>> Services(ServiceCatalogue catalogue) =>
        TypedResults.Ok(catalogue.Services.OrderBy(s => s.Code).Select(s => new ServiceView(s.Code, s.Insurer, s.NameZh, s.NameEn, s.QuotaPerPolicyPeriod,
            s.QuotaScope, s.StartCondition.Kind, s.StartCondition.Days, s.Trigger, s.CancellationNoticeWorkingDays)).ToList());
}
