using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Eligibility;

/// <summary>One quota: a policy's uses of a service in one quota period.</summary>
public sealed record QuotaKey(string PolicyId, string ServiceCode, DateOnly PeriodStart);

/// <summary>
/// How many uses of a quota were taken when an eligibility decision is made. Live, that is the quota table now; replay
/// answers with what the decision recorded (the state as it was), and what-if with that adjusted by the earlier replayed
/// cases' different decisions (see docs/audit-replay.md).
/// </summary>
public interface IQuotaLedger
{
    ValueTask<int> UsedAsync(DomainDbContext db, QuotaKey key, ActivityContext context);
}

/// <summary>The quota table as it is: uses reserved or consumed, not released.</summary>
public sealed class LiveQuotaLedger : IQuotaLedger
{
    public static readonly LiveQuotaLedger Instance = new();

    public async ValueTask<int> UsedAsync(DomainDbContext db, QuotaKey key, ActivityContext context) =>
        await Used(db, key.PolicyId, key.ServiceCode, key.PeriodStart, context.CancellationToken);

    /// <summary>Uses of a service's quota in a period (reserved or consumed), compiled once: every application runs it.</summary>
    private static readonly Func<DomainDbContext, string, string, DateOnly, CancellationToken, Task<int>> Used =
        EF.CompileAsyncQuery((DomainDbContext db, string policyId, string serviceCode, DateOnly period, CancellationToken ct) =>
            db.QuotaUses.Count(q => q.PolicyId == policyId && q.ServiceCode == serviceCode && q.PeriodStart == period && q.State != QuotaState.Released));
}
