using Workflows.Domain.Reimbursement;

namespace Workflows.Domain.Tests;

public sealed class ReimbursementTests
{
    [Theory]
    [InlineData("without-social-insurance", true, true, 4000, 10000, 1.00)]   // 无社保版: everything, whatever was settled
    [InlineData("with-social-insurance", false, false, 0, 10000, 1.00)]       // off the list: 100%
    [InlineData("with-social-insurance", true, true, 4000, 6000, 1.00)]       // on the list, settled: 100% of the remaining 6,000
    [InlineData("with-social-insurance", true, false, 0, 6000, 0.60)]         // on the list, not settled: 60%
    public void Payable_amounts_follow_the_handbook_ratios(string variant, bool onList, bool settled, decimal paid, decimal expected, decimal ratio)
    {
        var r = JdReimbursement.Calculate(variant, new DrugPurchase(10000m, onList, settled, paid));
        Assert.Equal(expected, r.Payable);
        Assert.Equal(ratio, r.Ratio);
        Assert.False(string.IsNullOrEmpty(r.RuleZh));
    }

    [Fact]
    public void Amounts_are_rounded_to_the_fen_and_nonsense_is_refused()
    {
        Assert.Equal(200.01m, JdReimbursement.Calculate("with-social-insurance", new DrugPurchase(333.35m, true, false)).Payable);
        Assert.Throws<ArgumentException>(() => JdReimbursement.Calculate("with-social-insurance", new DrugPurchase(100m, true, true, 150m)));
        Assert.Throws<ArgumentException>(() => JdReimbursement.Calculate("gold", new DrugPurchase(100m, true, true)));
    }
}
