using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Scheduling;

/// <summary>
/// A workflow timer is due: resume its instance. The resume carries the key "timer:{bookmark}", so a second run (a
/// retry, a duplicate trigger) is answered from the first one's record and the instance moves on once.
/// </summary>
public sealed class ResumeTimer(WorkflowRuntime runtime) : IScheduledWorkHandler
{
    public string Kind => WorkKinds.WorkflowTimer;

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct)
    {
        var bookmarkId = work.Payload["bookmarkId"]!.GetValue<string>();
        try
        {
            var result = await runtime.ResumeAsync(bookmarkId, new ResumeInput(), Actor.System, ScheduleOnCommit.TimerKey(bookmarkId), ct);
            return result.Replayed ? "resumed before" : $"resumed: {result.SubStatus}";
        }
        catch (BookmarkClosedException)
        {
            return "the timer was cancelled or resumed before";
        }
        catch (BookmarkNotFoundException)
        {
            return "no such timer";
        }
    }
}
