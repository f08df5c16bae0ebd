using Workflows.Domain.Applications;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;
using Workflows.Domain.Policies;

namespace Workflows.Domain.Tests;

/// <summary>The rules as pure functions (the end-to-end scenarios run through the API in Workflows.Web.Tests).</summary>
public sealed class EligibilityRulesTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.Load();

    private static EligibilityInput Input(string service, Policy policy, string applicant, params AttachmentMeta[] attachments) => new()
    {
        Policy = policy, ChainStart = policy.EffectiveDate, Service = Catalogue.Services.Single(s => s.Code == service), Today = new DateOnly(2026, 6, 1),
        ApplicantUserName = applicant, Details = new ApplicationDetails { Attachments = attachments }, QuotaUsed = 0,
    };

    private static Policy Policy(string insurer, string? relation) => new()
    {
        Id = "p", PolicyNumber = "P", Insurer = insurer, Product = insurer == "JD" ? Products.JdTumourDrug : Products.CpicBreastCancer,
        EffectiveDate = new DateOnly(2026, 1, 1), EndDate = new DateOnly(2026, 12, 31), InsuredUserName = "insured", GuardianUserName = "other", GuardianRelation = relation,
    };

    private static readonly AttachmentMeta Guardianship = new(AttachmentMeta.GuardianshipProof, "g.pdf", "application/pdf", 10);
    private static readonly AttachmentMeta Attorney = new(AttachmentMeta.PowerOfAttorney, "a.pdf", "application/pdf", 10);

    [Fact]
    public void The_insured_applies_a_guardian_with_guardianship_proof_and_only_JD_admits_an_agent()
    {
        Assert.Null(EligibilityRules.ApplicantEntitled(Input("cpic-medical-escort", Policy("CPIC", "parent"), "insured")));
        Assert.Null(EligibilityRules.ApplicantEntitled(Input("cpic-medical-escort", Policy("CPIC", "parent"), "other", Guardianship)));
        Assert.Equal("PROOF_REQUIRED", EligibilityRules.ApplicantEntitled(Input("cpic-medical-escort", Policy("CPIC", "parent"), "other", Attorney))?.Code);
        Assert.Equal("APPLICANT_NOT_ENTITLED", EligibilityRules.ApplicantEntitled(Input("cpic-medical-escort", Policy("CPIC", "agent"), "other", Attorney))?.Code);
        Assert.Null(EligibilityRules.ApplicantEntitled(Input("jd-drug-consultation", Policy("JD", "agent"), "other", Attorney)));
        Assert.Equal("APPLICANT_NOT_ENTITLED", EligibilityRules.ApplicantEntitled(Input("jd-drug-consultation", Policy("JD", "agent"), "stranger", Attorney))?.Code);
    }

    [Fact]
    public void Quota_refusals_name_their_period_and_prescription_rules_are_JDs_only()
    {
        var jd = Input("jd-green-channel", Policy("JD", null), "insured") with { QuotaUsed = 1 };
        Assert.Contains("保单年度", EligibilityRules.QuotaLeft(jd)!.MessageZh);
        var cpic = Input("cpic-outpatient-green-channel", Policy("CPIC", null), "insured") with { QuotaUsed = 3 };
        Assert.Contains("保险期间", EligibilityRules.QuotaLeft(cpic)!.MessageZh);

        var longCpic = Input("cpic-special-drug-direct-pay", Policy("CPIC", null), "insured") with { Details = new ApplicationDetails { PrescriptionDays = 90 } };
        Assert.Null(EligibilityRules.PrescriptionValid(longCpic));
        var longJd = Input("jd-reservation-purchase", Policy("JD", null), "insured") with { Details = new ApplicationDetails { Drug = "可瑞达", PrescribedOn = new DateOnly(2026, 6, 1), PrescriptionDays = 32 } };
        Assert.Equal("PRESCRIPTION_TOO_LONG", EligibilityRules.PrescriptionValid(longJd)?.Code);
    }

    [Fact]
    public void Specialty_drug_direct_billing_needs_the_cooling_off_period_passed_too()
    {
        var policy = Policy("CPIC", null);
        policy.CoolingOffEnd = new DateOnly(2026, 7, 1); // the feed's own date, later than the 60-day waiting period
        Assert.Equal("COOLING_OFF_PERIOD", EligibilityRules.StartConditionPassed(Input("cpic-special-drug-direct-pay", policy, "insured"))?.Code);
        Assert.Null(EligibilityRules.StartConditionPassed(Input("cpic-outpatient-green-channel", policy, "insured")));
    }
}
