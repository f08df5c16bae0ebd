using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Applications;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Policies;

/// <summary>
/// An amendment of an imported policy, from the feed or the console. Every field is optional; what is given changes.
/// Dates are yyyy-MM-dd.
/// </summary>
public sealed record PolicyAmendment
{
    public string? EndDate { get; init; }
    /// <summary>Early termination: the last day of cover; needs <see cref="TerminationReason"/>.</summary>
    public string? TerminatedOn { get; init; }
    public string? TerminationReason { get; init; }
    /// <summary>The policy this one continuously renews (连续投保).</summary>
    public string? PreviousPolicyNumber { get; init; }
    /// <summary>CPIC's specialty-drug cover (cover change).</summary>
    public bool? SpecialtyDrugCover { get; init; }
    /// <summary>JD: the variant (cover change).</summary>
    public string? Variant { get; init; }
    public List<DiagnosisRecord> Diagnoses { get; init; } = [];
}

public sealed record PolicyVersionView(int Version, bool Current, DateOnly EffectiveDate, DateOnly EndDate, DateOnly? TerminatedOn, string? TerminationReason,
    string? PreviousPolicyNumber, bool SpecialtyDrugCover, string? Variant, int Diagnoses, string? ChangedToNext, DateTimeOffset? ChangedAt, string? ChangedBy);

public sealed record AmendmentResult(string PolicyNumber, int Version, string Change, int ApplicationsClosed);

/// <summary>
/// Amends a policy as a new version, keeping the earlier one (<see cref="PolicyVersion"/>): end date, early termination,
/// renewal link, cover (specialty-drug cover, JD variant), diagnoses added. A termination takes effect at once on the
/// services: the end date becomes the termination date (so eligibility refuses new applications after it and bookings
/// after it are refused), and every open application of the policy is closed through the workflow engine with the
/// reason, which cancels its open tasks and, for COC follow-up, ends the programme and its monthly summaries.
/// </summary>
public sealed class PolicyAmendments(DomainDbContext db, PersonalDataProtector protector, WorkflowRuntime runtime, TimeProvider clock, ILogger<PolicyAmendments> logger,
    Workflows.Persistence.Stores.ScheduledWorkStore? work = null)
{
    private sealed record Snapshot(string PolicyNumber, string Product, string? Variant, bool SpecialtyDrugCover, DateOnly EffectiveDate, DateOnly EndDate,
        string? PreviousPolicyNumber, DateOnly? TerminatedOn, string? TerminationReason, string InsuredName, string? GuardianName, int Diagnoses);

    /// <summary>Validates an amendment against the policy; the changes in words, or the problems (nothing changed then).</summary>
    public async Task<(List<string> Changes, List<ImportError> Errors)> CheckAsync(Policy p, PolicyAmendment a, int row, CancellationToken ct)
    {
        var changes = new List<string>();
        var errors = new List<ImportError>();
        void Error(string field, string message, string messageZh) => errors.Add(new ImportError(row, p.PolicyNumber, field, $"Row {row}: {message}", $"第 {row} 行：{messageZh}"));
        if (p.TerminatedOn is not null) Error("terminatedOn", $"policy {p.PolicyNumber} was terminated on {p.TerminatedOn:yyyy-MM-dd}; it cannot be amended.", $"保单 {p.PolicyNumber} 已于 {p.TerminatedOn:yyyy-MM-dd} 终止，不能再修订。");
        if (a.EndDate is { } endText)
        {
            if (!TryDate(endText, out var end)) Error("endDate", $"endDate '{endText}' is not a date in the form yyyy-MM-dd.", $"终止日期“{endText}”不是 yyyy-MM-dd 格式的日期。");
            else if (end < p.EffectiveDate) Error("endDate", $"the end date {end:yyyy-MM-dd} is before the effective date {p.EffectiveDate:yyyy-MM-dd}.", $"终止日期 {end:yyyy-MM-dd} 早于生效日期 {p.EffectiveDate:yyyy-MM-dd}。");
            else if (end != p.EndDate) changes.Add($"终止日期 {p.EndDate:yyyy-MM-dd} → {end:yyyy-MM-dd}");
        }
        if (a.TerminatedOn is { } termText)
        {
            if (!TryDate(termText, out var on)) Error("terminatedOn", $"terminatedOn '{termText}' is not a date in the form yyyy-MM-dd.", $"提前终止日期“{termText}”不是 yyyy-MM-dd 格式的日期。");
            else if (on < p.EffectiveDate || on > p.EndDate)
                Error("terminatedOn", $"the termination date {on:yyyy-MM-dd} must lie within the policy period {p.EffectiveDate:yyyy-MM-dd} to {p.EndDate:yyyy-MM-dd}.",
                    $"提前终止日期 {on:yyyy-MM-dd} 必须在保险期间 {p.EffectiveDate:yyyy-MM-dd} 至 {p.EndDate:yyyy-MM-dd} 之内。");
            if (string.IsNullOrWhiteSpace(a.TerminationReason)) Error("terminationReason", "a termination needs a reason (terminationReason), shown to the member.", "提前终止需要填写原因（会告知会员）。");
            else if (a.TerminationReason.Length > 200) Error("terminationReason", "the termination reason may have at most 200 characters.", "终止原因最多 200 个字符。");
            if (TryDate(termText, out var ok)) changes.Add($"提前终止：{ok:yyyy-MM-dd}（{a.TerminationReason?.Trim()}）");
        }
        else if (!string.IsNullOrWhiteSpace(a.TerminationReason)) Error("terminatedOn", "a termination reason was given without terminatedOn.", "填写了终止原因，但没有提前终止日期。");
        if (a.PreviousPolicyNumber is { Length: > 0 } previous && previous.Trim() != p.PreviousPolicyNumber)
        {
            if (previous.Trim() == p.PolicyNumber) Error("previousPolicyNumber", "a policy cannot renew itself.", "保单不能续保自身。");
            else if (!await db.Policies.AnyAsync(x => x.PolicyNumber == previous.Trim(), ct))
                Error("previousPolicyNumber", $"the renewed policy {previous.Trim()} does not exist.", $"被续保的保单 {previous.Trim()} 不存在。");
            else changes.Add($"续保自 {previous.Trim()}");
        }
        if (a.SpecialtyDrugCover is { } cover && cover != p.SpecialtyDrugCover)
        {
            if (p.Product != Products.CpicBreastCancer) Error("specialtyDrugCover", "only CPIC policies have the optional specialty-drug cover.", "只有太平洋保单有可选的特药责任。");
            else changes.Add(cover ? "增加特定药品责任" : "取消特定药品责任");
        }
        if (a.Variant is { Length: > 0 } variant && variant != p.Variant)
        {
            if (p.Product != Products.JdTumourDrug || !Products.JdVariants.Contains(variant))
                Error("variant", $"only a JD policy has a variant, one of {string.Join(", ", Products.JdVariants)}.", $"只有京东安联保单有版本（{string.Join("、", Products.JdVariants)}）。");
            else changes.Add($"版本 {p.Variant} → {variant}");
        }
        foreach (var d in a.Diagnoses)
        {
            if (d.Kind is null || !DiagnosisEvent.Kinds.Contains(d.Kind)) Error("diagnosis.kind", $"diagnosis kind must be one of {string.Join(", ", DiagnosisEvent.Kinds)}.", $"诊断类型必须是以下之一：{string.Join("、", DiagnosisEvent.Kinds)}。");
            else if (!TryDate(d.DiagnosedOn, out var on)) Error("diagnosis.diagnosedOn", $"diagnosedOn '{d.DiagnosedOn}' is not a date in the form yyyy-MM-dd.", $"确诊日期“{d.DiagnosedOn}”不是 yyyy-MM-dd 格式的日期。");
            else if (d.Detail is { Length: > 2000 }) Error("diagnosis.detail", "the diagnosis detail is longer than 2,000 characters.", "诊断说明超过 2,000 个字符。");
            else if (!p.Diagnoses.Any(x => x.Kind == d.Kind && x.DiagnosedOn == on)) changes.Add($"新增诊断 {d.Kind} {on:yyyy-MM-dd}");
        }
        return (changes, errors);
    }

    /// <summary>Amends one policy from the console: 400 problems, 404 unknown policy, 409 terminated, 400 when nothing would change.</summary>
    public async Task<AmendmentResult> AmendAsync(string policyNumber, PolicyAmendment a, string by, CancellationToken ct = default)
    {
        var p = await db.Policies.Include(x => x.Diagnoses).FirstOrDefaultAsync(x => x.PolicyNumber == policyNumber, ct)
                ?? throw new KeyNotFoundException($"Policy {policyNumber} does not exist.");
        var (changes, errors) = await CheckAsync(p, a, 1, ct);
        if (errors.Count > 0) throw new PolicyImportException(errors, p.TerminatedOn is not null);
        if (changes.Count == 0)
            throw new PolicyImportException([new ImportError(1, policyNumber, "amendment", $"The amendment changes nothing on policy {policyNumber}.", $"本次修订没有改变保单 {policyNumber} 的任何内容。")], false);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            Apply(p, a, changes, by);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        var closed = await TakeEffectAsync(p, by, ct);
        return new AmendmentResult(p.PolicyNumber, p.Version, string.Join("；", changes), closed);
    }

    /// <summary>Keeps the current state as a version and applies the amendment (the caller saves, in its transaction).</summary>
    public void Apply(Policy p, PolicyAmendment a, IReadOnlyList<string> changes, string by)
    {
        db.PolicyVersions.Add(new PolicyVersion
        {
            PolicyId = p.Id, PolicyNumber = p.PolicyNumber, Version = p.Version, Change = string.Join("；", changes), ChangedAt = clock.GetUtcNow(), ChangedBy = by,
            SnapshotProtected = protector.Protect(JsonSerializer.Serialize(new Snapshot(p.PolicyNumber, p.Product, p.Variant, p.SpecialtyDrugCover, p.EffectiveDate,
                p.EndDate, p.PreviousPolicyNumber, p.TerminatedOn, p.TerminationReason, p.InsuredName, p.GuardianName, p.Diagnoses.Count))),
        });
        if (a.EndDate is { } e && TryDate(e, out var end)) p.EndDate = end;
        if (a.TerminatedOn is { } t && TryDate(t, out var on))
        {
            p.TerminatedOn = on;
            p.TerminationReason = a.TerminationReason!.Trim();
            if (on < p.EndDate) p.EndDate = on; // cover ends with the termination day; the agreed end stays in the earlier version
        }
        if (a.PreviousPolicyNumber is { Length: > 0 } previous) p.PreviousPolicyNumber = previous.Trim();
        if (a.SpecialtyDrugCover is { } cover) p.SpecialtyDrugCover = cover;
        if (a.Variant is { Length: > 0 } variant) p.Variant = variant;
        foreach (var d in a.Diagnoses)
            if (TryDate(d.DiagnosedOn, out var when) && !p.Diagnoses.Any(x => x.Kind == d.Kind && x.DiagnosedOn == when))
                p.Diagnoses.Add(new DiagnosisEvent
                {
                    PolicyId = p.Id, Kind = d.Kind!, DiagnosedOn = when, Confirmed = d.Confirmed, DetailProtected = protector.ProtectOrNull(d.Detail), RecordedAt = clock.GetUtcNow(),
                });
        p.Version++;
    }

    /// <summary>
    /// A terminated policy whose last day has come closes its open applications through the engine (open tasks are
    /// cancelled with the instance; a COC programme ends, and with it its monthly summaries). Returns how many closed.
    /// A termination dated in the future takes effect the same way: applications after the day are refused by
    /// eligibility, bookings after it by the booking task, and the open ones are closed now so no service runs past it.
    /// </summary>
    public async Task<int> TakeEffectAsync(Policy p, string by, CancellationToken ct = default)
    {
        // An end date moved (or a termination) gets its own contract-end work; the one for the old date finds the policy in force.
        if (work is not null) await ContractEnds.ScheduleAsync(work, [p], ct);
        if (p.TerminatedOn is not { } on) return 0;
        var zh = $"保单已于 {on:yyyy-MM-dd} 终止（{p.TerminationReason}），本申请已关闭，未完成的服务不再进行。";
        var en = $"The policy was terminated on {on:yyyy-MM-dd} ({p.TerminationReason}); this application was closed.";
        return await ContractEnds.CloseOpenApplicationsAsync(db, runtime, p, "POLICY_TERMINATED", zh, en,
            $"Policy {p.PolicyNumber} terminated on {on:yyyy-MM-dd}: {p.TerminationReason}", new Actor(by, "Admin"), logger, ct);
    }

    public async Task<IReadOnlyList<PolicyVersionView>> VersionsAsync(string policyNumber, CancellationToken ct = default)
    {
        var p = await db.Policies.AsNoTracking().Include(x => x.Diagnoses).FirstOrDefaultAsync(x => x.PolicyNumber == policyNumber, ct)
                ?? throw new KeyNotFoundException($"Policy {policyNumber} does not exist.");
        var rows = await db.PolicyVersions.AsNoTracking().Where(v => v.PolicyId == p.Id).OrderBy(v => v.Version).ToListAsync(ct);
        var list = rows.Select(v =>
        {
            var s = JsonSerializer.Deserialize<Snapshot>(protector.Unprotect(v.SnapshotProtected)!)!;
            return new PolicyVersionView(v.Version, false, s.EffectiveDate, s.EndDate, s.TerminatedOn, s.TerminationReason, s.PreviousPolicyNumber, s.SpecialtyDrugCover,
                s.Variant, s.Diagnoses, v.Change, v.ChangedAt, v.ChangedBy);
        }).ToList();
        list.Add(new PolicyVersionView(p.Version, true, p.EffectiveDate, p.EndDate, p.TerminatedOn, p.TerminationReason, p.PreviousPolicyNumber, p.SpecialtyDrugCover,
            p.Variant, p.Diagnoses.Count, null, null, null));
        return list;
    }

    private static bool TryDate(string? s, out DateOnly d) =>
        DateOnly.TryParseExact(s?.Trim() ?? "", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out d);
}
