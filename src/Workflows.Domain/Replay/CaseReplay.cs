using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Domain.Activities;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;
using Workflows.Domain.ReferenceData;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;

namespace Workflows.Domain.Replay;

/// <summary>The versions of the domain's data a step's decisions use now: reference data, service catalogue, business calendar.</summary>
public sealed class DecisionVersionSource(IReferenceDataVersions referenceData, ServiceCatalogue catalogue, BusinessCalendar calendar) : IDecisionVersionSource
{
    public DecisionVersions Current => new(referenceData.Current.Version, catalogue.Version, calendar.Version);
}

/// <summary>Replay's verdict on one case.</summary>
public static class ReplayOutcomes
{
    public const string Identical = "identical";
    public const string Diverged = "diverged";
    /// <summary>Replay could not run the case (a data version it needs is not kept, the definition version is missing, data was corrected by hand…).</summary>
    public const string NotReplayable = "not-replayable";
}

/// <summary>What replay found for one case: identical, or the first divergence with both sides; and in words, in Chinese.</summary>
public sealed record ReplayReport(string InstanceId, string DefinitionId, int Version, string Outcome, int Steps, int RecordedEntries, int ReplayedEntries,
    ReplayDivergence? Divergence, string? Problem, string SummaryZh, DateTimeOffset ReplayedAt);

/// <summary>A step needs a data version that is not kept: the case cannot be replayed exactly.</summary>
public sealed class ReplayUnavailableException(string message) : Exception(message);

/// <summary>
/// Deterministic replay of a case: loads its recorded inputs (the instance's start input, the journal's commands), runs them
/// in memory on the recorded definition version with each step's recorded clock, actor and data versions, and compares the
/// new journal with the recorded one entry by entry. Reads the database; writes nothing.
/// </summary>
public sealed class CaseReplay(IWorkflowStore store, WorkflowReplayer replayer, IServiceProvider services, IReferenceDataVersions referenceData,
    ServiceCatalogue catalogue, BusinessCalendar calendar, TimeProvider clock)
{
    public async Task<ReplayReport?> ReplayAsync(string instanceId, CancellationToken ct = default)
    {
        var instance = await store.LoadInstanceAsync(instanceId, ct);
        if (instance is null) return null;
        var journal = await store.GetJournalAsync(instanceId, ct);
        return await ReplayAsync(instance, journal, ct);
    }

    public async Task<ReplayReport> ReplayAsync(WorkflowInstance instance, IReadOnlyList<JournalEntry> journal, CancellationToken ct = default)
    {
        var steps = WorkflowReplayer.Steps(journal);
        // A migrated case started on an earlier version: replay starts where the journal does and follows its migrations.
        var startVersionId = journal.Count > 0 ? journal[0].DefinitionVersionId : instance.DefinitionVersionId;
        var definition = await store.GetDefinitionVersionAsync(startVersionId, ct);
        if (definition is null)
            return Report(instance, journal, steps, ReplayOutcomes.NotReplayable, null, 0, $"案件所用的流程定义版本 {startVersionId} 已不存在。");
        ReplayRun run;
        try
        {
            run = await RunAsync(definition, instance, steps, exact: true, ledger: null, ct);
        }
        catch (ReplayUnavailableException e)
        {
            return Report(instance, journal, steps, ReplayOutcomes.NotReplayable, null, 0, e.Message);
        }
        var divergence = WorkflowReplayer.Compare(journal, run);
        if (divergence is null) return Report(instance, journal, steps, ReplayOutcomes.Identical, null, run.Journal.Count, null);
        // Replay stopped where the recorded commands could not be applied for a reason outside the case (data corrected by hand).
        if (divergence.ActualEntry is null && run.StoppedReason is { } reason && reason.Contains("corrected", StringComparison.Ordinal))
            return Report(instance, journal, steps, ReplayOutcomes.NotReplayable, divergence, run.Journal.Count, "工作人员在重试前手工更正了案件数据，更正的值未记录，无法继续重放：" + reason);
        if (divergence.ActualEntry is null && run.StoppedReason is { } masked && masked.StartsWith("masked:", StringComparison.Ordinal))
            return Report(instance, journal, steps, ReplayOutcomes.NotReplayable, divergence, run.Journal.Count,
                $"第 {divergence.Sequence} 条的任务数据含日志中已遮蔽的个人信息，活动要校验这些值，无法原样重放（{masked}）");
        return Report(instance, journal, steps, ReplayOutcomes.Diverged, divergence, run.Journal.Count, null);
    }

    /// <summary>Runs recorded steps on a definition version (the recorded one, or a draft for what-if) with each step's recorded data versions.</summary>
    internal Task<ReplayRun> RunAsync(WorkflowDefinition definition, WorkflowInstance instance, IReadOnlyList<ReplayStep> steps, bool exact,
        Func<ReplayStep, IQuotaLedger>? ledger, CancellationToken ct) =>
        replayer.RunAsync(definition, new ReplaySubject(instance.Id, instance.DefinitionId, instance.CorrelationId, instance.State.Input, instance.Name),
            steps, step => ServicesForAsync(step, ledger?.Invoke(step) ?? new RecordedQuotaLedger(step, null), ct), exact, ct,
            (versionId, c) => store.GetDefinitionVersionAsync(versionId, c));

    /// <summary>What a replayed step's activities see: the recorded versions of reference data, catalogue and calendar, and the quota as recorded.</summary>
    private async ValueTask<IServiceProvider> ServicesForAsync(ReplayStep step, IQuotaLedger ledger, CancellationToken ct)
    {
        var versions = step.Versions;
        var lookup = versions?.ReferenceData is { } rv
            ? await referenceData.AtVersionAsync(rv, ct) ?? throw new ReplayUnavailableException($"第 {step.First.Sequence} 条使用的参考数据版本 {rv} 未保留，无法精确重放。")
            : referenceData.Current;
        if (versions?.Catalogue is { } cv && cv != catalogue.Version)
            throw new ReplayUnavailableException($"第 {step.First.Sequence} 条使用的服务目录版本 {cv} 未保留（当前为 {catalogue.Version}），无法精确重放。");
        if (versions?.Calendar is { } kv && kv != calendar.Version)
            throw new ReplayUnavailableException($"第 {step.First.Sequence} 条使用的工作日历版本 {kv} 未保留（当前为 {calendar.Version}），无法精确重放。");
        return new ReplayServiceProvider(services, new Dictionary<Type, object>
        {
            [typeof(ReferenceLookup)] = lookup,
            [typeof(IReferenceDataVersions)] = new PinnedReferenceData(lookup, referenceData),
            [typeof(ServiceCatalogue)] = catalogue,
            [typeof(BusinessCalendar)] = calendar,
            [typeof(IQuotaLedger)] = ledger,
            [typeof(TimeProvider)] = new StepClock(step.At),
        });
    }

    private ReplayReport Report(WorkflowInstance instance, IReadOnlyList<JournalEntry> journal, IReadOnlyList<ReplayStep> steps, string outcome,
        ReplayDivergence? divergence, int replayed, string? problem) =>
        new(instance.Id, instance.DefinitionId, instance.Version, outcome, steps.Count, journal.Count, replayed, divergence, problem,
            Summary(outcome, journal.Count, steps.Count, divergence, problem), clock.GetUtcNow());

    private static string Summary(string outcome, int entries, int steps, ReplayDivergence? d, string? problem) => outcome switch
    {
        ReplayOutcomes.Identical => $"重放一致：{steps} 个步骤、{entries} 条日志逐条相同。",
        ReplayOutcomes.Diverged when d is not null => d.ActualEntry is null
            ? $"重放在第 {d.Sequence} 条（{d.ActivityName ?? d.ActivityId ?? "流程"}）处不一致：{d.Reason}。"
            : $"重放在第 {d.Sequence} 条（{d.ActivityName ?? d.ActivityId ?? "流程"}）处不一致：{FieldZh(d.Field)}应为「{d.Expected ?? "无"}」，重放得到「{d.Actual ?? "无"}」。",
        _ => $"无法重放：{problem}",
    };

    public static string FieldZh(string field) => field switch
    {
        "event" => "事件",
        "activity" => "活动",
        "activityType" => "活动类型",
        "activityName" => "活动名称",
        "timestamp" => "时间",
        "actor" => "操作人",
        "definitionVersion" => "定义版本",
        "message" => "说明",
        "payload" => "数据",
        "entry" => "日志条目",
        "sequence" => "序号",
        _ => field,
    };

    /// <summary>The host's services with the step's substitutes in front (resolved by type).</summary>
    private sealed class ReplayServiceProvider(IServiceProvider root, IReadOnlyDictionary<Type, object> overrides) : IServiceProvider
    {
        public object? GetService(Type serviceType) => overrides.TryGetValue(serviceType, out var o) ? o : root.GetService(serviceType);
    }

    /// <summary>Reference data as the step saw it: the recorded version is "current" for the replayed step.</summary>
    private sealed class PinnedReferenceData(ReferenceLookup recorded, IReferenceDataVersions all) : IReferenceDataVersions
    {
        public ReferenceLookup Current => recorded;
        public ValueTask<ReferenceLookup?> AtVersionAsync(string version, CancellationToken ct = default) => all.AtVersionAsync(version, ct);
    }

    private sealed class StepClock(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}

/// <summary>
/// Replay's quota: what the eligibility decision of this step recorded (<c>quotaUsedBefore</c>), i.e. the uses the
/// period had then; what-if adds the difference the earlier replayed cases' decisions made. A decision recorded before
/// that value was journalled falls back to the quota table without this case's own use.
/// </summary>
public sealed class RecordedQuotaLedger(ReplayStep step, Func<QuotaKey, int>? adjustment) : IQuotaLedger
{
    /// <summary>The quota the decision asked about (what-if uses it to carry the difference to later cases).</summary>
    public QuotaKey? Asked { get; private set; }

    public async ValueTask<int> UsedAsync(DomainDbContext db, QuotaKey key, ActivityContext context)
    {
        Asked = key;
        var recorded = Recorded(e => e.ActivityId == context.Node.Id) ?? Recorded(e => e.ActivityType == context.Node.Type);
        int used;
        if (recorded is { } r) used = r;
        else
        {
            var own = ApplicationInput.From(context).ApplicationId;
            used = await db.QuotaUses.CountAsync(q => q.PolicyId == key.PolicyId && q.ServiceCode == key.ServiceCode && q.PeriodStart == key.PeriodStart
                                                     && q.State != Applications.QuotaState.Released && q.ApplicationId != own, context.CancellationToken);
        }
        return Math.Max(0, used + (adjustment?.Invoke(key) ?? 0));
    }

    private int? Recorded(Func<JournalEntry, bool> match)
    {
        foreach (var e in step.Entries)
            if (e.EventName == JournalEvents.ActivityCompleted && match(e) && e.Payload?["output"]?["quotaUsedBefore"] is JsonValue v && v.TryGetValue<int>(out var n))
                return n;
        return null;
    }
}
