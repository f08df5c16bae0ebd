using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain
{
    /// <summary>The <c>DirectBilling</c> section: CPIC 特药垫付 (docs/domain-rules.md, "CPIC direct billing: the sum insured and the advances so far").</summary>
    public sealed class DirectBillingSettings
    {
        public const string Section = "DirectBilling";

        /// <summary>The largest sum insured a feed or this setting may state (元).</summary>
        public const decimal MaxSumInsured = 100_000_000m;

        /// <summary>
        /// The specialty-drug sum insured (元) of a CPIC policy whose feed does not state one. The handbook names no figure
        /// (it refers to the contract's 保险金额); the shipped 1,000,000 is a decision, set it to the product's figure.
        /// </summary>
        [Range(typeof(decimal), "0.01", "100000000", ErrorMessage = "DirectBilling:DefaultSumInsured must be between 0.01 and 100000000 (元).")]
        public decimal DefaultSumInsured { get; set; } = 1_000_000m;
    }
}

namespace Workflows.Domain.Applications
{
    /// <summary>
    /// The running total of CPIC 特药垫付 advances on one policy (one policy = one policy year: CPIC's term is one year,
    /// a renewal is a new policy with its own sum insured). Amounts are in fen (分), integers, so the conditional update
    /// that keeps two concurrent advances from overdrawing compares exact numbers on every provider.
    /// </summary>
    public sealed class DirectBillingAccount
    {
        public string PolicyId { get; set; } = "";
        public string PolicyNumber { get; set; } = "";
        /// <summary>The sum insured the last advance was checked against (fen).</summary>
        public long SumInsuredFen { get; set; }
        /// <summary>Advances reserved or made (fen); a released one (voucher waived or lapsed) is taken off again.</summary>
        public long UsedFen { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
    }

    /// <summary>One application's direct-billing advance: Reserved when the pharmacy is planned, Consumed at pickup or delivery, Released when the voucher is waived or lapses.</summary>
    public sealed class DirectBillingAdvance
    {
        public long Id { get; set; }
        public string PolicyId { get; set; } = "";
        public string ApplicationId { get; set; } = "";
        public long AmountFen { get; set; }
        public string State { get; set; } = QuotaState.Reserved;
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
    }

    /// <summary>
    /// What the direct-billing ledger does inside the step's transaction: reserve an advance only while the policy's
    /// advances stay within its sum insured (a conditional update whose affected rows are checked, so two advances at
    /// once never overdraw), consume it at pickup or delivery, release it when the voucher is waived or lapses.
    /// </summary>
    public sealed class DirectBillingEffects : IStepEffectHandler
    {
        public const string Reserve = "directbilling.reserve";
        public const string Consume = "directbilling.consume";
        public const string Release = "directbilling.release";
        public const string ExhaustedCode = "SUM_INSURED_EXHAUSTED";

        public IReadOnlyCollection<string> Types { get; } = [Reserve, Consume, Release];

        public void Apply(StepTransaction c, StepEffect effect)
        {
            var instance = c.Instance;
            var d = effect.Data;
            var now = instance.UpdatedAt.UtcTicks;
            var applicationId = (d["applicationId"] as JsonValue)?.ToString() ?? instance.CorrelationId
                                ?? throw new InvalidOperationException($"Effect {effect.Type} of instance {instance.Id} names no application.");
            switch (effect.Type)
            {
                case Reserve:
                    var policyId = d["policyId"]!.GetValue<string>();
                    var sum = d["sumInsuredFen"]!.GetValue<long>();
                    var amount = d["amountFen"]!.GetValue<long>();
                    // A re-planned purchase replaces its earlier reservation.
                    ReleaseReserved(c, applicationId, now);
                    c.Command("""
                        INSERT INTO DirectBillingAccounts (PolicyId, PolicyNumber, SumInsuredFen, UsedFen, UpdatedAt) VALUES (@policy, @number, @sum, 0, @now)
                        ON CONFLICT (PolicyId) DO NOTHING
                        """, ("@policy", policyId), ("@number", d["policyNumber"]!.GetValue<string>()), ("@sum", sum), ("@now", now)).ExecuteNonQuery();
                    var rows = c.Command("""
                        UPDATE DirectBillingAccounts SET UsedFen = UsedFen + @amount, SumInsuredFen = @sum, UpdatedAt = @now
                        WHERE PolicyId = @policy AND UsedFen + @amount <= @sum
                        """, ("@amount", amount), ("@sum", sum), ("@now", now), ("@policy", policyId)).ExecuteNonQuery();
                    if (rows != 1)
                        throw new EffectRefusedException(ExhaustedCode,
                            "本保单的特药保险金额余额已被同时办理的另一笔垫付占用，请刷新后按最新余额重新登记。 The policy's specialty-drug sum insured left changed (another advance at the same time); submit again to use the balance now left.");
                    c.Command("""
                        INSERT INTO DirectBillingAdvances (PolicyId, ApplicationId, AmountFen, State, CreatedAt, UpdatedAt) VALUES (@policy, @app, @amount, @state, @now, @now)
                        """, ("@policy", policyId), ("@app", applicationId), ("@amount", amount), ("@state", QuotaState.Reserved), ("@now", now)).ExecuteNonQuery();
                    break;
                case Consume:
                    c.Command("UPDATE DirectBillingAdvances SET State = @state, UpdatedAt = @now WHERE ApplicationId = @app AND State = @reserved",
                        ("@state", QuotaState.Consumed), ("@now", now), ("@app", applicationId), ("@reserved", QuotaState.Reserved)).ExecuteNonQuery();
                    break;
                case Release:
                    ReleaseReserved(c, applicationId, now);
                    break;
            }
        }

        private static void ReleaseReserved(WriteTransaction c, string applicationId, long now)
        {
            string? policyId = null;
            long amount = 0;
            using (var r = c.Command("SELECT PolicyId, AmountFen FROM DirectBillingAdvances WHERE ApplicationId = @app AND State = @reserved",
                       ("@app", applicationId), ("@reserved", QuotaState.Reserved)).ExecuteReader())
                if (r.Read()) (policyId, amount) = (r.GetString(0), r.GetInt64(1));
            if (policyId is null) return;
            c.Command("UPDATE DirectBillingAdvances SET State = @state, UpdatedAt = @now WHERE ApplicationId = @app AND State = @reserved",
                ("@state", QuotaState.Released), ("@now", now), ("@app", applicationId), ("@reserved", QuotaState.Reserved)).ExecuteNonQuery();
            c.Command("UPDATE DirectBillingAccounts SET UsedFen = UsedFen - @amount, UpdatedAt = @now WHERE PolicyId = @policy",
                ("@amount", amount), ("@now", now), ("@policy", policyId)).ExecuteNonQuery();
        }

        /// <summary>A direct-billing effect's data.</summary>
        public static JsonObject ReserveData(string policyId, string policyNumber, decimal sumInsured, decimal amount) => new()
        {
            ["policyId"] = policyId, ["policyNumber"] = policyNumber, ["sumInsuredFen"] = ToFen(sumInsured), ["amountFen"] = ToFen(amount),
        };

        public static long ToFen(decimal yuan) => (long)decimal.Round(yuan * 100m, 0, MidpointRounding.AwayFromZero);
        public static decimal ToYuan(long fen) => fen / 100m;
    }

    /// <summary>The direct-billing figures of one policy: its sum insured, where it comes from, and the advances so far.</summary>
    public sealed record DirectBillingBalance(decimal SumInsured, bool SumInsuredFromFeed, decimal Advanced)
    {
        public decimal Left => Math.Max(0, SumInsured - Advanced);

        public static DirectBillingBalance Of(DomainDbContext db, Policies.Policy policy, DirectBillingSettings settings)
        {
            var used = db.Set<DirectBillingAccount>().AsNoTracking().Where(a => a.PolicyId == policy.Id).Select(a => (long?)a.UsedFen).FirstOrDefault() ?? 0;
            return new DirectBillingBalance(policy.SpecialtyDrugSumInsured ?? settings.DefaultSumInsured, policy.SpecialtyDrugSumInsured is not null,
                DirectBillingEffects.ToYuan(used));
        }
    }
}
