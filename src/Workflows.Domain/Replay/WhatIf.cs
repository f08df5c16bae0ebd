using Microsoft.EntityFrameworkCore;
using Workflows.Domain.Applications;
using Workflows.Domain.Eligibility;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;

namespace Workflows.Domain.Replay;

/// <summary>One case of a what-if: its decision as recorded and under the draft.</summary>
public sealed record WhatIfCase(string InstanceId, int RecordedVersion, DateTimeOffset StartedAt, string Recorded, string Draft, bool Changed, string? Note);

/// <summary>Cases whose decision changes the same way, in words.</summary>
public sealed record WhatIfGroup(string From, string To, int Count, string TextZh, IReadOnlyList<string> InstanceIds);

/// <summary>A workflow and its versions, for choosing what to try.</summary>
public sealed record WhatIfChoice(string DefinitionId, string Name, IReadOnlyList<(int Version, bool IsPublished)> Versions, int FinishedCases);

public sealed record WhatIfReport(string DefinitionId, string? Name, int DraftVersion, bool DraftIsPublished, int CasesRequested, int CasesAnalysed,
    int Unchanged, int Changed, IReadOnlyList<WhatIfGroup> Groups, IReadOnlyList<WhatIfCase> Cases, string SummaryZh, DateTimeOffset RanAt);

/// <summary>The request could not be analysed (unknown workflow or version, a draft that does not compile); the message names the field and the rule.</summary>
public sealed class WhatIfRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// What-if before publishing: runs a version (usually the draft) over the recorded inputs of the last N finished cases of
/// its workflow, oldest first, and reports where the decisions would differ from what was decided. A decision is what
/// the case's automatic activities decided: the eligibility check's verdict (accepted, or refused with its code) and the
/// outcome of every other activity that completed on its own. Quota is judged against the state as it was: the uses
/// recorded when each case was decided, corrected by the reservations the draft would have made or not made for the
/// earlier cases of the same set (docs/audit-replay.md).
/// </summary>
public sealed class WhatIfAnalysis(CaseReplay replay, WorkflowReplayer replayer, IWorkflowStore store, IDbContextFactory<WorkflowsDbContext> dbs, TimeProvider clock)
{
    public const int MaxCases = 1000;

    /// <summary>Every workflow with its versions (newest first) and how many finished cases it has.</summary>
    public async Task<IReadOnlyList<WhatIfChoice>> ChoicesAsync(CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var versions = await db.Definitions.AsNoTracking().Select(d => new { d.DefinitionId, d.Name, d.Version, d.IsPublished }).ToListAsync(ct);
        var finished = await db.Instances.AsNoTracking().Where(i => i.Status == nameof(WorkflowStatus.Finished))
            .GroupBy(i => i.DefinitionId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return versions.GroupBy(v => v.DefinitionId)
            .Select(g => new WhatIfChoice(g.Key, g.MaxBy(v => v.Version)!.Name,
                g.OrderByDescending(v => v.Version).Select(v => (v.Version, v.IsPublished)).ToList(), finished.GetValueOrDefault(g.Key)))
            .OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
    }

    public async Task<WhatIfReport> RunAsync(string definitionId, int? version, int cases, CancellationToken ct = default)
    {
        if (cases is < 1 or > MaxCases) throw new WhatIfRequestException("cases", $"cases must be between 1 and {MaxCases}: the number of most recently finished cases to run the draft over.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var versions = await db.Definitions.AsNoTracking().Where(d => d.DefinitionId == definitionId).Select(d => new { d.Id, d.Version, d.IsPublished, d.Name }).ToListAsync(ct);
        if (versions.Count == 0) throw new WhatIfRequestException("definitionId", $"There is no workflow '{definitionId}'.");
        var chosen = version is { } v ? versions.FirstOrDefault(x => x.Version == v) : versions.MaxBy(x => x.Version);
        if (chosen is null) throw new WhatIfRequestException("version", $"Workflow '{definitionId}' has no version {version}; its versions are {string.Join(", ", versions.Select(x => x.Version).Order())}.");
        var draft = await store.GetDefinitionVersionAsync(chosen.Id, ct) ?? throw new WhatIfRequestException("version", $"Version {chosen.Version} could not be read.");
        if (replayer.Validate(draft) is { Count: > 0 } errors)
            throw new WhatIfRequestException("version", $"Version {chosen.Version} cannot run yet: {string.Join("; ", errors.Select(x => x.Message))}");

        // The last N finished cases, run oldest first so that quota taken by earlier cases counts for later ones.
        var ids = await db.Instances.AsNoTracking()
            .Where(i => i.DefinitionId == definitionId && i.Status == nameof(WorkflowStatus.Finished))
            .OrderByDescending(i => i.FinishedAt).ThenByDescending(i => i.Id).Select(i => i.Id).Take(cases).ToListAsync(ct);
        var loaded = new List<(WorkflowInstance Instance, IReadOnlyList<JournalEntry> Journal)>();
        foreach (var id in ids)
            if (await store.LoadInstanceAsync(id, ct) is { } i) loaded.Add((i, await store.GetJournalAsync(id, ct)));
        loaded.Sort((a, b) => a.Instance.CreatedAt != b.Instance.CreatedAt ? a.Instance.CreatedAt.CompareTo(b.Instance.CreatedAt) : string.CompareOrdinal(a.Instance.Id, b.Instance.Id));

        var delta = new Dictionary<QuotaKey, int>();
        var results = new List<WhatIfCase>();
        foreach (var (instance, journal) in loaded)
        {
            var steps = WorkflowReplayer.Steps(journal);
            var recorded = Decisions(journal);
            var recordedVerdict = Verdict(journal);
            ReplayRun run;
            try
            {
                var recordedDefinition = await store.GetDefinitionVersionAsync(journal.Count > 0 ? journal[0].DefinitionVersionId : instance.DefinitionVersionId, ct);
                // The case as recorded, replayed, tells which quota it reserved (effects are not journalled).
                var original = recordedDefinition is null ? null : await replay.RunAsync(recordedDefinition, instance, steps, exact: true, ledger: null, ct);
                var ledgers = new List<RecordedQuotaLedger>();
                run = await replay.RunAsync(draft, instance, steps, exact: false, step =>
                {
                    var l = new RecordedQuotaLedger(step, k => delta.GetValueOrDefault(k));
                    ledgers.Add(l);
                    return l;
                }, ct);
                var reservedBefore = original is null ? Reserved(recordedVerdict, ledgers) : ReservedKeys(original);
                var reservedNow = ReservedKeys(run);
                foreach (var k in reservedNow.Except(reservedBefore)) delta[k] = delta.GetValueOrDefault(k) + 1;
                foreach (var k in reservedBefore.Except(reservedNow)) delta[k] = delta.GetValueOrDefault(k) - 1;
            }
            catch (ReplayUnavailableException e)
            {
                results.Add(new WhatIfCase(instance.Id, instance.Version, instance.CreatedAt, recordedVerdict ?? Join(recorded), "无法比较", true, e.Message));
                continue;
            }
            var draftVerdict = Verdict(run.Journal);
            var draftDecisions = Decisions(run.Journal);
            string before, after;
            if (recordedVerdict is not null || draftVerdict is not null)
            {
                before = recordedVerdict ?? "未作资格判断";
                after = draftVerdict ?? "未作资格判断";
            }
            else
            {
                var i = 0;
                while (i < recorded.Count && i < draftDecisions.Count && recorded[i] == draftDecisions[i]) i++;
                if (i == recorded.Count && i == draftDecisions.Count)
                    before = after = recorded.Count == 0 ? "（无自动决定）" : recorded[^1];
                else
                {
                    before = i < recorded.Count ? recorded[i] : "（无更多决定）";
                    after = i < draftDecisions.Count ? draftDecisions[i] : "（无更多决定）";
                }
            }
            var note = run.StoppedReason is { } r ? $"草稿无法沿原记录继续：{r}" : null;
            var changed = before != after || (note is not null && recordedVerdict == draftVerdict && !Join(recorded).StartsWith(Join(draftDecisions), StringComparison.Ordinal));
            if (before == after && note is not null && changed) after = "走向不同的路径";
            results.Add(new WhatIfCase(instance.Id, instance.Version, instance.CreatedAt, before, after, changed, note));
        }

        var groups = results.Where(c => c.Changed)
            .GroupBy(c => (c.Recorded, c.Draft))
            .Select(g => new WhatIfGroup(g.Key.Recorded, g.Key.Draft, g.Count(), GroupText(g.Count(), g.Key.Recorded, g.Key.Draft), g.Select(c => c.InstanceId).ToList()))
            .OrderByDescending(g => g.Count).ThenBy(g => g.From, StringComparer.Ordinal).ToList();
        var changedCount = results.Count(c => c.Changed);
        var summary = results.Count == 0
            ? $"「{chosen.Name}」还没有已结束的案件，无从比较。"
            : changedCount == 0
                ? $"在最近结束的 {results.Count} 个案件上，版本 {chosen.Version} 的决定与原决定全部相同。"
                : $"在最近结束的 {results.Count} 个案件上，版本 {chosen.Version} 会改变 {changedCount} 个案件的决定：" + string.Join("；", groups.Select(g => g.TextZh)) + "。";
        return new WhatIfReport(definitionId, chosen.Name, chosen.Version, chosen.IsPublished, cases, results.Count, results.Count - changedCount, changedCount,
            groups, results, summary, clock.GetUtcNow());
    }

    /// <summary>The eligibility check's verdict: 已受理, or 已拒绝：CODE. Null when the case made none.</summary>
    internal static string? Verdict(IReadOnlyList<JournalEntry> journal)
    {
        foreach (var e in journal)
            if (e.EventName == JournalEvents.ActivityCompleted && e.ActivityType == EligibilityType)
                return (string?)e.Payload?["outcomes"]?[0] == "Eligible" ? Accepted : $"{Refused}：{(string?)e.Payload?["output"]?["code"] ?? "?"}";
        return null;
    }

    public const string Accepted = "已受理";
    public const string Refused = "已拒绝";
    private const string EligibilityType = "Health.CheckEligibility";

    /// <summary>Every decision the case's activities made on their own (not a person's task completion): activity and outcome.</summary>
    private static List<string> Decisions(IReadOnlyList<JournalEntry> journal)
    {
        var resumedActivities = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        foreach (var e in journal)
        {
            if (e.EventName == JournalEvents.BookmarkResumed && e.ActivityInstanceId is { } ai) resumedActivities.Add(ai);
            if (e.EventName != JournalEvents.ActivityCompleted || (e.ActivityInstanceId is { } id && resumedActivities.Contains(id))) continue;
            list.Add($"{e.ActivityName ?? e.ActivityId}→{string.Join("/", (e.Payload?["outcomes"]?.AsArray() ?? []).Select(o => (string?)o))}");
        }
        return list;
    }

    private static string Join(List<string> d) => string.Join(" | ", d);

    private static HashSet<QuotaKey> ReservedKeys(ReplayRun run) =>
        run.Effects.Where(e => e.Effect.Type == ApplicationEffects.ReserveQuota)
            .Select(e => new QuotaKey((string)e.Effect.Data["policyId"]!, (string)e.Effect.Data["serviceCode"]!, DateOnly.Parse((string)e.Effect.Data["periodStart"]!)))
            .ToHashSet();

    private static HashSet<QuotaKey> Reserved(string? verdict, List<RecordedQuotaLedger> ledgers) =>
        verdict == Accepted ? ledgers.Where(l => l.Asked is not null).Select(l => l.Asked!).ToHashSet() : [];

    /// <summary>"12 份原已受理的申请将被拒绝：QUOTA_EXHAUSTED" and the like.</summary>
    private static string GroupText(int n, string from, string to)
    {
        if (from == Accepted && to.StartsWith(Refused, StringComparison.Ordinal)) return $"{n} 份原已受理的申请将被拒绝：{to[(Refused.Length + 1)..]}";
        if (from.StartsWith(Refused, StringComparison.Ordinal) && to == Accepted) return $"{n} 份原被拒绝（{from[(Refused.Length + 1)..]}）的申请将被受理";
        if (from.StartsWith(Refused, StringComparison.Ordinal) && to.StartsWith(Refused, StringComparison.Ordinal))
            return $"{n} 份申请的拒绝原因将由 {from[(Refused.Length + 1)..]} 变为 {to[(Refused.Length + 1)..]}";
        return $"{n} 个案件的决定将由「{from}」变为「{to}」";
    }
}
