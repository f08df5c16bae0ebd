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
        await db.QuotaUses.CountAsync(q => q.PolicyId == key.PolicyId && q.ServiceCode == key.ServiceCode && q.PeriodStart == key.PeriodStart
                                           && q.State != QuotaState.Released, context.CancellationToken);
}
