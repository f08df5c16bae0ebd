using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Calendar;

namespace Workflows.Domain.ReferenceData;

/// <summary>
/// A published version of the reference data: a whole snapshot of all seven lists (<see cref="ReferenceDataVersionFile"/>),
/// in effect from <see cref="EffectiveDate"/> (Asia/Shanghai business date) until a later version takes effect. Never
/// changed or deleted once written (the database refuses it).
/// </summary>
public sealed class ReferenceDataVersion
{
    public int Number { get; set; }
    /// <summary>The first business date (Asia/Shanghai) on which decisions use this version; version 1's is 0001-01-01.</summary>
    public DateOnly EffectiveDate { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public string PublishedBy { get; set; } = "";
    /// <summary>The list this version replaced (<see cref="ReferenceList.Code"/>); null for version 1 (the shipped CSVs).</summary>
    public string? ChangedList { get; set; }
    public int Added { get; set; }
    public int Removed { get; set; }
    public int Changed { get; set; }
    /// <summary>The upload it was published from (null for version 1); unique, so one upload publishes at most one version.</summary>
    public string? UploadId { get; set; }
}

/// <summary>One list's CSV text in a version (every version holds all seven).</summary>
public sealed class ReferenceDataVersionFile
{
    public int Version { get; set; }
    public string File { get; set; } = "";
    public string Text { get; set; } = "";
    /// <summary>SHA-256 of the text (hex), so identical lists are seen as identical across versions.</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>An Admin's upload of one list, checked and kept for preview and diff until it is published (or superseded).</summary>
public sealed class ReferenceDataUpload
{
    public string Id { get; set; } = "";
    public string List { get; set; } = "";
    public string FileName { get; set; } = "";
    public string Text { get; set; } = "";
    public string UploadedBy { get; set; } = "";
    public DateTimeOffset UploadedAt { get; set; }
    /// <summary>The latest version when it was uploaded: the diff is against it, and it can be published only while it is still the latest.</summary>
    public int BaseVersion { get; set; }
    public int? PublishedVersion { get; set; }
}

/// <summary>
/// The reference data by version (<see cref="IReferenceDataVersions"/>), from the database: every published version's
/// header is kept in memory with the snapshots of the current and all future versions, so <see cref="Current"/> is a
/// date comparison and switches at Asia/Shanghai midnight of a version's effective date with no database read and no
/// restart. New versions published on any node reach this one through <see cref="RefreshAsync"/> (called after a
/// local publish, and periodically by <see cref="ReferenceDataRefresher"/>). Earlier versions are read on demand for replay.
/// </summary>
public sealed class ReferenceDataStore(IDbContextFactory<DomainDbContext> dbs, TimeProvider clock, BusinessCalendar calendar, ILogger<ReferenceDataStore> logger)
    : IReferenceDataVersions
{
    /// <summary>Version 1's effective date: before any decision.</summary>
    public static readonly DateOnly Beginning = DateOnly.MinValue;

    private sealed record Entry(int Number, DateOnly EffectiveDate, Lazy<ReferenceLookup> Snapshot);

    private volatile Entry[] _timeline = [];
    private readonly SemaphoreSlim _refresh = new(1, 1);

    public ReferenceLookup Current => At(clock.GetUtcNow());

    /// <summary>The snapshot in effect at <paramref name="instant"/>: the highest-numbered version whose effective date has come.</summary>
    public ReferenceLookup At(DateTimeOffset instant) => EntryAt(calendar.LocalDate(instant)).Snapshot.Value;

    /// <summary>The number of the version in effect on <paramref name="date"/> (Asia/Shanghai).</summary>
    public int NumberOn(DateOnly date) => EntryAt(date).Number;

    /// <summary>The highest version number published (in effect or not yet).</summary>
    public int Latest => Timeline()[^1].Number;

    private Entry EntryAt(DateOnly today)
    {
        var timeline = Timeline();
        for (var i = timeline.Length - 1; i >= 0; i--)
            if (timeline[i].EffectiveDate <= today) return timeline[i];
        return timeline[0];
    }

    private Entry[] Timeline()
    {
        var timeline = _timeline;
        if (timeline.Length > 0) return timeline;
        // First use without HealthServices.PrepareAsync's refresh (a tool, a test): read on the thread pool, so a caller
        // with a synchronization context (a Blazor circuit) does not wait for continuations it would have to run itself.
        Task.Run(() => RefreshAsync()).GetAwaiter().GetResult();
        return _timeline.Length > 0 ? _timeline : throw new InvalidOperationException("No reference data version is stored (run HealthServices.PrepareAsync first).");
    }

    public async ValueTask<ReferenceLookup?> AtVersionAsync(string version, CancellationToken ct = default)
    {
        if (!int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)) return null;
        var entry = Timeline().FirstOrDefault(e => e.Number == number);
        if (entry is null)
        {
            await RefreshAsync(ct); // published on another node since the last refresh
            entry = _timeline.FirstOrDefault(e => e.Number == number);
        }
        return entry?.Snapshot.Value;
    }

    /// <summary>
    /// Reads the headers of versions published since the last refresh, and loads the snapshots of the version in effect
    /// today and every later one, so the switch on an effective date needs no database read.
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            var known = _timeline;
            var after = known.Length == 0 ? 0 : known[^1].Number;
            await using var db = await dbs.CreateDbContextAsync(ct);
            var added = await db.ReferenceDataVersions.AsNoTracking().Where(v => v.Number > after).OrderBy(v => v.Number)
                .Select(v => new { v.Number, v.EffectiveDate }).ToListAsync(ct);
            if (added.Count == 0) return;
            var timeline = known.Concat(added.Select(v => new Entry(v.Number, v.EffectiveDate, new Lazy<ReferenceLookup>(() => Load(v.Number))))).ToArray();
            var today = calendar.LocalDate(clock.GetUtcNow());
            var current = Array.FindLastIndex(timeline, e => e.EffectiveDate <= today);
            foreach (var entry in timeline.Skip(Math.Max(current, 0))) _ = entry.Snapshot.Value;
            _timeline = timeline;
            logger.LogInformation("Reference data versions known: {Latest} (in effect today: {Current})", timeline[^1].Number, timeline[Math.Max(current, 0)].Number);
        }
        finally { _refresh.Release(); }
    }

    private ReferenceLookup Load(int number)
    {
        using var db = dbs.CreateDbContext();
        var files = db.ReferenceDataFiles.AsNoTracking().Where(f => f.Version == number).ToDictionary(f => f.File, f => f.Text);
        return ReferenceLookup.FromFiles(files, number.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Stores the shipped CSVs as version 1 when the database holds no version yet (first start).</summary>
    public static async Task EnsureFirstVersionAsync(DomainDbContext db, TimeProvider clock, CancellationToken ct = default)
    {
        if (await db.ReferenceDataVersions.AnyAsync(ct)) return;
        db.ReferenceDataVersions.Add(new ReferenceDataVersion { Number = 1, EffectiveDate = Beginning, PublishedAt = clock.GetUtcNow(), PublishedBy = "system" });
        foreach (var list in ReferenceList.All)
            db.ReferenceDataFiles.Add(File(1, list.File, ReferenceDataLoader.ReadEmbedded(list.File)));
        try { await db.SaveChangesAsync(ct); }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (!await db.ReferenceDataVersions.AsNoTracking().AnyAsync(v => v.Number == 1, ct)) throw; // else another node stored it first
        }
        db.ChangeTracker.Clear();
    }

    internal static ReferenceDataVersionFile File(int version, string file, string text) => new()
    {
        Version = version, File = file, Text = text, Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))),
    };
}

/// <summary>Picks up versions published on other nodes every <c>ReferenceData:RefreshInterval</c> (default 15 s).</summary>
public sealed class ReferenceDataRefresher(ReferenceDataStore store, Microsoft.Extensions.Options.IOptions<ReferenceDataSettings> settings, ILogger<ReferenceDataRefresher> logger)
    : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = settings.Value.RefreshInterval;
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await store.RefreshAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e, "Reference data refresh failed; retrying in {Interval}", interval); }
        }
    }
}
