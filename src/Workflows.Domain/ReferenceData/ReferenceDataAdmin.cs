using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Calendar;

namespace Workflows.Domain.ReferenceData;

/// <summary>A refused reference-data request: the HTTP status, a title, and each problem (with its line and column for a file).</summary>
public sealed class ReferenceDataException(int status, string title, IReadOnlyList<ReferenceRowError> errors)
    : Exception(string.Join(" ", errors.Take(10).Select(e => e.MessageZh)))
{
    public int Status => status;
    public string Title => title;
    public IReadOnlyList<ReferenceRowError> Errors => errors;

    public static ReferenceDataException Field(int status, string field, string zh, string en) =>
        new(status, status == 409 ? "冲突 / Conflict" : "请求有误 / The request is not valid", [new ReferenceRowError(0, field, zh, en)]);
}

public sealed record ReferenceListView(string Code, string NameZh, string NameEn, string File, int Rows, int ChangedInVersion);
public sealed record ReferenceVersionView(int Number, DateOnly EffectiveDate, DateTimeOffset PublishedAt, string PublishedBy, string? ChangedList,
    string? ChangedListNameZh, int Added, int Removed, int Changed, string State);
public sealed record ReferenceOverview(int CurrentVersion, DateOnly Today, IReadOnlyList<ReferenceListView> Lists, IReadOnlyList<ReferenceVersionView> Versions);
public sealed record UploadPreview(string Id, string List, string ListNameZh, string FileName, int Rows, int BaseVersion, DateOnly BaseEffectiveDate,
    bool BaseInEffect, ListDiff Diff, string UploadedBy, DateTimeOffset UploadedAt, int? PublishedVersion, bool CanPublish);
public sealed record PublishRequest(string? EffectiveDate);
public sealed record PublishedVersion(int Number, DateOnly EffectiveDate, string List, int Added, int Removed, int Changed, bool InEffect);

/// <summary>
/// The Admin's reference-data console: upload one list's CSV (checked row by row; a file with problems is refused and
/// nothing is kept), preview and diff it against the latest version, publish it as a new version from an effective date.
/// A version copies the latest version's other six lists, so each version is a whole snapshot.
/// </summary>
public sealed class ReferenceDataAdmin(DomainDbContext db, ReferenceDataStore store, TimeProvider clock, BusinessCalendar calendar, ILogger<ReferenceDataAdmin> logger)
{
    public static class States
    {
        public const string InEffect = "in-effect";
        public const string Pending = "pending";
        public const string Superseded = "superseded";
    }

    private DateOnly Today => calendar.LocalDate(clock.GetUtcNow());

    public async Task<ReferenceOverview> OverviewAsync(CancellationToken ct = default)
    {
        await store.RefreshAsync(ct);
        var versions = await db.ReferenceDataVersions.AsNoTracking().OrderByDescending(v => v.Number).ToListAsync(ct);
        var current = store.NumberOn(Today);
        var files = await db.ReferenceDataFiles.AsNoTracking().Where(f => f.Version == current).ToDictionaryAsync(f => f.File, f => f.Text, ct);
        var lists = ReferenceList.All.Select(l => new ReferenceListView(l.Code, l.NameZh, l.NameEn, l.File, l.Check(files[l.File]).Table?.Rows.Count ?? 0,
            versions.Where(v => v.Number <= current && (v.ChangedList == l.Code || v.Number == 1)).Max(v => v.Number))).ToList();
        return new ReferenceOverview(current, Today, lists, versions.Select(v => View(v, current)).ToList());
    }

    private static ReferenceVersionView View(ReferenceDataVersion v, int current) => new(v.Number, v.EffectiveDate, v.PublishedAt, v.PublishedBy, v.ChangedList,
        ReferenceList.Find(v.ChangedList)?.NameZh, v.Added, v.Removed, v.Changed,
        v.Number == current ? States.InEffect : v.Number > current ? States.Pending : States.Superseded);

    /// <summary>The CSV of a list in a version (the one in effect today when <paramref name="version"/> is null).</summary>
    public async Task<string> CsvAsync(string listCode, int? version, CancellationToken ct = default)
    {
        var list = ListOrThrow(listCode);
        await store.RefreshAsync(ct);
        var number = version ?? store.NumberOn(Today);
        return await db.ReferenceDataFiles.AsNoTracking().Where(f => f.Version == number && f.File == list.File).Select(f => f.Text).FirstOrDefaultAsync(ct)
               ?? throw new KeyNotFoundException($"Reference data version {number} does not exist.");
    }

    /// <summary>Checks and keeps an upload; a file with any problem is refused (400, every row's problem named) and nothing is kept.</summary>
    public async Task<UploadPreview> UploadAsync(string listCode, string? fileName, byte[] content, string user, CancellationToken ct = default)
    {
        var list = ListOrThrow(listCode);
        var check = list.Check(content);
        if (check.Errors.Count > 0)
            throw new ReferenceDataException(400, $"文件有 {check.Errors.Count} 处错误，未保存 / The file has {check.Errors.Count} problem(s); nothing was kept", check.Errors);
        await store.RefreshAsync(ct);
        var latest = store.Latest;
        var text = new System.Text.UTF8Encoding(false).GetString(content).TrimStart('\uFEFF');
        // The whole snapshot must load as decisions will read it.
        var files = await FilesAsync(latest, ct);
        files[list.File] = text;
        try { ReferenceLookup.FromFiles(files, "check"); }
        catch (InvalidDataException e)
        {
            throw new ReferenceDataException(400, "文件无法载入 / The file cannot be loaded", [new ReferenceRowError(0, null, $"文件无法载入：{e.Message}", e.Message)]);
        }
        var upload = new ReferenceDataUpload
        {
            Id = Guid.NewGuid().ToString("N"), List = list.Code, FileName = Path.GetFileName(fileName ?? list.File), Text = text, UploadedBy = user,
            UploadedAt = clock.GetUtcNow(), BaseVersion = latest,
        };
        db.ReferenceDataUploads.Add(upload);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Reference data upload {UploadId} of {List} by {User} against version {Version}", upload.Id, list.Code, user, latest);
        return await PreviewAsync(upload, ct);
    }

    public async Task<UploadPreview> PreviewAsync(string uploadId, CancellationToken ct = default)
    {
        var upload = await db.ReferenceDataUploads.AsNoTracking().FirstOrDefaultAsync(u => u.Id == uploadId, ct)
                     ?? throw new KeyNotFoundException($"没有编号为 {uploadId} 的上传 / Upload {uploadId} does not exist.");
        await store.RefreshAsync(ct);
        return await PreviewAsync(upload, ct);
    }

    private async Task<UploadPreview> PreviewAsync(ReferenceDataUpload upload, CancellationToken ct)
    {
        var list = ListOrThrow(upload.List);
        var baseVersion = await db.ReferenceDataVersions.AsNoTracking().FirstAsync(v => v.Number == upload.BaseVersion, ct);
        var baseText = (await FilesAsync(upload.BaseVersion, ct))[list.File];
        var next = list.Check(upload.Text).Table!;
        var diff = list.Diff(list.Check(baseText).Table!, next);
        return new UploadPreview(upload.Id, list.Code, list.NameZh, upload.FileName, next.Rows.Count, upload.BaseVersion, baseVersion.EffectiveDate,
            store.NumberOn(Today) == upload.BaseVersion, diff, upload.UploadedBy, upload.UploadedAt, upload.PublishedVersion,
            upload.PublishedVersion is null && upload.BaseVersion == store.Latest && !diff.IsEmpty);
    }

    /// <summary>
    /// Publishes an upload as the next version, in effect from <see cref="PublishRequest.EffectiveDate"/> (today or later,
    /// not before the latest version's date). Publishing the same upload again returns the version it made.
    /// </summary>
    public async Task<(PublishedVersion Version, bool Created)> PublishAsync(string uploadId, PublishRequest request, string user, CancellationToken ct = default)
    {
        var upload = await db.ReferenceDataUploads.FirstOrDefaultAsync(u => u.Id == uploadId, ct)
                     ?? throw new KeyNotFoundException($"没有编号为 {uploadId} 的上传 / Upload {uploadId} does not exist.");
        var list = ListOrThrow(upload.List);
        if (upload.PublishedVersion is { } done)
        {
            var v = await db.ReferenceDataVersions.AsNoTracking().FirstAsync(x => x.Number == done, ct);
            return (new PublishedVersion(v.Number, v.EffectiveDate, list.Code, v.Added, v.Removed, v.Changed, v.EffectiveDate <= Today), false);
        }
        if (!DateOnly.TryParseExact(request.EffectiveDate?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effective))
            throw ReferenceDataException.Field(400, "effectiveDate", "生效日期应为 yyyy-MM-dd 格式的日期，例如 2026-12-01。",
                "effectiveDate must be a date written yyyy-MM-dd, such as 2026-12-01.");
        var today = Today;
        if (effective < today)
            throw ReferenceDataException.Field(400, "effectiveDate", $"生效日期不能早于今天（{today:yyyy-MM-dd}，北京时间）：已作出的决定不可追溯改变。",
                $"effectiveDate cannot be before today ({today:yyyy-MM-dd}, Asia/Shanghai): decisions already made do not change.");

        await store.RefreshAsync(ct);
        var latest = await db.ReferenceDataVersions.AsNoTracking().OrderByDescending(v => v.Number).FirstAsync(ct);
        if (upload.BaseVersion != latest.Number)
            throw ReferenceDataException.Field(409, "uploadId", $"上传之后已发布了版本 v{latest.Number}：请下载最新清单，修改后重新上传。",
                $"Version {latest.Number} was published after this upload: download the latest list, edit it and upload again.");
        if (effective < latest.EffectiveDate)
            throw ReferenceDataException.Field(400, "effectiveDate", $"生效日期不能早于最新版本 v{latest.Number} 的生效日期 {latest.EffectiveDate:yyyy-MM-dd}。",
                $"effectiveDate cannot be before the latest version's ({latest.Number}, {latest.EffectiveDate:yyyy-MM-dd}).");

        var files = await FilesAsync(latest.Number, ct);
        var diff = list.Diff(list.Check(files[list.File]).Table!, list.Check(upload.Text).Table!);
        if (diff.IsEmpty)
            throw ReferenceDataException.Field(400, "uploadId", "上传的清单与最新版本完全相同，无需发布。", "The uploaded list is the same as the latest version's; there is nothing to publish.");
        files[list.File] = upload.Text;

        var number = latest.Number + 1;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            db.ReferenceDataVersions.Add(new ReferenceDataVersion
            {
                Number = number, EffectiveDate = effective, PublishedAt = clock.GetUtcNow(), PublishedBy = user, ChangedList = list.Code, UploadId = upload.Id,
                Added = diff.Added.Count, Removed = diff.Removed.Count, Changed = diff.Changed.Count,
            });
            foreach (var (file, text) in files) db.ReferenceDataFiles.Add(ReferenceDataStore.File(number, file, text));
            upload.PublishedVersion = number;
            try
            {
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            catch (DbUpdateException)
            {
                throw ReferenceDataException.Field(409, "uploadId", "另一位管理员刚刚发布了新版本：请刷新后重新上传。",
                    "Another admin has just published a version: reload and upload again.");
            }
        }
        await store.RefreshAsync(ct);
        logger.LogInformation("Reference data version {Version} published by {User}: {List} (+{Added} -{Removed} ~{Changed}), in effect from {EffectiveDate}",
            number, user, list.Code, diff.Added.Count, diff.Removed.Count, diff.Changed.Count, effective.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        return (new PublishedVersion(number, effective, list.Code, diff.Added.Count, diff.Removed.Count, diff.Changed.Count, effective <= today), true);
    }

    private async Task<Dictionary<string, string>> FilesAsync(int version, CancellationToken ct) =>
        await db.ReferenceDataFiles.AsNoTracking().Where(f => f.Version == version).ToDictionaryAsync(f => f.File, f => f.Text, ct);

    private static ReferenceList ListOrThrow(string code) => ReferenceList.Find(code)
        ?? throw new KeyNotFoundException($"没有清单“{code}”：可选 {string.Join("、", ReferenceList.All.Select(l => l.Code))} / There is no list '{code}'.");
}
