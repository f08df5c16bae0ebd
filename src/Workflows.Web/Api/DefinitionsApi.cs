using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Engine.Model;
using Workflows.Engine.Runtime;
using Workflows.Persistence.Entities;
using Workflows.Persistence.Stores;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>Workflow definitions and their versions: read, save draft, publish, retract, revert, delete.</summary>
public static class DefinitionsApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/api/workflow-definitions").RequireAuthorization(Policies.ReadDefinitions).WithTags("Definitions");
        read.MapGet("", List);
        read.MapGet("/{definitionId}", Get);
        read.MapGet("/{definitionId}/versions", Versions);

        var edit = app.MapGroup("/api/workflow-definitions").RequireAuthorization(Policies.EditDefinitions).WithTags("Definitions");
        edit.MapPost("", SaveDraft);
        edit.MapPost("/validate", Validate);
        edit.MapPost("/{definitionId}/publish", Publish);
        edit.MapPost("/{definitionId}/retract", Retract);
        edit.MapPost("/{definitionId}/versions/{version:int}/revert", Revert);
        edit.MapDelete("/{definitionId}", Delete);
    }

    public sealed record DefinitionSummary(string DefinitionId, string VersionId, int Version, string Name, string? Description,
        bool IsLatest, bool IsPublished, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, string Source, string CreatedBy);

    public static DefinitionSummary Summary(DefinitionRecord r) =>
        new(r.DefinitionId, r.Id, r.Version, r.Name, r.Description, r.IsLatest, r.IsPublished, r.CreatedAt, r.PublishedAt, r.Source, r.CreatedBy);

    private static async Task<Ok<List<DefinitionSummary>>> List(DefinitionStore store, string? search, CancellationToken ct) =>
        TypedResults.Ok((await store.ListLatestAsync(search, ct)).Select(Summary).ToList());

    /// <summary>The full Elsa JSON of the latest version, or of <paramref name="version"/>, or of the published one (<c>version=published</c>).</summary>
    private static async Task<Results<Ok<JsonNode>, NotFound<ProblemDetailsBody>>> Get(DefinitionStore store, string definitionId, string? version, CancellationToken ct)
    {
        var record = version switch
        {
            null or "" or "latest" => await store.GetLatestAsync(definitionId, ct),
            "published" => await store.GetPublishedAsync(definitionId, ct),
            _ when int.TryParse(version, out var v) => await store.GetVersionAsync(definitionId, v, ct),
            _ => throw new ArgumentException($"version must be a number, 'latest' or 'published', not '{version}'."),
        };
        return record is null
            ? TypedResults.NotFound(new ProblemDetailsBody($"Workflow '{definitionId}' has no such version."))
            : TypedResults.Ok(JsonNode.Parse(record.Json)!);
    }

    private static async Task<Results<Ok<List<DefinitionSummary>>, NotFound<ProblemDetailsBody>>> Versions(DefinitionStore store, string definitionId, CancellationToken ct)
    {
        var versions = await store.VersionsAsync(definitionId, ct);
        return versions.Count == 0
            ? TypedResults.NotFound(new ProblemDetailsBody($"Workflow definition '{definitionId}' does not exist."))
            : TypedResults.Ok(versions.Select(Summary).ToList());
    }

    private static async Task<Ok<DefinitionSummary>> SaveDraft(DefinitionStore store, HttpContext http, JsonElement body, CancellationToken ct)
    {
        var model = ParseModel(body);
        var record = await store.SaveDraftAsync(model, http.User.ActorFor(Policies.EditDefinitions), DefinitionStore.SourceDesigner, ct);
        return TypedResults.Ok(Summary(record));
    }

    private static Ok<ValidationResult> Validate(WorkflowRuntime runtime, JsonElement body)
    {
        var errors = runtime.Validate(ParseModel(body));
        return TypedResults.Ok(new ValidationResult(errors.Count == 0, errors));
    }

    public sealed record ValidationResult(bool IsValid, IReadOnlyList<ValidationError> Errors);

    private static async Task<Ok<PublishResult>> Publish(DefinitionStore store, HttpContext http, string definitionId, CancellationToken ct)
    {
        var (record, already) = await store.PublishAsync(definitionId, http.User.ActorFor(Policies.EditDefinitions), ct);
        return TypedResults.Ok(new PublishResult(Summary(record), already));
    }

    public sealed record PublishResult(DefinitionSummary Definition, bool AlreadyPublished);

    private static async Task<Ok<DefinitionSummary>> Retract(DefinitionStore store, HttpContext http, string definitionId, CancellationToken ct) =>
        TypedResults.Ok(Summary(await store.RetractAsync(definitionId, http.User.ActorFor(Policies.EditDefinitions), ct)));

    private static async Task<Ok<DefinitionSummary>> Revert(DefinitionStore store, HttpContext http, string definitionId, int version, CancellationToken ct) =>
        TypedResults.Ok(Summary(await store.RevertAsync(definitionId, version, http.User.ActorFor(Policies.EditDefinitions), ct)));

    private static async Task<NoContent> Delete(DefinitionStore store, HttpContext http, string definitionId, CancellationToken ct)
    {
        await store.DeleteAsync(definitionId, http.User.ActorFor(Policies.EditDefinitions), ct);
        return TypedResults.NoContent();
    }

    /// <summary>Accepts a bare Elsa definition or Studio's <c>{"model": …}</c> envelope.</summary>
    public static WorkflowDefinition ParseModel(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new DefinitionException("The body must be a workflow definition (a JSON object).");
        var element = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object ? m : body;
        return WorkflowJson.Deserialize(element);
    }
}

/// <summary>A minimal problem body for typed 404 results.</summary>
public sealed record ProblemDetailsBody(string Detail)
{
    public string Title => "Not found";
    public int Status => 404;
}
