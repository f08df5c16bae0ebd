namespace Workflows.Domain.ReferenceData;

/// <summary>
/// The reference-data snapshots by version: the one decisions use now, and earlier ones for replay.
/// </summary>
public interface IReferenceDataVersions
{
    /// <summary>The snapshot new decisions use.</summary>
    ReferenceLookup Current { get; }

    /// <summary>The snapshot of <paramref name="version"/>, or null when that version is not kept.</summary>
    ValueTask<ReferenceLookup?> AtVersionAsync(string version, CancellationToken ct = default);
}
