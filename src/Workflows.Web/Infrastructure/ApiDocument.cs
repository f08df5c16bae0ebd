using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// The OpenAPI 3 document of every endpoint (Microsoft.AspNetCore.OpenApi) at <c>/api/openapi/v1.json</c>, each
/// operation with the problem+json answers it can give, and the offline API reference (Scalar, its script served from
/// the package, no CDN, no web fonts) at <c>/scalar/v1</c>. Both for Admins and integrators (<see cref="Policies.ReadApiReference"/>).
/// </summary>
public static class ApiDocument
{
    public const string DocumentRoute = "/api/openapi/{documentName}.json";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.AddOpenApi("v1", o =>
    {
        o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info = new OpenApiInfo
            {
                Title = "健康管理服务后台 API · Health Services Back Office API",
                Version = "v1",
                Description = "Staff, member, policy-feed, administration and Elsa Studio endpoints. Sign in with POST /api/auth/token and send " +
                              "'Authorization: Bearer <accessToken>'. Every refusal is application/problem+json naming the field and the rule.",
            };
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            doc.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "The accessToken from POST /api/auth/token (or /api/auth/refresh).",
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((op, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            var policy = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
            op.Responses ??= new OpenApiResponses();
            Add(op, "400", "The request is not valid: problem+json naming the field and the rule.");
            if (!anonymous && policy is not null)
            {
                Add(op, "401", "Not signed in, or the session ended (signed out, password changed, user disabled or roles changed).");
                Add(op, "403", $"Signed in, but not in a role of policy {policy} ({string.Join(", ", Policies.RolesFor.GetValueOrDefault(policy) ?? [])}).");
                op.Security ??= [];
                op.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [] });
                op.Description = ((op.Description ?? "") + $"\n\nRoles: {string.Join(", ", Policies.RolesFor.GetValueOrDefault(policy) ?? [])} (policy {policy}).").Trim();
            }
            if (context.Description.ParameterDescriptions.Any(p => p.Source.Id == "Path")) Add(op, "404", "Not found, or not yours (the same answer).");
            if (context.Description.HttpMethod is "POST" or "PUT" or "DELETE") Add(op, "409", "Conflict: already done, changed by someone else, or not allowed in this state.");
            if (anonymous) Add(op, "429", "Too many attempts from this client; see Retry-After.");
            return Task.CompletedTask;
        });
    });

    private static void Add(OpenApiOperation op, string status, string description)
    {
        if (op.Responses!.ContainsKey(status)) return;
        op.Responses[status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = Problem } },
        };
    }

    private static readonly OpenApiSchema Problem = new()
    {
        Type = JsonSchemaType.Object,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What is wrong, in words a person understands." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object, Description = "Messages by field name (\"Root\" for the request as a whole).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };

    public static void MapApiDocument(this WebApplication app)
    {
        app.MapOpenApi(DocumentRoute).RequireAuthorization(Policies.ReadApiReference);
        app.MapScalarApiReference("/scalar", o => o
                .WithTitle("健康管理服务后台 API")
                .WithOpenApiRoutePattern("/api/openapi/{documentName}.json")
                .WithDefaultFonts(false)
                .AddPreferredSecuritySchemes("Bearer"))
            .RequireAuthorization(Policies.ReadApiReference);
    }
}
