using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Engine.Runtime;
using Workflows.Persistence;

namespace Workflows.Domain.Eligibility;

/// <summary>One quota: a policy's uses of a service in one quota period.</summary>
public sealed record QuotaKey(string PolicyId, string ServiceCode, DateOnly PeriodStart);

/// <summary>
/// The one place quota uses are taken, given back and counted. A use is a <see cref="QuotaUse"/> row per application;
/// the number held per quota is the <see cref="QuotaCounter"/> row, changed in the same transaction. Reserving is a
/// conditional update of that row (<c>SET Used = Used + 1 WHERE … AND Used &lt; @quota</c>): the database admits at
/// most <c>quota</c> reservations however many nodes and writers try at once (on PostgreSQL the second writer waits for
/// the first's row lock and re-checks the condition on the committed row), so no read-then-insert race can overdraw it.
/// </summary>
public static class QuotaLedger
{
    /// <summary>Takes one use for <paramref name="applicationId"/>; false when the quota is used up (nothing written).</summary>
    public static bool Reserve(WriteTransaction t, QuotaKey key, int quota, string applicationId, long nowTicks)
    {
        t.Execute("""
            INSERT INTO QuotaCounters (PolicyId, ServiceCode, PeriodStart, Used) VALUES (@policy, @service, @period, 0)
            ON CONFLICT (PolicyId, ServiceCode, PeriodStart) DO NOTHING
            """, ("@policy", key.PolicyId), ("@service", key.ServiceCode), ("@period", key.PeriodStart));
        var taken = t.Execute("""
            UPDATE QuotaCounters SET Used = Used + 1
            WHERE PolicyId = @policy AND ServiceCode = @service AND PeriodStart = @period AND Used < @quota
            """, ("@policy", key.PolicyId), ("@service", key.ServiceCode), ("@period", key.PeriodStart), ("@quota", quota));
        if (taken == 0) return false;
        t.Execute("""
            INSERT INTO QuotaUses (PolicyId, ServiceCode, PeriodStart, ApplicationId, State, UpdatedAt)
            VALUES (@policy, @service, @period, @app, @state, @now)
            """, ("@policy", key.PolicyId), ("@service", key.ServiceCode), ("@period", key.PeriodStart), ("@app", applicationId),
            ("@state", QuotaState.Reserved), ("@now", nowTicks));
        return true;
    }

    /// <summary>The application's reserved use is consumed (it stays counted).</summary>
    public static void Consume(WriteTransaction t, string applicationId, long nowTicks) =>
        t.Execute("UPDATE QuotaUses SET State = @state, UpdatedAt = @now WHERE ApplicationId = @app AND State = @reserved",
            ("@state", QuotaState.Consumed), ("@now", nowTicks), ("@app", applicationId), ("@reserved", QuotaState.Reserved));

    /// <summary>The application's reserved use is given back: the counter goes down by what was released.</summary>
    public static void Release(WriteTransaction t, string applicationId, long nowTicks)
    {
        var held = new List<QuotaKey>();
        using (var r = t.Reader("SELECT PolicyId, ServiceCode, PeriodStart FROM QuotaUses WHERE ApplicationId = @app AND State = @reserved",
                   ("@app", applicationId), ("@reserved", QuotaState.Reserved)))
            while (r.Read()) held.Add(new QuotaKey(r.GetString(0), r.GetString(1), r.GetFieldValue<DateOnly>(2)));
        if (held.Count == 0) return;
        t.Execute("UPDATE QuotaUses SET State = @state, UpdatedAt = @now WHERE ApplicationId = @app AND State = @reserved",
            ("@state", QuotaState.Released), ("@now", nowTicks), ("@app", applicationId), ("@reserved", QuotaState.Reserved));
        foreach (var k in held)
            t.Execute("UPDATE QuotaCounters SET Used = Used - 1 WHERE PolicyId = @policy AND ServiceCode = @service AND PeriodStart = @period AND Used > 0",
                ("@policy", k.PolicyId), ("@service", k.ServiceCode), ("@period", k.PeriodStart));
    }

    /// <summary>Uses held (reserved or consumed) of one quota: what members, staff and the eligibility check see.</summary>
    public static Task<int> UsedAsync(DomainDbContext db, QuotaKey key, CancellationToken ct) =>
        Used(db, key.PolicyId, key.ServiceCode, key.PeriodStart, ct);

    /// <summary>
    /// As <see cref="UsedAsync(DomainDbContext,QuotaKey,CancellationToken)"/>, on a reader connection with the statement
    /// prepared once (no DbContext, no SQL parsed per call): the eligibility check of every application runs it.
    /// </summary>
    public static Task<int> UsedAsync(StoreConnections connections, QuotaKey key, CancellationToken ct) =>
        connections.ReadAsync(async c => await c.Command(
            "SELECT Used FROM QuotaCounters WHERE PolicyId = @policy AND ServiceCode = @service AND PeriodStart = @period", null,
            ("@policy", key.PolicyId), ("@service", key.ServiceCode), ("@period", key.PeriodStart)).ExecuteScalarAsync(ct) is { } used and not DBNull
            ? Convert.ToInt32(used, System.Globalization.CultureInfo.InvariantCulture) : 0);

    /// <summary>Compiled once: every entitlement view runs it.</summary>
    private static readonly Func<DomainDbContext, string, string, DateOnly, CancellationToken, Task<int>> Used =
        EF.CompileAsyncQuery((DomainDbContext db, string policyId, string serviceCode, DateOnly period, CancellationToken ct) =>
            db.QuotaCounters.Where(q => q.PolicyId == policyId && q.ServiceCode == serviceCode && q.PeriodStart == period).Select(q => q.Used).FirstOrDefault());
}

/// <summary>
/// How many uses of a quota were taken when an eligibility decision is made. Live, that is <see cref="QuotaLedger"/>
/// now; replay answers with what the decision recorded (the state as it was), and what-if with that adjusted by the
/// earlier replayed cases' different decisions (see docs/audit-replay.md).
/// </summary>
public interface IQuotaLedger
{
    ValueTask<int> UsedAsync(DomainDbContext db, QuotaKey key, ActivityContext context);
}

/// <summary>The quota as it is now (<see cref="QuotaLedger.UsedAsync"/>).</summary>
public sealed class LiveQuotaLedger : IQuotaLedger
{
    public static readonly LiveQuotaLedger Instance = new();

    public async ValueTask<int> UsedAsync(DomainDbContext db, QuotaKey key, ActivityContext context) =>
        context.Services.GetService(typeof(StoreConnections)) is StoreConnections connections
            ? await QuotaLedger.UsedAsync(connections, key, context.CancellationToken)
            : await QuotaLedger.UsedAsync(db, key, context.CancellationToken);
}
