using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Domain.ReferenceData;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// Reference data in versions (docs/reference-data.md): the lists and versions, a list's CSV, upload (checked row by
/// row, refused whole with problem+json), preview and diff, publish with an effective date. Admins only.
/// </summary>
public static class ReferenceDataApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/reference-data").RequireAuthorization(Policies.ManageReferenceData).WithTags("Reference data");
        group.MapGet("", Overview);
        group.MapGet("/lists/{list}/csv", Csv);
        group.MapPost("/lists/{list}/uploads", Upload);
        group.MapGet("/uploads/{uploadId}", Preview);
        group.MapPost("/uploads/{uploadId}/publish", Publish);
    }

    private static async Task<Ok<ReferenceOverview>> Overview(ReferenceDataAdmin admin, CancellationToken ct) => TypedResults.Ok(await admin.OverviewAsync(ct));

    /// <summary>The list's CSV in <paramref name="version"/> (default: the version in effect today), to edit and upload again.</summary>
    private static async Task<IResult> Csv(ReferenceDataAdmin admin, string list, int? version, CancellationToken ct)
    {
        var text = await admin.CsvAsync(list, version, ct);
        var file = ReferenceList.Find(list)!.File;
        // With a BOM, so that Excel opens the Chinese text as UTF-8.
        return TypedResults.File(System.Text.Encoding.UTF8.GetPreamble().Concat(System.Text.Encoding.UTF8.GetBytes(text)).ToArray(), "text/csv; charset=utf-8", file);
    }

    /// <summary>The body is the CSV file itself (Content-Type text/csv); <c>?fileName=</c> names it in the preview.</summary>
    private static async Task<Created<UploadPreview>> Upload(ReferenceDataAdmin admin, HttpContext http, string list, string? fileName, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct);
        if (buffer.Length == 0)
            throw ReferenceDataException.Field(400, "file", "请求中没有文件：请以 text/csv 发送 CSV 文件的内容。", "The request has no file: send the CSV file's content as text/csv.");
        var preview = await admin.UploadAsync(list, fileName, buffer.ToArray(), http.User.Identity!.Name!, ct);
        return TypedResults.Created($"/api/admin/reference-data/uploads/{preview.Id}", preview);
    }

    private static async Task<Ok<UploadPreview>> Preview(ReferenceDataAdmin admin, string uploadId, CancellationToken ct) =>
        TypedResults.Ok(await admin.PreviewAsync(uploadId, ct));

    /// <summary>201 with the new version; 200 with the same version when the upload was already published (a retry).</summary>
    private static async Task<Results<Created<PublishedVersion>, Ok<PublishedVersion>>> Publish(ReferenceDataAdmin admin, HttpContext http, string uploadId,
        PublishRequest request, CancellationToken ct)
    {
        var (version, created) = await admin.PublishAsync(uploadId, request, http.User.Identity!.Name!, ct);
        return created ? TypedResults.Created($"/api/admin/reference-data/lists/{version.List}/csv?version={version.Number}", version) : TypedResults.Ok(version);
    }
}
