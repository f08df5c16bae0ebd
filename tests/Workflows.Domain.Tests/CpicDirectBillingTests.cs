using Workflows.Domain.Activities;

namespace Workflows.Domain.Tests;

/// <summary>CPIC 特药垫付 (C 871-875): CPIC advances the covered cost within the ratio and the sum insured left; the member pays the rest.</summary>
public sealed class CpicDirectBillingTests
{
    [Fact]
    public void The_advance_respects_the_ratio_and_the_sum_insured_left_and_the_member_pays_the_rest()
    {
        Assert.Equal((10000m, 0m), Split(10000m, 1m, null));
        Assert.Equal((8000m, 2000m), Split(10000m, 0.8m, null));
        Assert.Equal((5000m, 5000m), Split(10000m, 0.8m, 5000m));
        Assert.Equal((0m, 10000m), Split(10000m, 1m, 0m));
        Assert.Equal((0m, 10000m), Split(10000m, 1m, -5m)); // an overdrawn sum insured advances nothing
        Assert.Equal((333.33m, 666.67m), Split(1000m, 1m / 3m, null)); // rounded to the fen
        Assert.Throws<ArgumentException>(() => CpicDirectBilling.Calculate(-1m, 1m, null));
        Assert.Throws<ArgumentException>(() => CpicDirectBilling.Calculate(1m, 1.5m, null));
    }

    private static (decimal Advanced, decimal MemberPays) Split(decimal cost, decimal ratio, decimal? left)
    {
        var s = CpicDirectBilling.Calculate(cost, ratio, left);
        return (s.Advanced, s.MemberPays);
    }
}
