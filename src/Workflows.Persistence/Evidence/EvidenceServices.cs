using Microsoft.Extensions.DependencyInjection;
using Workflows.Engine.Runtime;

namespace Workflows.Persistence.Evidence;

/// <summary>Registers the evidence parts: keys (journal HMAC keys and the signing key, from files outside the database), checkpoints, verification.</summary>
public static class EvidenceServices
{
    /// <summary>Call after <c>AddWorkflowEngine</c>: the runtime then chains the journal with the key ring.</summary>
    public static IServiceCollection AddEvidence(this IServiceCollection services, EvidenceOptions options, DatabaseOptions database)
    {
        services.AddSingleton(options);
        services.AddSingleton(sp => EvidenceKeys.LoadOrCreate(options.KeyDirectory, () => ExistingHeads(database), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new WorkflowRuntimeOptions { JournalKeys = sp.GetRequiredService<EvidenceKeys>().Ring });
        services.AddSingleton<CheckpointStore>();
        services.AddSingleton<JournalVerifier>();
        services.AddSingleton<Workflows.Persistence.Stores.IStepCommitObserver, StateSnapshotRecorder>();
        return services;
    }

    private static IReadOnlyList<(string, long, string)> ExistingHeads(DatabaseOptions database)
    {
        var heads = new List<(string, long, string)>();
        try
        {
            using var c = database.OpenConnectionAsync().GetAwaiter().GetResult(); // start-up, before the host serves
            using var cmd = c.CreateCommand();
            cmd.SetSql("SELECT Id, JournalSequence, LastJournalHash FROM WorkflowInstances WHERE JournalSequence > 0");
            using var r = cmd.ExecuteReader();
            while (r.Read()) heads.Add((r.GetString(0), r.GetInt64(1), r.GetString(2)));
        }
        catch (System.Data.Common.DbException e) when (database.Backend.Dialect.IsMissingTable(e)) { } // no such table: a new database has no unkeyed chains
        return heads;
    }
}
