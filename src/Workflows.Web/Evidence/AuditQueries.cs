using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Evidence;
using Workflows.Persistence.Stores;

namespace Workflows.Web.Evidence;

/// <summary>One journal entry as the auditor reads it: who (actor and role), when, under which definition version, what.</summary>
public sealed record AuditEntry(long Sequence, DateTimeOffset Timestamp, string EventName, string? ActivityId, string? ActivityName, string? ActivityType,
    string ActorId, string ActorRole, string DefinitionVersionId, int Version, string? Message, string Hash);

public sealed record AuditCase(string InstanceId, string DefinitionId, string? Name, int Version, string DefinitionVersionId, string Status, string SubStatus,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<AuditEntry> Entries, IReadOnlyList<LegalHoldRecord> Holds);

public sealed record OpenTaskAt(string BookmarkId, string Kind, string Name, string? Title, string? Role, string? DueAt, DateTimeOffset CreatedAt, long CreatedAtSequence);

/// <summary>
/// The case right after journal entry <see cref="Sequence"/>: status and variables from the snapshot of the step that
/// contains the entry (<see cref="SnapshotSequence"/> is that step's last entry), open tasks rebuilt from the journal up to
/// the entry exactly, the application's status from its own history at the entry's time.
/// </summary>
public sealed record StateAt(string InstanceId, long Sequence, DateTimeOffset At, long? SnapshotSequence, string? Status, string? SubStatus, string? Incident,
    JsonObject? Variables, IReadOnlyList<OpenTaskAt> OpenTasks, string? ApplicationStatus, string? ApplicationStatusText);

/// <summary>Reads for auditors (the API and the shell's audit page use the same ones); each read of a case is recorded in the access trail.</summary>
public sealed class AuditQueries(WorkflowStore store, IDbContextFactory<WorkflowsDbContext> engineDb, IDbContextFactory<DomainDbContext> domainDb,
    JournalVerifier verifier)
{
    public async Task<AuditCase?> CaseAsync(string instanceId, CancellationToken ct)
    {
        var i = await store.LoadInstanceAsync(instanceId, ct);
        if (i is null) return null;
        var journal = await store.GetJournalAsync(instanceId, ct);
        await using var db = await engineDb.CreateDbContextAsync(ct);
        var holds = await db.LegalHolds.AsNoTracking().Where(h => h.SubjectKind == LegalHolds.Case && h.SubjectId == instanceId).ToListAsync(ct);
        return new AuditCase(i.Id, i.DefinitionId, i.Name, i.Version, i.DefinitionVersionId, i.Status.ToString(), i.SubStatus.ToString(), i.CreatedAt, i.UpdatedAt,
            journal.Select(e => new AuditEntry(e.Sequence, e.Timestamp, e.EventName, e.ActivityId, e.ActivityName, e.ActivityType, e.ActorId, e.ActorRole,
                e.DefinitionVersionId, e.Version, e.Message, e.Hash)).ToList(), holds);
    }

    public Task<ChainVerification> VerifyAsync(string instanceId, CancellationToken ct) => verifier.VerifyAsync(instanceId, ct);

    public async Task<IReadOnlyList<AccessLogRecord>> AccessTrailAsync(string instanceId, int take, CancellationToken ct)
    {
        await using var db = await engineDb.CreateDbContextAsync(ct);
        return await db.AccessLog.AsNoTracking().Where(a => a.InstanceId == instanceId).OrderByDescending(a => a.Id).Take(Math.Clamp(take, 1, 1000)).ToListAsync(ct);
    }

    public async Task<StateAt?> StateAtAsync(string instanceId, long sequence, CancellationToken ct)
    {
        var journal = await store.GetJournalAsync(instanceId, ct);
        if (journal.Count == 0) return null;
        if (sequence < 1 || sequence > journal.Count) throw new ArgumentException($"sequence must be between 1 and {journal.Count}, the entries of this case.");
        var entry = journal[(int)sequence - 1];
        await using var db = await engineDb.CreateDbContextAsync(ct);
        var snapshot = await db.StateSnapshots.AsNoTracking().Where(s => s.InstanceId == instanceId && s.Sequence >= sequence).OrderBy(s => s.Sequence).FirstOrDefaultAsync(ct);

        var open = new Dictionary<string, OpenTaskAt>();
        foreach (var e in journal.Take((int)sequence))
        {
            if (e.EventName == JournalEvents.BookmarkCreated && e.BookmarkId is { } id)
            {
                var task = e.Payload?["task"] as JsonObject;
                open[id] = new OpenTaskAt(id, e.Payload?["kind"]?.GetValue<string>() ?? "", e.Payload?["name"]?.GetValue<string>() ?? "",
                    Str(task, "title"), Str(task, "role"), Str(task, "dueAt"), e.Timestamp, e.Sequence);
            }
            else if (e.EventName is JournalEvents.BookmarkResumed or JournalEvents.BookmarkCancelled && e.BookmarkId is { } closed)
                open.Remove(closed);
        }

        await using var domain = await domainDb.CreateDbContextAsync(ct);
        var app = await domain.Applications.AsNoTracking().Where(a => a.InstanceId == instanceId).Select(a => a.Id).FirstOrDefaultAsync(ct);
        Workflows.Domain.Applications.ApplicationEvent? status = null;
        if (app is not null)
            status = (await domain.ApplicationEvents.AsNoTracking().Where(a => a.ApplicationId == app).ToListAsync(ct))
                .Where(a => a.At <= entry.Timestamp).OrderBy(a => a.At).ThenBy(a => a.Id).LastOrDefault();

        return new StateAt(instanceId, sequence, entry.Timestamp, snapshot?.Sequence, snapshot?.Status, snapshot?.SubStatus, snapshot?.Incident,
            snapshot is null ? null : JsonNode.Parse(snapshot.VariablesJson)?.AsObject(), open.Values.ToList(), status?.Status, status?.MessageZh);
    }

    private static string? Str(JsonObject? o, string key) => o?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : o?[key]?.ToJsonString();
}

/// <summary>Legal holds on a case or a member: placed and released with who, when and why; never deleted.</summary>
public sealed class LegalHolds(IDbContextFactory<WorkflowsDbContext> engineDb, TimeProvider clock)
{
    public const string Case = "Case";
    public const string Member = "Member";

    public async Task<LegalHoldRecord> PlaceAsync(string kind, string subjectId, string reason, string by, CancellationToken ct)
    {
        await using var db = await engineDb.CreateDbContextAsync(ct);
        var hold = new LegalHoldRecord { Id = Guid.CreateVersion7().ToString("N"), SubjectKind = kind, SubjectId = subjectId, Reason = reason, PlacedBy = by, PlacedAt = clock.GetUtcNow() };
        db.LegalHolds.Add(hold);
        await db.SaveChangesAsync(ct);
        return hold;
    }

    public async Task<LegalHoldRecord?> ReleaseAsync(string holdId, string reason, string by, CancellationToken ct)
    {
        await using var db = await engineDb.CreateDbContextAsync(ct);
        var hold = await db.LegalHolds.FirstOrDefaultAsync(h => h.Id == holdId, ct);
        if (hold is null) return null;
        if (hold.ReleasedAt is not null) return hold;
        hold.ReleasedAt = clock.GetUtcNow();
        hold.ReleasedBy = by;
        hold.ReleaseReason = reason;
        await db.SaveChangesAsync(ct);
        return hold;
    }

    public async Task<IReadOnlyList<LegalHoldRecord>> ListAsync(string? subjectId, bool activeOnly, CancellationToken ct)
    {
        await using var db = await engineDb.CreateDbContextAsync(ct);
        var q = db.LegalHolds.AsNoTracking();
        if (!string.IsNullOrEmpty(subjectId)) q = q.Where(h => h.SubjectId == subjectId);
        if (activeOnly) q = q.Where(h => h.ReleasedAt == null);
        return await q.OrderByDescending(h => h.PlacedAt).Take(500).ToListAsync(ct);
    }

    /// <summary>Whether anything about the case, or the member, is held: retention and erasure must skip it.</summary>
    public async Task<bool> IsHeldAsync(string kind, string subjectId, CancellationToken ct)
    {
        await using var db = await engineDb.CreateDbContextAsync(ct);
        return await db.LegalHolds.AnyAsync(h => h.SubjectKind == kind && h.SubjectId == subjectId && h.ReleasedAt == null, ct);
    }
}
