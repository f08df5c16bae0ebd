using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// A workflow timer is due: resume its instance. The resume carries the key "timer:{bookmark}", so a second run (a
/// retry, a duplicate delivery, a claim taken over after its lease) is answered from the first one's record, or finds the
/// bookmark closed, and the instance moves on once. The resume's own transaction marks the work Done
/// (<see cref="ScheduleOnCommit"/>).
/// </summary>
public sealed class ResumeTimer(WorkflowRuntime runtime) : IScheduledWorkHandler
{
    public string Kind => WorkKinds.WorkflowTimer;

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct) => (await ResumeAsync(work, ct)).Result;

    /// <summary>What the resume did, and whether its step marked the work Done already (false: the caller records the outcome).</summary>
    public async Task<(string Result, bool DoneInStep)> ResumeAsync(ScheduledWork work, CancellationToken ct)
    {
        var bookmarkId = work.Payload["bookmarkId"]!.GetValue<string>();
        try
        {
            var result = await runtime.ResumeAsync(bookmarkId, new ResumeInput(), Actor.System, ScheduleOnCommit.TimerKey(bookmarkId), ct);
            return result.Replayed ? ("resumed before", false) : (ScheduleOnCommit.ResumedResult(result.SubStatus), true);
        }
        catch (BookmarkClosedException)
        {
            return ("the timer was cancelled or resumed before", false);
        }
        catch (BookmarkNotFoundException)
        {
            return ("no such timer", false);
        }
    }
}
