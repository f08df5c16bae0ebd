using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Workflows.Web.Tests;

/// <summary>The OpenAPI document lists every mapped API route with its problem+json answers; the reference page works offline.</summary>
public sealed class ApiDocumentTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    [Fact]
    public async Task The_OpenAPI_document_lists_every_mapped_API_route_with_problem_json_answers()
    {
        var admin = await factory.ClientAs("Admin");
        var response = await admin.GetAsync("/api/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await response.Body();
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");

        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api") || e.RoutePattern.RawText!.StartsWith("/elsa/api")).ToList();
        var excluded = endpoints.Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            .Select(e => e.RoutePattern.RawText).Distinct().ToList();
        Assert.Equal(["/api/openapi/{documentName}.json"], excluded); // the document itself, nothing else

        var missing = new List<string>();
        var operations = 0;
        foreach (var e in endpoints.Where(e => !excluded.Contains(e.RoutePattern.RawText)))
        {
            var path = "/" + string.Join("/", e.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart pp => "{" + pp.Name + "}",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart sp => sp.Content,
                _ => "",
            }))));
            foreach (var method in e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out var op))
                {
                    missing.Add($"{method} {path}");
                    continue;
                }
                operations++;
                var responses = op.GetProperty("responses");
                Assert.True(responses.TryGetProperty("400", out var bad), $"{method} {path} has no 400");
                Assert.True(bad.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{method} {path}: 400 is not problem+json");
                if (op.TryGetProperty("security", out _))
                    Assert.True(responses.TryGetProperty("401", out _) && responses.TryGetProperty("403", out _), $"{method} {path} lacks 401/403");
            }
        }
        Assert.True(missing.Count == 0, "Not in the OpenAPI document: " + string.Join(", ", missing));
        Assert.True(operations >= 60, $"only {operations} operations");
        Assert.True(paths.TryGetProperty("/api/account/activation/request", out _));
        Assert.True(doc.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("Bearer", out _));
    }

    [Fact]
    public async Task The_API_reference_page_is_served_offline_to_admins_only()
    {
        var admin = await factory.CookieClientAs("admin");
        var page = await admin.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(html.Contains("api/openapi/v1.json"), html);
        Assert.DoesNotMatch("(src|href)=\"https?://", html);
        Assert.DoesNotContain("cdn.jsdelivr", html);
        foreach (Match m in Regex.Matches(html, "src=\"([^\"]+\\.js)\""))
        {
            var src = m.Groups[1].Value.StartsWith('/') ? m.Groups[1].Value : "/scalar/" + m.Groups[1].Value;
            var script = await admin.GetAsync(src);
            Assert.True(script.StatusCode == HttpStatusCode.OK, $"{src}: {script.StatusCode}");
        }
        Assert.Matches("src=\"[^\"]+\\.js\"", html);

        var member = await factory.CookieClientAs("member");
        Assert.NotEqual(HttpStatusCode.OK, (await member.GetAsync("/scalar/v1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.ClientAs("Member")).GetAsync("/api/openapi/v1.json")).StatusCode);
    }
}
