using System.Text.Json.Nodes;
using Workflows.Engine.Runtime;

namespace Workflows.Engine.Activities;

/// <summary>
/// One activity = one small class. Inputs are properties marked <see cref="InputAttribute"/>; the engine
/// evaluates their expressions and assigns them on a fresh instance before <see cref="ExecuteAsync"/>.
/// </summary>
public abstract class Activity
{
    public abstract ValueTask<ActivityResult> ExecuteAsync(ActivityContext context);

    /// <summary>Called when a bookmark this activity created is resumed.</summary>
    public virtual ValueTask<ActivityResult> ResumeAsync(ActivityContext context, ResumeInput input) =>
        ValueTask.FromResult(ActivityResult.Complete(input.Outcome ?? DefaultPort));

    public const string DefaultPort = "Done";
}

/// <summary>What an activity did: completed on one or more outcome ports, or suspended on a bookmark.</summary>
public sealed record ActivityResult
{
    public IReadOnlyList<string> Outcomes { get; private init; } = [];
    public BookmarkRequest? Bookmark { get; private init; }
    public JsonNode? Output { get; private init; }
    /// <summary>Ends the whole workflow (Finish).</summary>
    public bool FinishesWorkflow { get; private init; }

    public static ActivityResult Complete(params string[] outcomes) => new() { Outcomes = outcomes };
    public static ActivityResult Complete(IReadOnlyList<string> outcomes, JsonNode? output) => new() { Outcomes = outcomes, Output = output };
    public static ActivityResult Complete(string outcome, JsonNode? output) => new() { Outcomes = [outcome], Output = output };
    public static ActivityResult Suspend(BookmarkRequest bookmark) => new() { Bookmark = bookmark };
    public static ActivityResult Finish() => new() { FinishesWorkflow = true };
}

/// <summary>A request to block until a person, a timer or an external event resumes the activity.</summary>
public sealed record BookmarkRequest(string Kind, string Name, DateTimeOffset? ResumeAt = null, JsonObject? Payload = null, string? CorrelationKey = null);

public static class BookmarkKinds
{
    public const string HumanTask = "HumanTask";
    public const string Timer = "Timer";
    public const string Event = "Event";
}

/// <summary>What the caller supplies when resuming a bookmark: the chosen outcome and any data.</summary>
public sealed record ResumeInput(string? Outcome = null, JsonObject? Data = null);
