using Workflows.Domain.Catalogue;

namespace Workflows.Domain.Tests;

public sealed class CatalogueTests
{
    [Fact]
    public void The_catalogue_holds_every_handbook_service_with_its_rules()
    {
        var c = ServiceCatalogue.Load();
        Assert.Equal(15, c.Services.Count);
        Assert.True(c.TryGet("cpic-outpatient-green-channel", out var outpatient));
        Assert.Equal(3, outpatient.QuotaPerPolicyPeriod);
        Assert.Equal(60, outpatient.StartCondition.Days);
        Assert.Equal(1, outpatient.CancellationNoticeWorkingDays);
        Assert.True(c.TryGet("cpic-inpatient-surgery-green-channel", out var inpatient));
        Assert.Equal(3, inpatient.CancellationNoticeWorkingDays);
        Assert.True(c.TryGet("cpic-coc-oncology-follow-up", out var coc));
        Assert.True(coc.StartCondition.IsCoolingOff);
        Assert.Equal(15, coc.StartCondition.Days);
        Assert.True(c.TryGet("cpic-mdt-consultation", out var mdt));
        Assert.Equal(["北京", "上海", "广州"], mdt.RegionLimit!.Cities);
        Assert.True(c.TryGet("jd-green-channel", out var green));
        Assert.Equal("policy-year", green.QuotaScope);
    }
}
