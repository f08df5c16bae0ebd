using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>The kinds of command a journal step records; replay applies each the way the runtime did.</summary>
public static class ReplayStepKinds
{
    public const string Start = "Start";
    public const string Resume = "Resume";
    public const string Retry = "Retry";
    public const string Cancel = "Cancel";
    /// <summary>An open bookmark changed without resuming (e.g. a task escalated): an input decided outside the workflow.</summary>
    public const string Change = "Change";
    /// <summary>The waiting instance was moved to another definition version (<see cref="JournalEvents.InstanceMigrated"/>): replay goes on on that version.</summary>
    public const string Migrate = "Migrate";
}

/// <summary>One recorded step: the command that opened it (its first entry), its actor and clock, the versions its decisions used, all its entries.</summary>
public sealed record ReplayStep(int Index, string Kind, IReadOnlyList<JournalEntry> Entries, DateTimeOffset At, Actor Actor, DecisionVersions? Versions)
{
    public JournalEntry First => Entries[0];
}

/// <summary>What an instance was started with: its id, correlation id and start input (the instance row keeps the input unmasked).</summary>
public sealed record ReplaySubject(string InstanceId, string DefinitionId, string? CorrelationId, JsonObject? Input, string? Name);

/// <summary>The outcome of running recorded steps again in memory: the new journal, the effects asked for per step, and where it stopped early, if it did.</summary>
public sealed record ReplayRun(WorkflowInstance Instance, IReadOnlyList<JournalEntry> Journal, IReadOnlyList<(int Step, StepEffect Effect)> Effects,
    int StepsApplied, string? StoppedReason, long? StoppedAtSequence);

/// <summary>One side of a divergence, as an auditor reads it.</summary>
public sealed record ReplayEntryView(long Sequence, DateTimeOffset Timestamp, string EventName, string? ActivityId, string? ActivityName, string? ActivityType,
    string ActorId, string ActorRole, int Version, string? Message, string? Payload)
{
    public static ReplayEntryView From(JournalEntry e) => new(e.Sequence, e.Timestamp, e.EventName, e.ActivityId, e.ActivityName, e.ActivityType,
        e.ActorId, e.ActorRole, e.Version, e.Message, e.Payload is null ? null : WorkflowJson.Canonical(e.Payload));
}

/// <summary>The first journal entry where replay did not do what the journal says: which field, both values, both entries.</summary>
public sealed record ReplayDivergence(long Sequence, string? ActivityId, string? ActivityName, string Field, string? Expected, string? Actual,
    ReplayEntryView? ExpectedEntry, ReplayEntryView? ActualEntry, string? Reason);

/// <summary>
/// Re-runs an instance from its recorded inputs — the start input, every task completion with its data and actor, every
/// timer and event at its recorded time, every retry and cancellation — in memory, with each step's recorded clock and
/// actor, and (when <c>followRecordedIds</c>) the recorded ids. Nothing is written: effects are collected, not applied.
/// The services a step's activities see come from the caller, who gives them the recorded data versions.
/// </summary>
public sealed class WorkflowReplayer(ActivityRegistry registry, ExpressionEvaluator evaluator, WorkflowRuntimeOptions options)
{
    private readonly ConcurrentDictionary<string, CompiledWorkflow> _compiled = new(StringComparer.Ordinal);
    private readonly Redactor _redactor = new(options.SensitiveKeys);

    /// <summary>Also hash the replayed entries (with the host's chain key), so identical runs can be checked hash for hash; off by default (replay compares fields).</summary>
    public bool ComputeHashes { get; init; }

    /// <summary>Share prepared JavaScript engines across the evaluations of one replay (on by default; the benchmark compares both).</summary>
    public bool ReuseScriptEngines { get; init; } = true;

    /// <summary>Whether a version can run at all (a draft may be incomplete): the structural checks publishing makes.</summary>
    public IReadOnlyList<ValidationError> Validate(WorkflowDefinition definition) => CompiledWorkflow.Validate(definition, registry, evaluator);

    /// <summary>Splits a journal into its steps. A step opens with the entry that records its versions; journals written
    /// before versions were recorded are split by the command each kind of entry can only begin.</summary>
    public static IReadOnlyList<ReplayStep> Steps(IReadOnlyList<JournalEntry> journal)
    {
        var steps = new List<ReplayStep>();
        var current = new List<JournalEntry>();
        var firstVersioned = -1;
        for (var i = 0; i < journal.Count; i++)
            if (DecisionVersions.From(journal[i]) is not null) { firstVersioned = i; break; }
        for (var i = 0; i < journal.Count; i++)
        {
            var e = journal[i];
            var opens = i == 0 || DecisionVersions.From(e) is not null
                        || ((firstVersioned < 0 || i < firstVersioned) && OpensLegacyStep(e, journal[i - 1]));
            if (opens && current.Count > 0)
            {
                steps.Add(Step(steps.Count, current));
                current = [];
            }
            current.Add(e);
        }
        if (current.Count > 0) steps.Add(Step(steps.Count, current));
        return steps;
    }

    private static bool OpensLegacyStep(JournalEntry e, JournalEntry previous) => e.EventName switch
    {
        JournalEvents.WorkflowStarted or JournalEvents.BookmarkResumed or JournalEvents.IncidentDataCorrected or JournalEvents.TaskEscalated
            or JournalEvents.InstanceMigrated => true,
        JournalEvents.IncidentRetried => previous.EventName != JournalEvents.IncidentDataCorrected,
        JournalEvents.BookmarkCancelled => previous.EventName is not (JournalEvents.ActivityCompleted or JournalEvents.BookmarkCancelled),
        JournalEvents.WorkflowCancelled => previous.EventName != JournalEvents.BookmarkCancelled,
        _ => false,
    };

    private static ReplayStep Step(int index, List<JournalEntry> entries)
    {
        var first = entries[0];
        var kind = first.EventName switch
        {
            JournalEvents.WorkflowStarted => ReplayStepKinds.Start,
            JournalEvents.BookmarkResumed => ReplayStepKinds.Resume,
            JournalEvents.IncidentRetried or JournalEvents.IncidentDataCorrected => ReplayStepKinds.Retry,
            JournalEvents.BookmarkCancelled or JournalEvents.WorkflowCancelled => ReplayStepKinds.Cancel,
            JournalEvents.InstanceMigrated => ReplayStepKinds.Migrate,
            _ when first.BookmarkId is not null => ReplayStepKinds.Change,
            _ => first.EventName,
        };
        return new ReplayStep(index, kind, entries, first.Timestamp, new Actor(first.ActorId, first.ActorRole), DecisionVersions.From(first));
    }

    /// <summary>
    /// Runs <paramref name="steps"/> on <paramref name="definition"/>. With <paramref name="followRecordedIds"/> (exact replay)
    /// each step gets back the ids it generated and resumes the recorded bookmark by id; without it (a draft over recorded
    /// inputs) ids are fresh and a completion goes to the bookmark waiting at the same activity. Stops at the first
    /// step it cannot apply, saying why. A migration step (exact replay) switches to the version it moved the case to,
    /// loaded through <paramref name="versionFor"/>, and moves the open bookmarks as the journal says; a draft run over
    /// recorded inputs stays on the draft (the migration is not a decision).
    /// </summary>
    public async Task<ReplayRun> RunAsync(WorkflowDefinition definition, ReplaySubject subject, IReadOnlyList<ReplayStep> steps,
        Func<ReplayStep, ValueTask<IServiceProvider>> servicesFor, bool followRecordedIds, CancellationToken ct = default,
        Func<string, CancellationToken, Task<WorkflowDefinition?>>? versionFor = null)
    {
        var workflow = Compiled(definition, followRecordedIds);
        // One replay evaluates many scripts one after the other: they share prepared engines (same limits per evaluation).
        using var engines = ReuseScriptEngines ? evaluator.JavaScript.ReuseEngines() : null;
        var journal = new List<JournalEntry>();
        var effects = new List<(int, StepEffect)>();
        WorkflowInstance? instance = null;
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var fresh = 0;
        foreach (var step in steps)
        {
            ReplayRun Stop(string reason) => new(instance ?? NewInstance(workflow.Definition, subject, step.At), journal, effects, step.Index, reason, step.First.Sequence);
            if (step.Index > 0 && instance is null) return Stop("the journal does not begin with the workflow's start");
            if (instance is not null && instance.Status == WorkflowStatus.Finished)
                return Stop($"replay ended the case before entry #{step.First.Sequence} ({step.First.EventName})");

            var ids = new Queue<string>();
            if (followRecordedIds)
                foreach (var e in step.Entries)
                {
                    // In the order they were generated: the activity's execution id, the ids the activity took, its bookmark's id.
                    if (e.ActivityInstanceId is { } ai && seenIds.Add(ai)) ids.Enqueue(ai);
                    if (e.Payload?["ids"] is JsonArray taken)
                        foreach (var t in taken)
                            if ((string?)t is { } tid && seenIds.Add(tid)) ids.Enqueue(tid);
                    if (e.BookmarkId is { } bm && seenIds.Add(bm)) ids.Enqueue(bm);
                }
            var sources = new ReplaySources(ids, () => $"{subject.InstanceId}-replay-{++fresh}",
                new Random(HashCode.Combine(StringComparer.Ordinal.GetHashCode(subject.InstanceId), step.Index)));
            var services = await servicesFor(step);
            instance ??= NewInstance(workflow.Definition, subject, step.At);
            var execution = new WorkflowExecution(workflow, instance, step.Actor, new FixedClock(step.At), services, evaluator, _redactor,
                options.MaxActivitiesPerStep, ct)
            {
                JournalKeys = options.JournalKeys,
                ComputeHashes = ComputeHashes,
                Sources = sources,
                Versions = step.Versions,
            };
            try
            {
                switch (step.Kind)
                {
                    case ReplayStepKinds.Start when step.Index == 0:
                        await execution.StartAsync();
                        break;
                    case ReplayStepKinds.Resume:
                    {
                        var recorded = step.First;
                        var bookmark = followRecordedIds
                            ? instance.Bookmarks.FirstOrDefault(b => b.Id == recorded.BookmarkId)
                            : instance.Bookmarks.FirstOrDefault(b => b.ActivityId == recorded.ActivityId)
                              ?? instance.Bookmarks.FirstOrDefault(b => b.ActivityType == recorded.ActivityType && b.Kind == (string?)recorded.Payload?["kind"]);
                        if (bookmark is null)
                            return Stop($"the case was resumed at '{recorded.ActivityName ?? recorded.ActivityId}' (entry #{recorded.Sequence}), where replay does not wait");
                        if (instance.SubStatus == WorkflowSubStatus.Faulted)
                            return Stop($"replay is faulted ({instance.Incident?.Message}) where the case was resumed (entry #{recorded.Sequence})");
                        var data = recorded.Payload?["data"] is JsonObject d ? (JsonObject)d.DeepClone() : null;
                        await execution.ResumeAsync(bookmark, new ResumeInput((string?)recorded.Payload?["outcome"], data));
                        break;
                    }
                    case ReplayStepKinds.Retry:
                        if (step.First.EventName == JournalEvents.IncidentDataCorrected)
                            return Stop($"staff corrected the case's data before a retry (entry #{step.First.Sequence}); the corrected values are not recorded, so replay cannot go on");
                        if (instance.SubStatus != WorkflowSubStatus.Faulted || instance.Incident is null)
                            return Stop($"the case was retried after an incident (entry #{step.First.Sequence}), but replay has no incident");
                        await execution.RetryAsync();
                        break;
                    case ReplayStepKinds.Cancel:
                        execution.Cancel(step.Entries.FirstOrDefault(e => e.EventName == JournalEvents.WorkflowCancelled)?.Message ?? step.First.Message ?? "");
                        break;
                    case ReplayStepKinds.Migrate:
                    {
                        if (!followRecordedIds) continue;
                        var recorded = step.First;
                        var toVersionId = (string?)recorded.Payload?["toVersionId"] ?? recorded.DefinitionVersionId;
                        var target = versionFor is null ? null : await versionFor(toVersionId, ct);
                        if (target is null)
                            return Stop($"entry #{recorded.Sequence} migrated the case to definition version {toVersionId}, which replay cannot load");
                        workflow = Compiled(target, followRecordedIds);
                        instance = new WorkflowInstance
                        {
                            Id = instance.Id, DefinitionId = instance.DefinitionId, DefinitionVersionId = target.Id ?? toVersionId, Version = target.Version,
                            Name = instance.Name, CorrelationId = instance.CorrelationId, Status = instance.Status, SubStatus = instance.SubStatus,
                            State = instance.State, Bookmarks = instance.Bookmarks, Incident = instance.Incident, CreatedAt = instance.CreatedAt,
                            UpdatedAt = instance.UpdatedAt, FinishedAt = instance.FinishedAt, Revision = instance.Revision,
                            JournalSequence = instance.JournalSequence, LastJournalHash = instance.LastJournalHash, IsNew = instance.IsNew,
                        };
                        execution = new WorkflowExecution(workflow, instance, step.Actor, new FixedClock(step.At), services, evaluator, _redactor,
                            options.MaxActivitiesPerStep, ct)
                        {
                            JournalKeys = options.JournalKeys,
                            ComputeHashes = ComputeHashes,
                            Sources = sources,
                            Versions = step.Versions,
                        };
                        var plan = RecordedMigration(recorded, instance, workflow);
                        if (plan is null)
                            return Stop($"entry #{recorded.Sequence} moves a task that replay does not have open, or to an activity version {target.Version} does not have");
                        execution.Migrate(plan, (string?)recorded.Payload?["fromVersionId"] ?? "");
                        break;
                    }
                    case ReplayStepKinds.Change:
                    {
                        var recorded = step.First;
                        var bookmark = instance.Bookmarks.FirstOrDefault(b => b.Id == recorded.BookmarkId)
                                       ?? (followRecordedIds ? null : instance.Bookmarks.FirstOrDefault(b => b.ActivityId == recorded.ActivityId));
                        if (bookmark is null)
                            return Stop($"entry #{recorded.Sequence} ({recorded.EventName}) changes a task that replay does not have open");
                        JsonObject? payload = null;
                        if (recorded.Payload is not null)
                        {
                            payload = (JsonObject)recorded.Payload.DeepClone();
                            payload.Remove(DecisionVersions.PayloadKey);
                            if (payload.Count == 0 && recorded.Payload.Count > 0) payload = null;
                        }
                        execution.ChangeBookmark(bookmark, new BookmarkChange(recorded.EventName, bookmark.Payload ?? new JsonObject(), recorded.Message ?? "", payload, []));
                        break;
                    }
                    default:
                        return Stop($"entry #{step.First.Sequence} ({step.First.EventName}) records a command replay does not know");
                }
            }
            catch (ResumeRejectedException e)
            {
                if (step.First.Payload?["data"]?.ToJsonString().Contains($"\"{Redactor.Mask}\"", StringComparison.Ordinal) == true)
                    return Stop($"masked: the task data of entry #{step.First.Sequence} holds values masked in the journal (personal data), which the activity checks: {e.Message}");
                return Stop($"replay refused the recorded command of entry #{step.First.Sequence}: {e.Message}");
            }
            journal.AddRange(execution.Journal);
            foreach (var effect in execution.Effects) effects.Add((step.Index, effect));
            instance.UpdatedAt = step.At;
        }
        return new ReplayRun(instance ?? NewInstance(workflow.Definition, subject, DateTimeOffset.UnixEpoch), journal, effects, steps.Count, null, null);
    }

    private CompiledWorkflow Compiled(WorkflowDefinition definition, bool cache) =>
        cache && definition.Id is { } vid
            ? _compiled.GetOrAdd(vid, _ => CompiledWorkflow.Compile(definition, registry, evaluator))
            : CompiledWorkflow.Compile(definition, registry, evaluator);

    /// <summary>The migration an <see cref="JournalEvents.InstanceMigrated"/> entry records, as a plan the execution carries out the same way; null when it does not fit replay's instance.</summary>
    private static InstanceMigrationPlan? RecordedMigration(JournalEntry recorded, WorkflowInstance instance, CompiledWorkflow target)
    {
        var p = recorded.Payload;
        var mappings = new List<BookmarkMapping>();
        foreach (var m in p?["bookmarks"] as JsonArray ?? [])
        {
            var id = (string?)m?["bookmarkId"];
            var to = (string?)m?["to"];
            var bookmark = instance.Bookmarks.FirstOrDefault(b => b.Id == id);
            if (bookmark is null || to is null || !target.Nodes.ContainsKey(to)) return null;
            DateTimeOffset? due = (string?)m?["dueAt"] is { } d
                ? DateTimeOffset.Parse(d, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind) : null;
            mappings.Add(new BookmarkMapping(bookmark.Id, bookmark.Kind, bookmark.Name, bookmark.ActivityId, null, to, null, due, true, []));
        }
        var added = (p?["addedVariables"] as JsonArray ?? []).Select(x => (string?)x ?? "").ToList();
        return new InstanceMigrationPlan(instance.Id, (int?)p?["fromVersion"] ?? 0, (int?)p?["toVersion"] ?? target.Definition.Version,
            InstanceMigrationState.Mappable, [], mappings, added, instance.Revision);
    }

    private static WorkflowInstance NewInstance(WorkflowDefinition definition, ReplaySubject subject, DateTimeOffset at)
    {
        var instance = new WorkflowInstance
        {
            Id = subject.InstanceId,
            DefinitionId = definition.DefinitionId ?? subject.DefinitionId,
            DefinitionVersionId = definition.Id ?? "draft",
            Version = definition.Version,
            Name = definition.Name,
            CorrelationId = subject.CorrelationId,
            CreatedAt = at,
            UpdatedAt = at,
            IsNew = true,
        };
        foreach (var v in definition.Variables) instance.State.Variables[v.Name] = v.Value?.DeepClone();
        if (subject.Input is not null) instance.State.Input = (JsonObject)subject.Input.DeepClone();
        return instance;
    }

    /// <summary>Compares a recorded journal with a replayed one entry by entry (every field but the hashes); null when identical.</summary>
    public static ReplayDivergence? Compare(IReadOnlyList<JournalEntry> recorded, ReplayRun run)
    {
        var replayed = run.Journal;
        for (var i = 0; i < recorded.Count; i++)
        {
            var expected = recorded[i];
            if (i >= replayed.Count)
                return new ReplayDivergence(expected.Sequence, expected.ActivityId, expected.ActivityName, "entry", Describe(expected), null,
                    ReplayEntryView.From(expected), null, run.StoppedReason ?? "replay produced no more entries");
            var actual = replayed[i];
            if (FirstDifference(expected, actual) is { } d)
                return new ReplayDivergence(expected.Sequence, expected.ActivityId ?? actual.ActivityId, expected.ActivityName ?? actual.ActivityName,
                    d.Field, d.Expected, d.Actual, ReplayEntryView.From(expected), ReplayEntryView.From(actual), null);
        }
        if (replayed.Count > recorded.Count)
        {
            var extra = replayed[recorded.Count];
            return new ReplayDivergence(extra.Sequence, extra.ActivityId, extra.ActivityName, "entry", null, Describe(extra), null,
                ReplayEntryView.From(extra), "replay went on past the journal's last entry");
        }
        return null;
    }

    private static string Describe(JournalEntry e) => $"{e.EventName} {e.ActivityName ?? e.ActivityId}".Trim();

    private static (string Field, string? Expected, string? Actual)? FirstDifference(JournalEntry a, JournalEntry b)
    {
        static (string, string?, string?)? D(string field, string? x, string? y) => string.Equals(x, y, StringComparison.Ordinal) ? null : (field, x, y);
        return D("sequence", a.Sequence.ToString(), b.Sequence.ToString())
               ?? D("event", a.EventName, b.EventName)
               ?? D("activity", a.ActivityId, b.ActivityId)
               ?? D("activityType", a.ActivityType, b.ActivityType)
               ?? D("activityName", a.ActivityName, b.ActivityName)
               ?? D("activityNodeId", a.ActivityNodeId, b.ActivityNodeId)
               ?? D("timestamp", a.Timestamp.UtcDateTime.ToString("O"), b.Timestamp.UtcDateTime.ToString("O"))
               ?? D("actor", $"{a.ActorId} ({a.ActorRole})", $"{b.ActorId} ({b.ActorRole})")
               ?? D("definitionVersion", $"{a.DefinitionVersionId} v{a.Version}", $"{b.DefinitionVersionId} v{b.Version}")
               ?? (JsonNode.DeepEquals(a.Payload, b.Payload) ? null
                   : D("payload", a.Payload is null ? null : WorkflowJson.Canonical(a.Payload), b.Payload is null ? null : WorkflowJson.Canonical(b.Payload)))
               ?? D("message", a.Message, b.Message)
               ?? D("activityInstanceId", a.ActivityInstanceId, b.ActivityInstanceId)
               ?? D("bookmarkId", a.BookmarkId, b.BookmarkId);
    }

    /// <summary>Replay's ids: the step's recorded ids in the order they were generated, then fresh ones; a seeded random source.</summary>
    private sealed class ReplaySources(Queue<string> recorded, Func<string> fresh, Random random) : IExecutionSources
    {
        public string NewId() => recorded.TryDequeue(out var id) ? id : fresh();
        public int NextRandom(int minInclusive, int maxExclusive) => random.Next(minInclusive, maxExclusive);
    }

    /// <summary>A clock that stands at the recorded instant of the step.</summary>
    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
