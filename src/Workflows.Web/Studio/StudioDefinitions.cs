using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Stores;
using Workflows.Web.Api;
using Workflows.Web.Infrastructure;
using static Workflows.Web.Studio.ElsaApi;

namespace Workflows.Web.Studio;

/// <summary>
/// Workflow definitions for Studio's list and editor, on <see cref="DefinitionStore"/>. Reading is <see cref="Policies.ReadDefinitions"/>;
/// only editors (<see cref="Policies.EditDefinitions"/>) get the <c>publish</c> link that makes Studio's editor editable.
/// Saving keeps the JSON Studio sends (layout and unknown properties) and gives activities missing a nodeId one; publishing
/// validates first and stores nothing if the workflow is not valid.
/// </summary>
public static class StudioDefinitions
{
    public static void Map(RouteGroupBuilder elsa)
    {
        var read = elsa.MapGroup("/workflow-definitions").RequireAuthorization(Policies.ReadDefinitions);
        read.MapGet("", List);
        read.MapGet("/query/count", Count);
        read.MapGet("/by-definition-id/{definitionId}", ByDefinitionId);
        read.MapGet("/by-id/{id}", ById);
        read.MapGet("/many-by-id", ManyById);
        read.MapGet("/validation/is-name-unique", IsNameUnique);
        read.MapGet("/{definitionId}/export", Export);

        var edit = elsa.MapGroup("/workflow-definitions").RequireAuthorization(Policies.EditDefinitions);
        edit.MapPost("", Save);
        edit.MapPost("/{definitionId}/publish", Publish);
        edit.MapPost("/{definitionId}/retract", Retract);
        edit.MapPost("/{definitionId}/revert/{version:int}", Revert);
        edit.MapDelete("/{definitionId}", Delete);
        edit.MapPost("/import", Import);
        var bulk = elsa.MapGroup("/bulk-actions").RequireAuthorization(Policies.EditDefinitions);
        bulk.MapPost("/publish/workflow-definitions/by-definition-ids", BulkPublish);
        bulk.MapPost("/retract/workflow-definitions/by-definition-ids", BulkRetract);

        elsa.MapPost("/workflow-definitions/{definitionId}/execute", Execute).RequireAuthorization(Policies.StartInstances);
    }

    public sealed record Summary(string Id, string DefinitionId, string Name, string? Description, int Version, string? ToolVersion,
        bool IsLatest, bool IsPublished, string MaterializerName, bool IsMaterializerAvailable, DateTimeOffset CreatedAt, bool IsReadonly);

    private static Summary ToSummary(DefinitionRecord r) =>
        new(r.Id, r.DefinitionId, r.Name, r.Description, r.Version, null, r.IsLatest, r.IsPublished, "Json", true, r.CreatedAt, false);

    /// <summary>The stored Elsa JSON of a version, with its flags as stored and the links this user may follow.</summary>
    public static JsonObject ToJson(DefinitionRecord r, ClaimsPrincipal user)
    {
        var json = JsonNode.Parse(r.Json)!.AsObject();
        json["id"] = r.Id;
        json["definitionId"] = r.DefinitionId;
        json["version"] = r.Version;
        json["isLatest"] = r.IsLatest;
        json["isPublished"] = r.IsPublished;
        json["links"] = JsonSerializer.SerializeToNode(Links(r.DefinitionId, user), WorkflowJson.Options);
        return json;
    }

    private static List<Link> Links(string definitionId, ClaimsPrincipal user)
    {
        var id = Uri.EscapeDataString(definitionId);
        var links = new List<Link> { new($"/workflow-definitions/by-definition-id/{id}", "self", "GET") };
        if (user.CanEdit())
            links.AddRange([
                new($"/workflow-definitions/{id}/publish", "publish", "POST"),
                new($"/workflow-definitions/{id}/retract", "retract", "POST"),
                new($"/workflow-definitions/{id}", "delete", "DELETE"),
            ]);
        return links;
    }

    private static async Task<Ok<PagedResponse<Summary>>> List(WorkflowsDbContext db, HttpContext http, CancellationToken ct)
    {
        var q = http.Request;
        var (page, size) = Paging(q.Int("page"), q.Int("pageSize"));
        var rows = WithVersionOptions(db.Definitions.AsNoTracking(), q.Text("versionOptions"));
        if (q.Texts("definitionIds") is { Length: > 0 } definitionIds) rows = rows.Where(d => definitionIds.Contains(d.DefinitionId));
        if (q.Texts("ids") is { Length: > 0 } ids) rows = rows.Where(d => ids.Contains(d.Id));
        if (q.Text("searchTerm") is { } term) rows = rows.Where(d => d.Name.Contains(term) || d.DefinitionId.Contains(term) || (d.Description != null && d.Description.Contains(term)));
        var descending = Descending(q);
        rows = q.Text("orderBy")?.ToLowerInvariant() switch
        {
            null or "name" => descending ? rows.OrderByDescending(d => d.Name).ThenByDescending(d => d.Version) : rows.OrderBy(d => d.Name).ThenBy(d => d.Version),
            "created" => descending ? rows.OrderByDescending(d => d.CreatedAt) : rows.OrderBy(d => d.CreatedAt),
            "version" => descending ? rows.OrderByDescending(d => d.Version) : rows.OrderBy(d => d.Version),
            var other => throw new ArgumentException($"Definitions can be ordered by Name, Created or Version, not '{other}'."),
        };
        var total = await rows.CountAsync(ct);
        var items = await rows.Skip(page * size).Take(size).ToListAsync(ct);
        // Studio's list is read-only without a bulk-publish link.
        IReadOnlyList<Link>? links = http.User.CanEdit() ? [new("/bulk-actions/publish/workflow-definitions/by-definition-ids", "bulk-publish", "POST")] : [];
        return TypedResults.Ok(new PagedResponse<Summary>(items.Select(ToSummary).ToList(), total, page, size, links));
    }

    private static bool Descending(HttpRequest q) => q.Text("orderDirection")?.ToLowerInvariant() switch
    {
        null or "ascending" => false,
        "descending" => true,
        var other => throw new ArgumentException($"orderDirection must be Ascending or Descending, not '{other}'."),
    };

    /// <summary>Elsa's version options: Latest, Published, LatestOrPublished, LatestAndPublished, Draft, AllVersions or a version number.</summary>
    private static IQueryable<DefinitionRecord> WithVersionOptions(IQueryable<DefinitionRecord> q, string? options) => options?.ToLowerInvariant() switch
    {
        null or "allversions" => q,
        "latest" => q.Where(d => d.IsLatest),
        "published" => q.Where(d => d.IsPublished),
        "latestorpublished" => q.Where(d => d.IsLatest || d.IsPublished),
        "latestandpublished" => q.Where(d => d.IsLatest && d.IsPublished),
        "draft" => q.Where(d => d.IsLatest && !d.IsPublished),
        _ when int.TryParse(options, out var v) && v > 0 => q.Where(d => d.Version == v),
        _ => throw new ArgumentException($"versionOptions must be Latest, Published, LatestOrPublished, LatestAndPublished, Draft, AllVersions or a version number, not '{options}'."),
    };

    private static async Task<Ok<CountResponse>> Count(WorkflowsDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new CountResponse(await db.Definitions.CountAsync(d => d.IsLatest, ct)));

    public sealed record CountResponse(int Count);

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ByDefinitionId(WorkflowsDbContext db, HttpContext http, string definitionId, CancellationToken ct)
    {
        var record = await Find(db, definitionId, http.Request.Text("versionOptions") ?? "Latest", ct);
        return record is null ? NotFound($"Workflow '{definitionId}' has no such version.") : TypedResults.Ok(ToJson(record, http.User));
    }

    private static Task<DefinitionRecord?> Find(WorkflowsDbContext db, string definitionId, string versionOptions, CancellationToken ct) =>
        WithVersionOptions(db.Definitions.AsNoTracking().Where(d => d.DefinitionId == definitionId), versionOptions)
            .OrderByDescending(d => d.IsLatest).ThenByDescending(d => d.Version).FirstOrDefaultAsync(ct);

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> ById(DefinitionStore store, HttpContext http, string id, CancellationToken ct) =>
        await store.GetByVersionIdAsync(id, ct) is { } r ? TypedResults.Ok(ToJson(r, http.User)) : NotFound($"There is no workflow version with id '{id}'.");

    private static async Task<Ok<ListResponse<JsonObject>>> ManyById(WorkflowsDbContext db, HttpContext http, CancellationToken ct)
    {
        var ids = http.Request.Texts("ids");
        var rows = await db.Definitions.AsNoTracking().Where(d => ids.Contains(d.Id)).ToListAsync(ct);
        return TypedResults.Ok(new ListResponse<JsonObject>(rows.Select(r => ToJson(r, http.User)).ToList()));
    }

    public sealed record NameUniqueResponse(bool IsUnique);

    private static async Task<Ok<NameUniqueResponse>> IsNameUnique(DefinitionStore store, HttpContext http, CancellationToken ct)
    {
        var name = http.Request.Text("name") ?? throw new ArgumentException("Give the name to check: ?name=…");
        return TypedResults.Ok(new NameUniqueResponse(await store.IsNameUniqueAsync(name, http.Request.Text("definitionId"), ct)));
    }

    private static async Task<IResult> Export(WorkflowsDbContext db, HttpContext http, string definitionId, CancellationToken ct)
    {
        var record = await Find(db, definitionId, http.Request.Text("versionOptions") ?? "Latest", ct);
        if (record is null) return NotFound($"Workflow '{definitionId}' has no such version.");
        var json = JsonNode.Parse(record.Json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(json), "application/json", $"{record.DefinitionId}-v{record.Version}.json");
    }

    public sealed record SaveResponse(JsonObject WorkflowDefinition, bool AlreadyPublished, int ConsumingWorkflowCount);

    /// <summary>
    /// Studio's autosave (<c>{model, publish:false}</c>) and its Publish button (<c>publish:true</c>). A draft may be
    /// incomplete but only holds activities the engine knows; publishing refuses an invalid workflow before storing anything.
    /// </summary>
    private static async Task<Ok<SaveResponse>> Save(DefinitionStore store, WorkflowRuntime runtime, HttpContext http, JsonElement body, CancellationToken ct)
    {
        var model = DefinitionsApi.ParseModel(body);
        var publish = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("publish", out var p) && p.ValueKind == JsonValueKind.True;
        var actor = http.User.ActorFor(Policies.EditDefinitions);
        if (publish)
        {
            DefinitionStore.Normalize(model);
            var errors = runtime.Validate(model);
            if (errors.Count > 0) throw new WorkflowValidationException(errors);
        }
        var saved = await store.SaveDraftAsync(model, actor, DefinitionStore.SourceDesigner, ct);
        var already = saved.IsPublished;
        if (publish && !already) saved = (await store.PublishAsync(saved.DefinitionId, actor, ct)).Record;
        return TypedResults.Ok(new SaveResponse(ToJson(saved, http.User), already, 0));
    }

    private static async Task<Ok<SaveResponse>> Publish(DefinitionStore store, HttpContext http, string definitionId, CancellationToken ct)
    {
        var (record, already) = await store.PublishAsync(definitionId, http.User.ActorFor(Policies.EditDefinitions), ct);
        return TypedResults.Ok(new SaveResponse(ToJson(record, http.User), already, 0));
    }

    private static async Task<Ok<JsonObject>> Retract(DefinitionStore store, HttpContext http, string definitionId, CancellationToken ct) =>
        TypedResults.Ok(ToJson(await store.RetractAsync(definitionId, http.User.ActorFor(Policies.EditDefinitions), ct), http.User));

    private static async Task<Ok<Summary>> Revert(DefinitionStore store, HttpContext http, string definitionId, int version, CancellationToken ct) =>
        TypedResults.Ok(ToSummary(await store.RevertAsync(definitionId, version, http.User.ActorFor(Policies.EditDefinitions), ct)));

    private static async Task<NoContent> Delete(DefinitionStore store, HttpContext http, string definitionId, CancellationToken ct)
    {
        await store.DeleteAsync(definitionId, http.User.ActorFor(Policies.EditDefinitions), ct);
        return TypedResults.NoContent();
    }

    /// <summary>An exported file (or any Elsa definition JSON) becomes the draft of its definition, or a new definition.</summary>
    private static async Task<Ok<JsonObject>> Import(DefinitionStore store, HttpContext http, JsonElement body, CancellationToken ct)
    {
        var saved = await store.SaveDraftAsync(DefinitionsApi.ParseModel(body), http.User.ActorFor(Policies.EditDefinitions), DefinitionStore.SourceDesigner, ct);
        return TypedResults.Ok(ToJson(saved, http.User));
    }

    public sealed record BulkRequest(IReadOnlyList<string>? DefinitionIds);

    /// <summary>A definition a bulk action left alone, and why (Elsa's response has no place for it; the host page shows it).</summary>
    public sealed record Refusal(string DefinitionId, IReadOnlyList<string> Messages);

    public sealed record BulkPublishResponse(IReadOnlyList<string> Published, IReadOnlyList<string> AlreadyPublished, IReadOnlyList<string> NotFound,
        IReadOnlyList<string> UpdatedConsumers, IReadOnlyList<Refusal> Refused);

    public sealed record BulkRetractResponse(IReadOnlyList<string> Retracted, IReadOnlyList<string> AlreadyRetracted, IReadOnlyList<string> NotFound,
        IReadOnlyList<Refusal> Refused);

    private static IReadOnlyList<string> Ids(BulkRequest? request) =>
        request?.DefinitionIds is { Count: > 0 and <= 500 } ids ? ids.Distinct(StringComparer.Ordinal).ToList()
        : throw new ArgumentException("definitionIds must list between 1 and 500 workflows.");

    /// <summary>
    /// The list's bulk Publish: each workflow is validated and published on its own, exactly as its own Publish would; one
    /// that is not valid is left as it is and reported under <c>refused</c> with the messages its own Publish would show.
    /// </summary>
    private static async Task<Ok<BulkPublishResponse>> BulkPublish(IServiceScopeFactory scopes, HttpContext http, BulkRequest? request, CancellationToken ct)
    {
        var actor = http.User.ActorFor(Policies.EditDefinitions);
        List<string> published = [], already = [], notFound = [];
        List<Refusal> refused = [];
        foreach (var id in Ids(request))
        {
            await using var scope = scopes.CreateAsyncScope(); // a fresh unit of work per workflow: one refusal does not taint the next
            try
            {
                var (_, wasPublished) = await scope.ServiceProvider.GetRequiredService<DefinitionStore>().PublishAsync(id, actor, ct);
                (wasPublished ? already : published).Add(id);
            }
            catch (DefinitionNotFoundException) { notFound.Add(id); }
            catch (WorkflowValidationException e) { refused.Add(new Refusal(id, e.Errors.Select(x => x.Message).ToList())); }
        }
        return TypedResults.Ok(new BulkPublishResponse(published, already, notFound, [], refused));
    }

    /// <summary>The list's bulk Unpublish: each published workflow stops taking new cases; running ones finish on their version.</summary>
    private static async Task<Ok<BulkRetractResponse>> BulkRetract(IServiceScopeFactory scopes, HttpContext http, BulkRequest? request, CancellationToken ct)
    {
        var actor = http.User.ActorFor(Policies.EditDefinitions);
        List<string> retracted = [], already = [], notFound = [];
        foreach (var id in Ids(request))
        {
            await using var scope = scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<DefinitionStore>();
            if (await store.GetLatestAsync(id, ct) is null) { notFound.Add(id); continue; }
            if (await store.GetPublishedAsync(id, ct) is null) { already.Add(id); continue; }
            try
            {
                await store.RetractAsync(id, actor, ct);
                retracted.Add(id);
            }
            catch (DefinitionConflictException) { already.Add(id); } // unpublished meanwhile
        }
        return TypedResults.Ok(new BulkRetractResponse(retracted, already, notFound, []));
    }

    public const string InstanceIdHeader = "x-elsa-workflow-instance-id";

    /// <summary>Elsa's refusal of a Run: Studio then says "The workflow cannot be started" (the host page shows the reason).</summary>
    public const string CannotStartHeader = "x-elsa-workflow-cannot-start";

    /// <summary>Studio's Run button: starts an instance of the published version (the engine never runs drafts).</summary>
    private static async Task<Ok<StepResult>> Execute(WorkflowRuntime runtime, HttpContext http, string definitionId, CancellationToken ct)
    {
        JsonElement? input = null;
        string? correlationId = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.Object) input = i.Clone();
                if (doc.RootElement.TryGetProperty("correlationId", out var c) && c.ValueKind == JsonValueKind.String) correlationId = c.GetString();
            }
        }
        try
        {
            var result = await runtime.StartAsync(definitionId, input, http.User.ActorFor(Policies.StartInstances), correlationId, ct: ct);
            http.Response.Headers[InstanceIdHeader] = result.InstanceId;
            return TypedResults.Ok(result);
        }
        catch (Exception e) when (ProblemMapping.Classify(e).Status < 500)
        {
            // The problem body is written by ProblemMapping, which clears the headers first; this one is added as it starts.
            http.Response.OnStarting(() => { http.Response.Headers[CannotStartHeader] = "true"; return Task.CompletedTask; });
            throw;
        }
    }

    private static ProblemHttpResult NotFound(string detail) => ProblemMapping.Problem(404, "Not found", detail);
}
