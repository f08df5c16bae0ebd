using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain;
using Workflows.Domain.Applications;
using Workflows.Domain.Eligibility;
using Workflows.Domain.Policies;
using Workflows.Persistence;

namespace Workflows.Web.Tests;

/// <summary>
/// The prepared reads of an application's hot path (<see cref="PolicyReader"/>, <see cref="QuotaLedger.UsedAsync(StoreConnections,QuotaKey,CancellationToken)"/>)
/// answer exactly what EF Core reads, on the configured provider: every property of a policy and its diagnoses (set to
/// a value that is not the default, by reflection, so a property added to the entity and not to the reader fails here),
/// the member filter (insured and guardian see it, anyone else does not), and the quota counter.
/// </summary>
public sealed class PolicyReaderTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    [Fact]
    public async Task The_prepared_policy_read_maps_every_property_as_EF_does_and_filters_by_member()
    {
        var number = "PR-" + Guid.NewGuid().ToString("N")[..10];
        var policy = Filled<Policy>(number);
        policy.PolicyNumber = number;
        policy.Diagnoses = [Filled<DiagnosisEvent>("d1"), Filled<DiagnosisEvent>("d2")];
        for (var i = 0; i < policy.Diagnoses.Count; i++)
        {
            policy.Diagnoses[i].Id = 0; // generated
            policy.Diagnoses[i].PolicyId = policy.Id;
            policy.Diagnoses[i].DiagnosedOn = new DateOnly(2026, 3, 5 + i);
        }
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DomainDbContext>();
        db.Policies.Add(policy);
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        var connections = factory.Services.GetRequiredService<StoreConnections>();
        var viaEf = await db.Policies.AsNoTracking().Include(p => p.Diagnoses).SingleAsync(p => p.PolicyNumber == number);
        var prepared = await PolicyReader.WithDiagnosesAsync(connections, number, CancellationToken.None);
        Assert.NotNull(prepared);
        AssertSame(viaEf, prepared!);
        Assert.Equal(2, prepared!.Diagnoses.Count);
        foreach (var (e, p) in viaEf.Diagnoses.OrderBy(d => d.Id).Zip(prepared.Diagnoses))
            AssertSame(e, p);
        // The round trip kept what was written (so the comparison is not between two equally wrong reads).
        Assert.Equal(policy.SpecialtyDrugSumInsured, prepared.SpecialtyDrugSumInsured);
        Assert.Equal(policy.ImportedAt, prepared.ImportedAt);
        Assert.Equal(policy.WaitingPeriodEnd, prepared.WaitingPeriodEnd);

        Assert.Equal(number, (await PolicyReader.OfMemberWithDiagnosesAsync(connections, policy.InsuredUserName!, number, CancellationToken.None))?.PolicyNumber);
        Assert.Equal(number, (await PolicyReader.OfMemberWithDiagnosesAsync(connections, policy.GuardianUserName!, number, CancellationToken.None))?.PolicyNumber);
        Assert.Null(await PolicyReader.OfMemberWithDiagnosesAsync(connections, "someone-else", number, CancellationToken.None));
        Assert.Null(await PolicyReader.OfMemberWithDiagnosesAsync(connections, policy.InsuredUserName!, null, CancellationToken.None));
        Assert.Null(await PolicyReader.WithDiagnosesAsync(connections, number + "-X", CancellationToken.None));

        // A policy without diagnoses and with every optional column empty.
        var bare = new Policy
        {
            Id = Guid.NewGuid().ToString("N"), PolicyNumber = number + "-B", Insurer = "JD", Product = Products.JdTumourDrug, InsuredName = "甲",
            InsuredIdNumberProtected = "p", EffectiveDate = new DateOnly(2026, 1, 1), EndDate = new DateOnly(2026, 12, 31), ImportedBy = "t",
            ImportedAt = DateTimeOffset.Parse("2026-01-01T00:00:00Z"),
        };
        db.Policies.Add(bare);
        await db.SaveChangesAsync();
        var bareEf = await db.Policies.AsNoTracking().Include(p => p.Diagnoses).SingleAsync(p => p.PolicyNumber == bare.PolicyNumber);
        var barePrepared = await PolicyReader.WithDiagnosesAsync(connections, bare.PolicyNumber, CancellationToken.None);
        AssertSame(bareEf, barePrepared!);
        Assert.Empty(barePrepared!.Diagnoses);
    }

    [Fact]
    public async Task The_prepared_quota_count_is_the_counter_EF_reads()
    {
        var key = new QuotaKey("PQ-" + Guid.NewGuid().ToString("N")[..10], "jd-drug-consultation", new DateOnly(2026, 1, 1));
        var connections = factory.Services.GetRequiredService<StoreConnections>();
        Assert.Equal(0, await QuotaLedger.UsedAsync(connections, key, CancellationToken.None)); // no counter row yet
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<DomainDbContext>();
        db.QuotaCounters.Add(new QuotaCounter { PolicyId = key.PolicyId, ServiceCode = key.ServiceCode, PeriodStart = key.PeriodStart, Used = 3 });
        db.QuotaCounters.Add(new QuotaCounter { PolicyId = key.PolicyId, ServiceCode = key.ServiceCode, PeriodStart = key.PeriodStart.AddYears(1), Used = 1 });
        await db.SaveChangesAsync();
        Assert.Equal(3, await QuotaLedger.UsedAsync(db, key, CancellationToken.None));
        Assert.Equal(3, await QuotaLedger.UsedAsync(connections, key, CancellationToken.None));
        Assert.Equal(1, await QuotaLedger.UsedAsync(connections, key with { PeriodStart = key.PeriodStart.AddYears(1) }, CancellationToken.None));
    }

    /// <summary>Every settable scalar property of <typeparamref name="T"/> set to a value that is not its type's default.</summary>
    private static T Filled<T>(string tag) where T : new()
    {
        var o = new T();
        var i = 0;
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            i++;
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            object? v = t == typeof(string) ? $"{tag}-{p.Name}"
                : t == typeof(bool) ? true
                : t == typeof(int) ? 7 + i
                : t == typeof(long) ? 70L + i
                : t == typeof(decimal) ? 123456.78m + i
                : t == typeof(DateOnly) ? new DateOnly(2026, 1, 1).AddDays(i)
                : t == typeof(DateTimeOffset) ? new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero).AddMinutes(i)
                : null;
            if (v is null && p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>)) continue; // navigations
            p.SetValue(o, v ?? throw new InvalidOperationException($"{typeof(T).Name}.{p.Name}: add a value for {t.Name} to this test (and a column to PolicyReader)."));
        }
        return o;
    }

    private static void AssertSame<T>(T expected, T actual)
    {
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(List<>)) continue;
            Assert.True(Equals(p.GetValue(expected), p.GetValue(actual)),
                $"{typeof(T).Name}.{p.Name}: EF read '{p.GetValue(expected)}', the prepared read '{p.GetValue(actual)}'");
        }
    }
}
