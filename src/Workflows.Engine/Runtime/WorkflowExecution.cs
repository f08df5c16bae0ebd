using System.Text.Json.Nodes;
using Workflows.Engine.Activities;
using Workflows.Engine.Descriptors;
using Workflows.Engine.Expressions;
using Workflows.Engine.Model;

namespace Workflows.Engine.Runtime;

/// <summary>
/// One execution step of one instance, entirely in memory: run from a start or a resumed bookmark, following
/// connections by outcome port, until every branch is blocked on a bookmark, the flowchart ends, or an activity faults.
/// The caller commits the result (state, bookmarks, journal) atomically.
/// </summary>
internal sealed class WorkflowExecution
{
    private readonly CompiledWorkflow _workflow;
    private readonly ExpressionEvaluator _evaluator;
    private readonly Redactor _redactor;
    private readonly int _maxActivitiesPerStep;
    private readonly Queue<WorkItem> _queue = new();

    public WorkflowExecution(CompiledWorkflow workflow, WorkflowInstance instance, Actor actor, TimeProvider clock,
        IServiceProvider services, ExpressionEvaluator evaluator, Redactor redactor, int maxActivitiesPerStep, CancellationToken cancellationToken)
    {
        _workflow = workflow;
        Instance = instance;
        Actor = actor;
        Clock = clock;
        Now = clock.GetUtcNow();
        Services = services;
        _evaluator = evaluator;
        _redactor = redactor;
        _maxActivitiesPerStep = maxActivitiesPerStep;
        CancellationToken = cancellationToken;
    }

    public WorkflowInstance Instance { get; }
    public ExpressionEvaluator Evaluator => _evaluator;
    public Actor Actor { get; }
    public TimeProvider Clock { get; }
    public DateTimeOffset Now { get; }
    public IServiceProvider Services { get; }
    public CancellationToken CancellationToken { get; }
    public List<JournalEntry> Journal { get; } = [];
    public JournalKeyRing JournalKeys { get; init; } = JournalKeyRing.Unkeyed;
    /// <summary>False for a replay that only compares fields: the entries are not hashed (they are never stored).</summary>
    public bool ComputeHashes { get; init; } = true;
    public List<Bookmark> CreatedBookmarks { get; } = [];
    public List<string> RemovedBookmarkIds { get; } = [];
    public List<StepEffect> Effects { get; } = [];
    /// <summary>Ids and random numbers for this step (replay gives back the recorded ids).</summary>
    public IExecutionSources Sources { get; init; } = LiveExecutionSources.Instance;
    /// <summary>Ids the running activity took from its context; recorded with its entry (<c>payload.ids</c>) so replay gives them back.</summary>
    private readonly List<string> _activityIds = [];

    public string NewActivityId()
    {
        var id = Sources.NewId();
        _activityIds.Add(id);
        return id;
    }

    private void RecordActivityIds(JsonObject payload)
    {
        if (_activityIds.Count == 0) return;
        payload["ids"] = new JsonArray(_activityIds.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
        _activityIds.Clear();
    }

    /// <summary>The data versions this step's decisions use; recorded with the step's first journal entry.</summary>
    public DecisionVersions? Versions { get; init; }

    public async Task StartAsync()
    {
        Append(JournalEvents.WorkflowStarted, null, null, null, null);
        foreach (var id in _workflow.StartActivityIds) _queue.Enqueue(new WorkItem(id));
        await RunAsync();
    }

    public async Task ResumeAsync(Bookmark bookmark, ResumeInput input)
    {
        RemoveBookmark(bookmark, JournalEvents.BookmarkResumed, new JsonObject
        {
            ["kind"] = bookmark.Kind,
            ["outcome"] = input.Outcome,
            ["data"] = _redactor.Redact(input.Data),
        });
        var node = _workflow.Nodes[bookmark.ActivityId];
        if (await ExecuteAsync(node, bookmark.ActivityInstanceId, a => a.ResumeAsync(CurrentContext!, input), bookmark, input))
            await RunAsync();
    }

    /// <summary>Cancels the instance: every waiting bookmark is cancelled and the instance ends as Cancelled.</summary>
    public void Cancel(string reason)
    {
        foreach (var b in Instance.Bookmarks.ToList()) RemoveBookmark(b, JournalEvents.BookmarkCancelled, null, reason);
        Instance.State.Pending.Clear();
        Instance.Incident = null;
        Instance.Status = WorkflowStatus.Finished;
        Instance.SubStatus = WorkflowSubStatus.Cancelled;
        Instance.FinishedAt = Now;
        Append(JournalEvents.WorkflowCancelled, null, null, null, null, reason);
    }

    /// <summary>Changes an open bookmark's payload (e.g. a task escalated) without resuming it, and journals why.</summary>
    public void ChangeBookmark(Bookmark bookmark, BookmarkChange change)
    {
        var changed = bookmark with { Payload = change.Payload };
        Instance.Bookmarks[Instance.Bookmarks.FindIndex(x => x.Id == bookmark.Id)] = changed;
        RemovedBookmarkIds.Add(bookmark.Id);
        CreatedBookmarks.Add(changed);
        Effects.AddRange(change.Effects);
        Append(change.EventName, bookmark.ActivityId, bookmark.ActivityInstanceId, bookmark.Id, change.JournalPayload, change.Message);
    }

    /// <summary>
    /// Moves the waiting instance (already carrying the target version) onto the target version's activities as
    /// <paramref name="plan"/> says: each re-pointed bookmark keeps its id, payload (role, assignee, due date) and
    /// activity instance; variables the target version declares anew get their initial value. Nothing runs. One journal
    /// entry records it, so the chain covers the move.
    /// </summary>
    public void Migrate(InstanceMigrationPlan plan, string fromVersionId)
    {
        var moved = new JsonArray();
        foreach (var m in plan.Bookmarks)
        {
            var index = Instance.Bookmarks.FindIndex(x => x.Id == m.BookmarkId);
            var b = Instance.Bookmarks[index];
            var node = _workflow.Nodes[m.ToActivityId!];
            var nodeId = node.NodeId ?? node.Id;
            if (b.ActivityId != node.Id || b.ActivityNodeId != nodeId)
            {
                var changed = b with { ActivityId = node.Id, ActivityNodeId = nodeId };
                Instance.Bookmarks[index] = changed;
                RemovedBookmarkIds.Add(b.Id);
                CreatedBookmarks.Add(changed);
            }
            moved.Add(new JsonObject
            {
                ["bookmarkId"] = b.Id, ["kind"] = b.Kind, ["from"] = b.ActivityId, ["to"] = node.Id,
                ["dueAt"] = m.DueAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            });
        }
        foreach (var v in _workflow.Definition.Variables)
            if (!Instance.State.Variables.ContainsKey(v.Name))
                Instance.State.Variables[v.Name] = v.Value?.DeepClone();
        Append(JournalEvents.InstanceMigrated, null, null, null, new JsonObject
        {
            ["fromVersion"] = plan.FromVersion,
            ["fromVersionId"] = fromVersionId,
            ["toVersion"] = plan.ToVersion,
            ["toVersionId"] = Instance.DefinitionVersionId,
            ["bookmarks"] = moved,
            ["addedVariables"] = new JsonArray(plan.AddedVariables.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        }, $"从版本 {plan.FromVersion} 迁移到版本 {plan.ToVersion} · migrated from version {plan.FromVersion} to {plan.ToVersion}");
    }

    /// <summary>Runs the faulted work again (the activity that faulted, then whatever was still scheduled).</summary>
    public async Task RetryAsync(IncidentCorrection? correction = null)
    {
        var incident = Instance.Incident!;
        if (correction is { IsEmpty: false })
        {
            // The journal names what was corrected (the fields), never the values: those may be personal data.
            var changed = correction.Apply(Instance.State);
            Append(JournalEvents.IncidentDataCorrected, incident.ActivityId, null, null,
                new JsonObject { ["fields"] = new JsonArray(changed.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()) });
        }
        Append(JournalEvents.IncidentRetried, incident.ActivityId, null, null, new JsonObject { ["incident"] = incident.Message });
        Instance.Incident = null;
        Instance.SubStatus = WorkflowSubStatus.Executing;
        var pending = Instance.State.Pending.ToList();
        Instance.State.Pending.Clear();
        if (incident.ResumedBookmark is { } bookmark)
        {
            var node = _workflow.Nodes[bookmark.ActivityId];
            var input = new ResumeInput(incident.ResumeOutcome, incident.ResumeData);
            if (!await ExecuteAsync(node, bookmark.ActivityInstanceId, a => a.ResumeAsync(CurrentContext!, input), bookmark, input))
                return;
        }
        foreach (var item in pending) _queue.Enqueue(item);
        await RunAsync();
    }

    private ActivityContext? CurrentContext { get; set; }

    private async Task RunAsync()
    {
        Instance.SubStatus = WorkflowSubStatus.Executing;
        var executed = 0;
        while (_queue.Count > 0 && Instance.Status == WorkflowStatus.Running)
        {
            CancellationToken.ThrowIfCancellationRequested();
            var item = _queue.Dequeue();
            var node = _workflow.Nodes[item.ActivityId];
            if (++executed > _maxActivitiesPerStep)
            {
                Fault(node, Sources.NewId(), $"More than {_maxActivitiesPerStep} activities ran in one step without waiting; the flowchart probably loops without a blocking activity.", item, null, null);
                return;
            }
            if (node.Type == Activities.Builtin.FlowJoin.TypeName && !JoinReady(node, item)) continue;
            if (!await ExecuteAsync(node, Sources.NewId(), a => a.ExecuteAsync(CurrentContext!), null, null, item))
                return;
        }
        if (Instance.Status != WorkflowStatus.Running) return;
        var open = Instance.Bookmarks.Count;
        if (open == 0)
        {
            Instance.Status = WorkflowStatus.Finished;
            Instance.SubStatus = WorkflowSubStatus.Finished;
            Instance.FinishedAt = Now;
            Append(JournalEvents.WorkflowFinished, null, null, null, null);
        }
        else Instance.SubStatus = WorkflowSubStatus.Suspended;
    }

    /// <summary>Executes (or resumes) one activity and schedules what follows. Returns false if it faulted.</summary>
    private async Task<bool> ExecuteAsync(ActivityNode node, string activityInstanceId, Func<Activity, ValueTask<ActivityResult>> run,
        Bookmark? resumed, ResumeInput? resumeInput, WorkItem? item = null)
    {
        var type = _workflow.Types[node.Id];
        var context = new ActivityContext(this, node, activityInstanceId);
        _activityIds.Clear();
        CurrentContext = context;
        ActivityResult result;
        JsonObject? inputs = null;
        try
        {
            var activity = type.Create();
            inputs = BindInputs(type, node, activity, context);
            if (resumed is null)
                Append(JournalEvents.ActivityStarted, node.Id, activityInstanceId, null, inputs.Count > 0 ? new JsonObject { ["inputs"] = inputs } : null);
            result = await run(activity);
        }
        catch (ResumeRejectedException)
        {
            throw;
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Fault(node, activityInstanceId, e.Message, item, resumed, resumeInput);
            return false;
        }

        if (result.Bookmark is { } request)
        {
            var bookmark = new Bookmark
            {
                Id = Sources.NewId(),
                InstanceId = Instance.Id,
                ActivityId = node.Id,
                ActivityNodeId = node.NodeId ?? node.Id,
                ActivityType = node.Type,
                ActivityInstanceId = activityInstanceId,
                Kind = request.Kind,
                Name = request.Name,
                CorrelationKey = request.CorrelationKey,
                ResumeAt = request.ResumeAt,
                Payload = request.Payload,
                CreatedAt = Now,
            };
            Instance.Bookmarks.Add(bookmark);
            CreatedBookmarks.Add(bookmark);
            var payload = new JsonObject { ["kind"] = request.Kind, ["name"] = request.Name };
            if (request.ResumeAt is { } at) payload["resumeAt"] = at.ToString("O");
            if (request.Payload is not null) payload["task"] = _redactor.Redact(request.Payload);
            RecordActivityIds(payload);
            Append(JournalEvents.BookmarkCreated, node.Id, activityInstanceId, bookmark.Id, payload, context.JournalMessage);
            return true;
        }

        var completed = new JsonObject { ["outcomes"] = new JsonArray(result.Outcomes.Select(o => (JsonNode)o).ToArray()) };
        if (result.Output is not null) completed["output"] = _redactor.Redact(result.Output);
        RecordActivityIds(completed);
        Append(JournalEvents.ActivityCompleted, node.Id, activityInstanceId, null, completed, context.JournalMessage ?? string.Join(", ", result.Outcomes));
        Instance.State.ActivityState.Remove(activityInstanceId);

        if (result.FinishesWorkflow)
        {
            foreach (var b in Instance.Bookmarks.ToList()) RemoveBookmark(b, JournalEvents.BookmarkCancelled, null);
            _queue.Clear();
            Instance.Status = WorkflowStatus.Finished;
            Instance.SubStatus = WorkflowSubStatus.Finished;
            Instance.FinishedAt = Now;
            Append(JournalEvents.WorkflowFinished, null, null, null, null);
            return true;
        }

        if (node.Type == Activities.Builtin.FlowJoin.TypeName && IsWaitAny(node, context))
            CancelUpstreamOf(node);

        foreach (var outcome in result.Outcomes)
            foreach (var c in _workflow.ConnectionsFrom(node.Id, outcome))
                _queue.Enqueue(new WorkItem(c.Target.Activity, CompiledWorkflow.Key(c)));
        return true;
    }

    private JsonObject BindInputs(ActivityType type, ActivityNode node, Activity activity, ActivityContext context)
    {
        var journalInputs = new JsonObject();
        foreach (var input in type.Inputs)
        {
            var stored = _workflow.Input(node, input.Descriptor.Name);
            JsonNode? value;
            if (stored?.Expression is { } expr && !(expr.Type == ExpressionTypes.Literal && expr.Value is null))
            {
                try { value = _evaluator.Evaluate(expr, context, CancellationToken); }
                catch (ExpressionException e) { throw new ExpressionException($"Input '{input.Descriptor.DisplayName}': {e.Message}", e); }
            }
            else if (input.Descriptor.DefaultValue is { } d) value = d.DeepClone();
            else continue;

            object? converted;
            try { converted = ValueConverter.Convert(value, input.ClrType); }
            catch (ExpressionException e) { throw new ExpressionException($"Input '{input.Descriptor.DisplayName}': {e.Message}", e); }
            input.Set(activity, converted);
            journalInputs[input.Descriptor.Name] = input.Descriptor.IsSensitive || _redactor.IsSensitive(input.Descriptor.Name)
                ? JsonValue.Create(Redactor.Mask)
                : _redactor.Redact(value);
        }
        return journalInputs;
    }

    private bool JoinReady(ActivityNode join, WorkItem item)
    {
        var arrivals = Instance.State.JoinArrivals;
        if (!arrivals.TryGetValue(join.Id, out var arrived)) arrivals[join.Id] = arrived = [];
        if (item.Via is { } via && !arrived.Contains(via)) arrived.Add(via);
        var ready = IsWaitAny(join, null) || _workflow.InboundKeys(join.Id).All(arrived.Contains);
        if (ready) arrivals.Remove(join.Id);
        return ready;
    }

    private bool IsWaitAny(ActivityNode join, ActivityContext? context)
    {
        var mode = _workflow.Input(join, nameof(Activities.Builtin.FlowJoin.Mode))?.Expression?.Value?.ToString();
        return !string.Equals(mode, nameof(Activities.Builtin.JoinMode.WaitAll), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A WaitAny join fired: the other branches leading into it are abandoned (their bookmarks cancelled, their work dropped).</summary>
    private void CancelUpstreamOf(ActivityNode join)
    {
        var upstream = _workflow.Upstream(join.Id);
        foreach (var b in Instance.Bookmarks.Where(b => upstream.Contains(b.ActivityId)).ToList())
            RemoveBookmark(b, JournalEvents.BookmarkCancelled, null, $"Cancelled: join '{join.Label}' continued on another branch.");
        var keep = _queue.Where(w => !upstream.Contains(w.ActivityId) && w.ActivityId != join.Id).ToList();
        _queue.Clear();
        foreach (var w in keep) _queue.Enqueue(w);
        Instance.State.JoinArrivals.Remove(join.Id);
    }

    private void RemoveBookmark(Bookmark b, string eventName, JsonObject? payload, string? message = null)
    {
        Instance.Bookmarks.RemoveAll(x => x.Id == b.Id);
        if (eventName == JournalEvents.BookmarkCancelled) Instance.State.ActivityState.Remove(b.ActivityInstanceId);
        if (CreatedBookmarks.RemoveAll(x => x.Id == b.Id) == 0) RemovedBookmarkIds.Add(b.Id);
        Append(eventName, b.ActivityId, b.ActivityInstanceId, b.Id, payload, message);
    }

    private void Fault(ActivityNode node, string activityInstanceId, string message, WorkItem? item, Bookmark? resumed, ResumeInput? input)
    {
        Append(JournalEvents.ActivityFaulted, node.Id, activityInstanceId, resumed?.Id, null, message);
        Instance.Incident = new Incident
        {
            ActivityId = node.Id,
            ActivityNodeId = node.NodeId ?? node.Id,
            ActivityType = node.Type,
            Message = message,
            At = Now,
            ResumedBookmark = resumed,
            ResumeOutcome = input?.Outcome,
            ResumeData = input?.Data,
        };
        Instance.State.Pending = (item is null ? [] : new List<WorkItem> { item }).Concat(_queue).ToList();
        _queue.Clear();
        Instance.SubStatus = WorkflowSubStatus.Faulted;
        Append(JournalEvents.WorkflowFaulted, node.Id, activityInstanceId, null, null, message);
    }

    public bool HasVariable(string name) => _workflow.Definition.Variables.Any(v => v.Name == name);

    internal string ResolveVariableName(string nameOrId)
    {
        foreach (var v in _workflow.Definition.Variables)
            if (v.Id == nameOrId) return v.Name;
        return nameOrId;
    }

    private void Append(string eventName, string? activityId, string? activityInstanceId, string? bookmarkId, JsonObject? payload, string? message = null)
    {
        var node = activityId is null ? null : _workflow.Nodes.GetValueOrDefault(activityId);
        // The step's first entry records the versions of the data its decisions use (the clock is the entry's timestamp).
        if (Journal.Count == 0 && Versions is not null)
        {
            payload = payload is null ? new JsonObject() : (JsonObject)payload.DeepClone();
            payload[DecisionVersions.PayloadKey] = Versions.ToJson();
        }
        var draft = new JournalEntry
        {
            InstanceId = Instance.Id,
            Sequence = Instance.JournalSequence + 1,
            Timestamp = Now,
            EventName = eventName,
            ActivityId = activityId,
            ActivityNodeId = node?.NodeId ?? activityId,
            ActivityType = node?.Type,
            ActivityName = node?.Name,
            ActivityInstanceId = activityInstanceId,
            BookmarkId = bookmarkId,
            DefinitionVersionId = Instance.DefinitionVersionId,
            Version = Instance.Version,
            ActorId = Actor.Id,
            ActorRole = Actor.Role,
            Message = message,
            Payload = payload,
            PreviousHash = Instance.LastJournalHash,
            Hash = "",
        };
        var entry = ComputeHashes ? draft with { Hash = JournalChain.ComputeHash(draft, JournalKeys) } : draft;
        Journal.Add(entry);
        Instance.JournalSequence = entry.Sequence;
        Instance.LastJournalHash = entry.Hash;
    }
}

/// <summary>The resume was refused before anything ran (e.g. an outcome the task does not offer); nothing is stored.</summary>
public class ResumeRejectedException(string message) : Exception(message);
