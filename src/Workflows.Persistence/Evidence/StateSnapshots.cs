using System.Text.Json.Nodes;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Persistence.Evidence;

/// <summary>
/// Records, in every step's own transaction, the instance's state right after the step: status, sub-status, incident and
/// the variables with sensitive values masked. Auditors see "the state at entry n" as the snapshot of the step that
/// ended at or after n (a step is the smallest unit the engine stores; inside it nothing was ever visible to anyone).
/// </summary>
public sealed class StateSnapshotRecorder(WorkflowRuntimeOptions options) : IStepCommitObserver
{
    private readonly Redactor _redactor = new(options.SensitiveKeys);

    public void OnCommitting(StepTransaction c)
    {
        var commit = c.Commit;
        if (commit.Journal.Count == 0) return;
        var i = commit.Instance;
        var variables = new JsonObject();
        foreach (var (k, v) in i.State.Variables) variables[k] = v?.DeepClone();
        c.Command("""
            INSERT INTO StateSnapshots (InstanceId, Sequence, At, Status, SubStatus, VariablesJson, Incident)
            VALUES (@i, @seq, @at, @status, @sub, @vars, @incident)
            """, ("@i", i.Id), ("@seq", i.JournalSequence), ("@at", i.UpdatedAt.UtcTicks), ("@status", i.Status.ToString()), ("@sub", i.SubStatus.ToString()),
            ("@vars", _redactor.RedactObject(variables).ToJsonString()), ("@incident", i.Incident?.Message)).ExecuteNonQuery();
    }

    public void OnCommitted(StepCommit commit) { }
}
