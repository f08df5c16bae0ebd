using Workflows.Engine.Runtime;
using Workflows.Persistence.Stores;

namespace Workflows.Persistence.Evidence;

/// <summary>
/// Verifies an instance's journal the way an auditor needs it: the keyed chain (journal keys from outside the database),
/// the instance row's last entry, and the head the newest signed checkpoint recorded for the instance — so a tail cut
/// off with the instance row "fixed", or a chain recomputed without the key, is found.
/// </summary>
public sealed class JournalVerifier(WorkflowStore store, EvidenceKeys keys, CheckpointStore checkpoints, DatabaseOptions database)
{
    public async Task<ChainVerification> VerifyAsync(string instanceId, CancellationToken ct = default)
    {
        var entries = await store.GetJournalAsync(instanceId, ct);
        return await VerifyAsync(instanceId, entries, ct);
    }

    public async Task<ChainVerification> VerifyAsync(string instanceId, IReadOnlyList<JournalEntry> entries, CancellationToken ct = default)
    {
        var (checkpoint, problem, _) = checkpoints.Latest();
        if (problem is not null)
            return ChainVerification.Broken(instanceId, entries.Count, 0, $"The newest signed checkpoint cannot be trusted: {problem}.");
        CheckpointHead? head = null;
        if (checkpoint?.Heads.FirstOrDefault(h => h.InstanceId == instanceId) is { } leaf) head = new CheckpointHead(leaf.Sequence, leaf.Hash, checkpoint.CreatedAt);
        await using var c = await database.OpenConnectionAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.SetSql("SELECT JournalSequence, LastJournalHash FROM WorkflowInstances WHERE Id = @id");
        cmd.AddWithValue("@id", instanceId);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            if (head is { } h)
                return ChainVerification.Broken(instanceId, entries.Count, 1,
                    $"The instance was deleted: the signed checkpoint of {h.CheckpointAt:yyyy-MM-dd HH:mm} UTC records it with {h.Sequence} entries.");
            throw new InstanceNotFoundException(instanceId);
        }
        return JournalChain.Verify(instanceId, entries, r.GetInt64(0), r.GetString(1), keys.Ring, head);
    }

    /// <summary>Instances the newest checkpoint records that are no longer in the database.</summary>
    public async Task<IReadOnlyList<string>> MissingInstancesAsync(CancellationToken ct = default)
    {
        var (checkpoint, problem, _) = checkpoints.Latest();
        if (checkpoint is null || problem is not null) return [];
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using var c = await database.OpenConnectionAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.SetSql("SELECT Id FROM WorkflowInstances");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) present.Add(r.GetString(0));
        return checkpoint.Heads.Where(h => !present.Contains(h.InstanceId)).Select(h => h.InstanceId).ToList();
    }
}
