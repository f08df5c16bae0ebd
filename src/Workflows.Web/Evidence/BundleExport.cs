using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Evidence;
using Workflows.Persistence.Stores;

namespace Workflows.Web.Evidence;

/// <summary>Builds a case's evidence bundle (see <see cref="EvidenceBundleContent"/>) and signs it.</summary>
public sealed class BundleExport(WorkflowStore store, IDbContextFactory<WorkflowsDbContext> engineDb, JournalVerifier verifier, CheckpointStore checkpoints,
    EvidenceKeys keys, TimeProvider clock, Workflows.Domain.Replay.CaseReplay replay)
{
    public async Task<byte[]?> ExportAsync(string instanceId, string exportedBy, CancellationToken ct)
    {
        var i = await store.LoadInstanceAsync(instanceId, ct);
        if (i is null) return null;
        var journal = await store.GetJournalAsync(instanceId, ct);
        var verification = await verifier.VerifyAsync(instanceId, journal, ct);
        await using var db = await engineDb.CreateDbContextAsync(ct);
        var definitionJson = await db.Definitions.AsNoTracking().Where(d => d.Id == i.DefinitionVersionId).Select(d => d.Json).FirstOrDefaultAsync(ct);
        var access = await db.AccessLog.AsNoTracking().Where(a => a.InstanceId == instanceId).OrderBy(a => a.Id).ToListAsync(ct);
        var holds = await db.LegalHolds.AsNoTracking().Where(h => h.SubjectKind == LegalHolds.Case && h.SubjectId == instanceId).OrderBy(h => h.PlacedAt).ToListAsync(ct);
        var (checkpoint, problem, _) = checkpoints.Latest();
        var content = new EvidenceBundleContent(
            EvidenceBundleContent.CurrentFormat, clock.GetUtcNow(), exportedBy,
            new BundleInstance(i.Id, i.DefinitionId, i.DefinitionVersionId, i.Version, i.Status.ToString(), i.SubStatus.ToString(), i.CreatedAt, i.UpdatedAt,
                i.FinishedAt, i.JournalSequence, i.LastJournalHash),
            definitionJson is null ? null : JsonNode.Parse(definitionJson)?.AsObject(),
            journal, verification,
            Replay: (await replay.ReplayAsync(i, journal, ct)).SummaryZh,
            access.Select(a => new BundleAccess(a.At, a.UserName ?? a.UserId, a.Roles, a.Method, a.Path, a.StatusCode)).ToList(),
            holds.Select(h => new BundleHold(h.Id, h.SubjectKind, h.SubjectId, h.Reason, h.PlacedBy, h.PlacedAt, h.ReleasedBy, h.ReleasedAt)).ToList(),
            problem is null ? checkpoint?.ProofFor(instanceId) : null);
        return EvidenceBundle.Write(content, keys);
    }
}
