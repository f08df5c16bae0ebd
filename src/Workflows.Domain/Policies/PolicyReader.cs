using System.Data.Common;
using Workflows.Persistence;

namespace Workflows.Domain.Policies;

/// <summary>
/// The policy reads every application runs (the member's policy with its diagnoses when applying; by number when a step
/// judges it), as statements prepared once per reader connection (<see cref="StoreConnections.ReadAsync{T}"/>) instead of
/// an EF query, which on SQLite parses its SQL anew on every execution. Provider-neutral SQL (EF's names, unquoted; the
/// PostgreSQL dialect quotes them). Maps every column of <see cref="Policy"/> and <see cref="DiagnosisEvent"/>:
/// <c>PolicyReaderTests</c> compares the result with EF's read of the same policy, property by property, so a column
/// added to the entity and not here fails there.
/// </summary>
public static class PolicyReader
{
    private const string Columns = """
        SELECT Id, PolicyNumber, Insurer, Product, Variant, SpecialtyDrugCover, SpecialtyDrugSumInsured, EffectiveDate, EndDate, PreviousPolicyNumber,
               CoolingOffEnd, WaitingPeriodEnd, InsuredName, InsuredIdNumberProtected, InsuredPhoneProtected, InsuredBirthDate, InsuredUserName,
               GuardianName, GuardianIdNumberProtected, GuardianPhoneProtected, GuardianRelation, GuardianUserName, ImportedAt, ImportedBy, Version,
               TerminatedOn, TerminationReason
        FROM Policies
        """;

    private const string ByNumber = Columns + " WHERE PolicyNumber = @number";
    private const string ByNumberOfMember = Columns + " WHERE PolicyNumber = @number AND (InsuredUserName = @user OR GuardianUserName = @user)";
    private const string DiagnosesOf =
        "SELECT Id, PolicyId, Kind, DiagnosedOn, Confirmed, DetailProtected, RecordedAt FROM DiagnosisEvents WHERE PolicyId = @policy ORDER BY Id";

    /// <summary>The policy of that number with its diagnoses; null when there is none.</summary>
    public static Task<Policy?> WithDiagnosesAsync(StoreConnections connections, string policyNumber, CancellationToken ct) =>
        connections.ReadAsync(c => ReadAsync(c, c.Command(ByNumber, null, ("@number", policyNumber)), ct));

    /// <summary>The policy of that number with its diagnoses if <paramref name="user"/> is its insured or guardian/agent; null otherwise.</summary>
    public static Task<Policy?> OfMemberWithDiagnosesAsync(StoreConnections connections, string user, string? policyNumber, CancellationToken ct) =>
        policyNumber is null
            ? Task.FromResult<Policy?>(null)
            : connections.ReadAsync(c => ReadAsync(c, c.Command(ByNumberOfMember, null, ("@number", policyNumber), ("@user", user)), ct));

    private static async Task<Policy?> ReadAsync(PreparedConnection c, DbCommand command, CancellationToken ct)
    {
        Policy policy;
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct)) return null;
            policy = new Policy
            {
                Id = r.GetString(0),
                PolicyNumber = r.GetString(1),
                Insurer = r.GetString(2),
                Product = r.GetString(3),
                Variant = Str(r, 4),
                SpecialtyDrugCover = r.GetBoolean(5),
                SpecialtyDrugSumInsured = r.IsDBNull(6) ? null : r.GetDecimal(6),
                EffectiveDate = r.GetFieldValue<DateOnly>(7),
                EndDate = r.GetFieldValue<DateOnly>(8),
                PreviousPolicyNumber = Str(r, 9),
                CoolingOffEnd = Date(r, 10),
                WaitingPeriodEnd = Date(r, 11),
                InsuredName = r.GetString(12),
                InsuredIdNumberProtected = r.GetString(13),
                InsuredPhoneProtected = Str(r, 14),
                InsuredBirthDate = Date(r, 15),
                InsuredUserName = Str(r, 16),
                GuardianName = Str(r, 17),
                GuardianIdNumberProtected = Str(r, 18),
                GuardianPhoneProtected = Str(r, 19),
                GuardianRelation = Str(r, 20),
                GuardianUserName = Str(r, 21),
                ImportedAt = Instant(r.GetInt64(22)),
                ImportedBy = r.GetString(23),
                Version = r.GetInt32(24),
                TerminatedOn = Date(r, 25),
                TerminationReason = Str(r, 26),
            };
        }
        await using (var r = await c.Command(DiagnosesOf, null, ("@policy", policy.Id)).ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                policy.Diagnoses.Add(new DiagnosisEvent
                {
                    Id = r.GetInt32(0),
                    PolicyId = r.GetString(1),
                    Kind = r.GetString(2),
                    DiagnosedOn = r.GetFieldValue<DateOnly>(3),
                    Confirmed = r.GetBoolean(4),
                    DetailProtected = Str(r, 5),
                    RecordedAt = Instant(r.GetInt64(6)),
                });
        return policy;
    }

    private static string? Str(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static DateOnly? Date(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateOnly>(i);
    private static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);
}
