using Workflows.Domain.Applications;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;
using Workflows.Domain.ReferenceData;

namespace Workflows.Domain.Tests;

/// <summary>The cancellation notice rule (one class for the preview and the cancellation) and the application form per service.</summary>
public sealed class CancellationNoticeTests
{
    private static readonly BusinessCalendar Calendar = BusinessCalendar.Default;
    private static ServiceDefinition Service(string code) => ServiceCatalogue.Default.TryGet(code, out var s) ? s : throw new InvalidOperationException(code);

    [Fact]
    public void Nothing_booked_gives_the_use_back_and_says_why()
    {
        var o = CancellationNotice.Judge(Service("cpic-outpatient-green-channel"), new DateOnly(2026, 11, 27), null, Calendar);
        Assert.True(o.QuotaRestored);
        Assert.Equal("现在取消，服务次数将退回，因为尚未预约。", o.PreviewZh);
        Assert.Equal("申请已取消（尚未预约），服务次数已退回。", o.ExplanationZh);
    }

    [Theory]
    // Inpatient/surgery green channel: 3 working days' notice. Appointment Thu 8 Oct 2026 (after the National Day holiday).
    [InlineData("2026-09-28", true, 3)]  // Mon: 29 Sep, 30 Sep, 8 Oct
    [InlineData("2026-09-29", false, 2)] // Tue: 30 Sep, 8 Oct
    public void A_booking_cancelled_with_enough_working_days_gives_the_use_back_else_it_counts_as_used(string today, bool restored, int given)
    {
        var o = CancellationNotice.Judge(Service("cpic-inpatient-surgery-green-channel"), DateOnly.Parse(today), new DateOnly(2026, 10, 8), Calendar);
        Assert.Equal(restored, o.QuotaRestored);
        Assert.Equal(given, o.NoticeGivenWorkingDays);
        Assert.Equal(3, o.NoticeRequiredWorkingDays);
        Assert.Equal(restored
            ? $"现在取消，服务次数将退回，因为距预约还有 {given} 个工作日（须至少提前 3 个工作日取消）。"
            : $"现在取消，本次服务将视为已使用，因为距预约仅 {given} 个工作日（须至少提前 3 个工作日取消）。", o.PreviewZh);
    }

    [Fact]
    public void Gene_testing_before_the_sample_always_gives_the_use_back()
    {
        var o = CancellationNotice.Judge(Service("cpic-recurrence-genetic-testing"), new DateOnly(2026, 11, 27), new DateOnly(2026, 11, 27), Calendar);
        Assert.True(o.QuotaRestored);
        Assert.Contains("尚未采样", o.PreviewZh);
    }

    [Fact]
    public void A_service_without_a_limit_says_the_cancellation_costs_nothing()
    {
        var o = CancellationNotice.Judge(Service("jd-drug-consultation"), new DateOnly(2026, 11, 27), null, Calendar);
        Assert.Equal("本服务不限次数，现在取消不影响您以后再次申请。", o.PreviewZh);
    }
}

public sealed class ApplicationFormTests(LoadedReference reference) : IClassFixture<LoadedReference>
{
    private static ServiceDefinition Service(string code) => ServiceCatalogue.Default.TryGet(code, out var s) ? s : throw new InvalidOperationException(code);
    private static readonly DateOnly Today = new(2026, 11, 27);

    [Fact]
    public void The_outpatient_green_channel_asks_for_a_listed_hospital_and_dates_and_searches_the_list()
    {
        var form = ApplicationForm.For(Service("cpic-outpatient-green-channel"), "insured");
        Assert.Equal(HospitalList.GreenChannel, form.Hospitals);
        Assert.Equal(CityList.None, form.Cities);
        Assert.Null(form.DrugSource);
        Assert.True(form.PreferredDates);
        Assert.Null(form.ProofKind);
        var found = form.HospitalOptions(reference.Lookup, "瑞金");
        Assert.Contains(found, h => h.Name == "上海交通大学医学院附属瑞金医院");
        Assert.All(found, h => Assert.True(reference.Lookup.IsGreenChannelHospital(h.Name)));
        Assert.NotEmpty(form.HospitalOptions(reference.Lookup, "上海")); // by city too
        Assert.Empty(form.HospitalOptions(reference.Lookup, "不存在的医院"));

        var errors = form.Validate(new ApplicationDetails(), [], Today);
        Assert.Equal(["hospital", "preferredDates"], errors.Keys.Order());
        Assert.Equal("请从列表中选择就诊医院。", errors["hospital"].Zh);
        Assert.Empty(form.Validate(new ApplicationDetails { Hospital = "上海交通大学医学院附属瑞金医院" }, [Today.AddDays(3)], Today));
        Assert.Equal("期望日期须晚于今天。", form.Validate(new ApplicationDetails { Hospital = "x" }, [Today], Today)["preferredDates"].Zh);
    }

    [Fact]
    public void A_JD_purchase_asks_for_a_drug_from_the_JD_list_a_pharmacy_city_and_the_prescription()
    {
        var form = ApplicationForm.For(Service("jd-reservation-purchase"), "agent");
        Assert.Equal(ReferenceDataLoader.Jd, form.DrugSource);
        Assert.Equal(CityList.JdPharmacy, form.Cities);
        Assert.True(form.Prescription);
        Assert.False(form.PreferredDates);
        Assert.Equal(AttachmentMeta.PowerOfAttorney, form.ProofKind);
        Assert.All(form.DrugOptions(reference.Lookup, null), d => Assert.Equal(ReferenceDataLoader.Jd, d.Source));
        Assert.All(form.CityOptions(reference.Lookup), c => Assert.True(reference.Lookup.HasJdPharmacy(c)));

        var errors = form.Validate(new ApplicationDetails { PrescriptionDays = 40, PrescribedOn = Today.AddDays(1) }, [], Today);
        Assert.Equal(["city", "drug", "prescribedOn", "prescriptionDays", "proof"], errors.Keys.Order());
        Assert.Contains("31", errors["prescriptionDays"].Zh);
    }

    [Fact]
    public void The_MDT_consultation_offers_its_three_cities_and_escort_the_escort_list()
    {
        Assert.Equal(["北京", "上海", "广州"], ApplicationForm.For(Service("cpic-mdt-consultation"), "insured").CityOptions(reference.Lookup));
        var escort = ApplicationForm.For(Service("cpic-medical-escort"), "guardian");
        Assert.All(escort.CityOptions(reference.Lookup), c => Assert.True(reference.Lookup.IsEscortCity(c)));
        Assert.Equal(AttachmentMeta.GuardianshipProof, escort.ProofKind);
    }

    [Fact]
    public void Preferred_dates_are_written_with_their_weekday()
    {
        Assert.Equal("2026-11-30(周一) 上午；2026-12-02(周三)", ApplicationForm.PreferredTimeText([(new DateOnly(2026, 11, 30), "上午"), (new DateOnly(2026, 12, 2), "")]));
    }
}

public sealed class ApplicationFormWithoutDocumentsTests
{
    [Fact]
    public void A_service_whose_catalogue_entry_lists_no_documents_asks_for_none()
    {
        Assert.True(ServiceCatalogue.Default.TryGet("jd-green-channel", out var s));
        var form = ApplicationForm.For(s, "insured");
        Assert.Empty(form.Documents);
        Assert.Equal(HospitalList.JdDesignated, form.Hospitals);
        Assert.True(form.GreenChannel);
    }
}
