namespace Workflows.Domain.Reimbursement;

/// <summary>One specialty-drug purchase as the JD claim sees it.</summary>
/// <param name="DrugCost">What the drug cost (元).</param>
/// <param name="OnSocialInsuranceList">The drug is in the social-insurance drug list (医保目录内).</param>
/// <param name="SettledThroughSocialInsurance">The purchase was settled through social insurance (经社保结算).</param>
/// <param name="SocialInsurancePaid">What social insurance paid, when settled through it.</param>
public sealed record DrugPurchase(decimal DrugCost, bool OnSocialInsuranceList, bool SettledThroughSocialInsurance, decimal SocialInsurancePaid = 0);

public sealed record PayableAmount(decimal Payable, decimal Ratio, decimal Base, string RuleZh, string RuleEn);

/// <summary>
/// JD Allianz's payable amount for a specialty drug (J 47-52):
/// 有社保版 (with social insurance): off the social-insurance list 100%; on the list, 100% of what remains after the
/// social-insurance settlement, or 60% when it was not settled through social insurance. 无社保版 (without): 100%.
/// </summary>
public static class JdReimbursement
{
    public const decimal NotSettledRatio = 0.60m;

    public static PayableAmount Calculate(string variant, DrugPurchase p)
    {
        if (p.DrugCost < 0 || p.SocialInsurancePaid < 0) throw new ArgumentException("Amounts cannot be negative.");
        if (p.SocialInsurancePaid > p.DrugCost) throw new ArgumentException("Social insurance cannot have paid more than the drug cost.");
        return variant switch
        {
            "without-social-insurance" => Pay(p.DrugCost, 1m, "无社保版：按100%比例给付。", "Without social insurance: 100%."),
            "with-social-insurance" when !p.OnSocialInsuranceList =>
                Pay(p.DrugCost, 1m, "有社保版，社保目录外药品：按100%比例给付。", "With social insurance, drug off the list: 100%."),
            "with-social-insurance" when p.SettledThroughSocialInsurance =>
                Pay(p.DrugCost - p.SocialInsurancePaid, 1m, "有社保版，社保目录内药品且经社保结算：社保结算后剩余部分按100%给付。",
                    "With social insurance, drug on the list, settled through social insurance: 100% of the remainder."),
            "with-social-insurance" =>
                Pay(p.DrugCost, NotSettledRatio, "有社保版，社保目录内药品未经社保结算：按60%比例给付。",
                    "With social insurance, drug on the list, not settled through social insurance: 60%."),
            _ => throw new ArgumentException($"Unknown JD variant '{variant}'; use with-social-insurance or without-social-insurance."),
        };
    }

    private static PayableAmount Pay(decimal @base, decimal ratio, string zh, string en) =>
        new(decimal.Round(@base * ratio, 2, MidpointRounding.AwayFromZero), ratio, @base, zh, en);
}
