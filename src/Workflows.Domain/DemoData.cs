using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Policies;

namespace Workflows.Domain;

/// <summary>
/// Demo policies for the demo member (user "member"), so the back office can be tried at once: a CPIC policy with a
/// confirmed recurrence and the specialty-drug cover, and a JD policy (with social insurance) with a first diagnosis.
/// The personal data is invented.
/// </summary>
public static class DemoData
{
    public static async Task SeedAsync(DomainDbContext db, PersonalDataProtector protector, TimeProvider clock, ILogger logger, CancellationToken ct)
    {
        if (await db.Policies.AnyAsync(p => p.PolicyNumber == "DEMO-CPIC-0001", ct)) return;
        var now = clock.GetUtcNow();
        var cpic = new Policy
        {
            Id = Guid.CreateVersion7().ToString("N"), PolicyNumber = "DEMO-CPIC-0001", Insurer = "CPIC", Product = Products.CpicBreastCancer,
            SpecialtyDrugCover = true, SpecialtyDrugSumInsured = 500_000m, EffectiveDate = new DateOnly(2026, 1, 1), EndDate = new DateOnly(2026, 12, 31),
            InsuredName = "演示会员", InsuredIdNumberProtected = protector.Protect("110101198001010000"), InsuredPhoneProtected = protector.Protect("13800000000"),
            InsuredUserName = "member", ImportedAt = now, ImportedBy = "demo",
        };
        cpic.Diagnoses.Add(new DiagnosisEvent { PolicyId = cpic.Id, Kind = "recurrence", DiagnosedOn = new DateOnly(2026, 4, 10), Confirmed = true,
            DetailProtected = protector.Protect("演示：乳腺癌局部复发"), RecordedAt = now });
        var jd = new Policy
        {
            Id = Guid.CreateVersion7().ToString("N"), PolicyNumber = "DEMO-JD-0001", Insurer = "JD", Product = Products.JdTumourDrug, Variant = "with-social-insurance",
            EffectiveDate = new DateOnly(2026, 2, 1), EndDate = new DateOnly(2027, 1, 31),
            InsuredName = "演示会员", InsuredIdNumberProtected = protector.Protect("110101198001010000"), InsuredPhoneProtected = protector.Protect("13800000000"),
            InsuredUserName = "member", ImportedAt = now, ImportedBy = "demo",
        };
        jd.Diagnoses.Add(new DiagnosisEvent { PolicyId = jd.Id, Kind = "first-malignant-tumour", DiagnosedOn = new DateOnly(2026, 6, 15), Confirmed = true,
            DetailProtected = protector.Protect("演示：恶性肿瘤初次确诊"), RecordedAt = now });
        db.Policies.AddRange(cpic, jd);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Seeded demo policies {Cpic} and {Jd} for user {User}", cpic.PolicyNumber, jd.PolicyNumber, "member");
    }
}
