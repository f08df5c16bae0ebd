using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.Engine.Activities;

namespace Workflows.Engine.Runtime;

/// <summary>
/// How a waiting instance of one version would move to another version of the same workflow: each open bookmark (task,
/// timer, event) keeps its id, its data (role, assignee, due date, timer instant) and its activity instance; only the
/// activity it waits in is re-pointed to the target version's activity with the same id, or the one the analyst's map
/// names. Nothing runs: completed activities stay completed, and the instance continues on the target version when the
/// bookmark is resumed.
/// </summary>
public static class MigrationPlanner
{
    /// <summary>Plans the move of <paramref name="instance"/> from its version (<paramref name="from"/>) to <paramref name="to"/>.</summary>
    public static InstanceMigrationPlan Plan(WorkflowInstance instance, CompiledWorkflow from, CompiledWorkflow to, IReadOnlyDictionary<string, string>? map)
    {
        var problems = new List<string>();
        var notMovable = false;
        var fromVersion = from.Definition.Version;
        var toVersion = to.Definition.Version;
        if (instance.DefinitionVersionId == to.Definition.Id)
            return new InstanceMigrationPlan(instance.Id, instance.Version, toVersion, InstanceMigrationState.AlreadyMigrated,
                [$"已在版本 {toVersion} · already on version {toVersion}"], [], [], instance.Revision);
        var caseProblems = problems.Count;
        if (instance.DefinitionVersionId != from.Definition.Id)
            problems.Add($"案件在版本 {instance.Version}，不是版本 {fromVersion} · the case runs version {instance.Version}, not {fromVersion}");
        if (instance.Status != WorkflowStatus.Running)
            problems.Add($"案件已结束（{instance.SubStatus}） · the case has ended ({instance.SubStatus})");
        else if (instance.SubStatus == WorkflowSubStatus.Faulted || instance.Incident is not null || instance.State.Pending.Count > 0)
            problems.Add("案件有故障，请先重试或取消 · the case is faulted: retry or cancel it first");
        else if (instance.Bookmarks.Count == 0)
            problems.Add("案件没有等待中的环节 · the case is not waiting anywhere");
        notMovable = problems.Count > caseProblems;

        var mappings = new List<BookmarkMapping>();
        foreach (var b in instance.Bookmarks)
        {
            var targetId = map is not null && map.TryGetValue(b.ActivityId, out var mapped) ? mapped : b.ActivityId;
            var sourceNode = from.Nodes.GetValueOrDefault(b.ActivityId);
            var targetNode = to.Nodes.GetValueOrDefault(targetId);
            var task = b.Kind == BookmarkKinds.HumanTask ? HumanTaskSpec.Of(b) : null;
            var due = task?.DueAt ?? b.ResumeAt;
            string? reason = null;
            if (targetNode is null)
                reason = map is not null && map.ContainsKey(b.ActivityId)
                    ? $"映射的目标环节“{targetId}”在版本 {toVersion} 中不存在 · the mapped activity '{targetId}' is not in version {toVersion}"
                    : $"版本 {toVersion} 没有环节“{b.ActivityId}”，请指定映射 · version {toVersion} has no activity '{b.ActivityId}': map it to one";
            else if (targetNode.Type != b.ActivityType)
                reason = $"版本 {toVersion} 的“{targetId}”是 {targetNode.Type}，而等待中的是 {b.ActivityType} · '{targetId}' is a {targetNode.Type} in version {toVersion}, the waiting one a {b.ActivityType}";
            var changedInputs = reason is null && sourceNode is not null ? ChangedInputs(sourceNode, targetNode!) : [];
            mappings.Add(new BookmarkMapping(b.Id, b.Kind, b.Name, b.ActivityId, targetNode?.Name ?? sourceNode?.Name, reason is null ? targetId : null,
                reason, due, DueKept: reason is null, changedInputs));
            if (reason is not null) problems.Add($"{b.Name}: {reason}");
        }

        // A parallel branch half-way into a join: the join and the connections that arrived must be the same in the target.
        foreach (var (joinId, arrivals) in instance.State.JoinArrivals)
        {
            if (arrivals.Count == 0) continue;
            if (!to.Nodes.ContainsKey(joinId) || arrivals.Any(a => !to.InboundKeys(joinId).Contains(a)))
                problems.Add($"并行分支在汇合点“{joinId}”已部分到达，版本 {toVersion} 的汇合点不同 · branches have partly arrived at join '{joinId}', which differs in version {toVersion}");
        }

        var added = to.Definition.Variables.Where(v => !instance.State.Variables.ContainsKey(v.Name)).Select(v => v.Name).ToList();
        return new InstanceMigrationPlan(instance.Id, instance.Version, toVersion,
            problems.Count == 0 ? InstanceMigrationState.Mappable : notMovable ? InstanceMigrationState.NotWaiting : InstanceMigrationState.Unmappable, problems, mappings, added, instance.Revision);
    }

    /// <summary>The inputs whose stored value differs between the two versions' activities (e.g. a task's Role or Hours).</summary>
    private static IReadOnlyList<string> ChangedInputs(Model.ActivityNode a, Model.ActivityNode b)
    {
        var names = (a.Extra?.Keys ?? Enumerable.Empty<string>()).Union(b.Extra?.Keys ?? Enumerable.Empty<string>()).Order(StringComparer.Ordinal);
        var changed = new List<string>();
        foreach (var name in names)
        {
            var x = a.Extra?.GetValueOrDefault(name);
            var y = b.Extra?.GetValueOrDefault(name);
            if (!JsonElementEquals(x, y)) changed.Add(char.ToUpperInvariant(name[0]) + name[1..]);
        }
        return changed;
    }

    private static bool JsonElementEquals(JsonElement? x, JsonElement? y) =>
        x is null || y is null ? x is null && y is null : JsonNode.DeepEquals(JsonNode.Parse(x.Value.GetRawText()), JsonNode.Parse(y.Value.GetRawText()));
}

/// <summary>
/// Mappable: every waiting activity has its place in the target version. Unmappable: one has not (or a half-arrived join
/// differs). NotWaiting: the case ended, is faulted or waits nowhere. AlreadyMigrated: it runs the target version.
/// </summary>
public enum InstanceMigrationState { Mappable, Unmappable, NotWaiting, AlreadyMigrated }

/// <summary>What happens to one waiting bookmark: the activity it moves to (null when it cannot), why not, its due date (kept).</summary>
public sealed record BookmarkMapping(
    string BookmarkId,
    string Kind,
    string Name,
    string FromActivityId,
    string? ActivityName,
    string? ToActivityId,
    string? Problem,
    DateTimeOffset? DueAt,
    bool DueKept,
    IReadOnlyList<string> ChangedInputs);

/// <summary>The dry-run answer for one instance.</summary>
public sealed record InstanceMigrationPlan(
    string InstanceId,
    int FromVersion,
    int ToVersion,
    InstanceMigrationState State,
    IReadOnlyList<string> Problems,
    IReadOnlyList<BookmarkMapping> Bookmarks,
    IReadOnlyList<string> AddedVariables,
    long Revision);

/// <summary>The instance changed, ended or cannot be mapped any more between the dry run and the move: it was left as it was.</summary>
public sealed class MigrationRefusedException(InstanceMigrationPlan plan) : Exception(string.Join("; ", plan.Problems))
{
    public InstanceMigrationPlan Plan { get; } = plan;
}
