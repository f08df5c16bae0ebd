using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Tests;

/// <summary>Least privilege: every endpoint names its policy, and every role outside it is refused.</summary>
public sealed class RoleTests(BackOfficeFactory factory) : IClassFixture<BackOfficeFactory>
{
    private static readonly string[] Anonymous = ["POST /api/auth/token", "POST /api/auth/refresh", "POST /account/login",
        "POST /api/account/activation/request", "POST /api/account/activation/complete", "POST /api/account/password-reset/request",
        "POST /api/account/password-reset/complete"];

    private sealed record Api(string Method, string Template, string Url, string? Policy);

    private List<Api> Endpoints()
    {
        _ = factory.Server; // build the host
        return factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api") || e.RoutePattern.RawText!.StartsWith("/elsa/api") || e.RoutePattern.RawText!.StartsWith("/account/logout"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m =>
            {
                var url = e.RoutePattern.RawText!;
                foreach (var p in e.RoutePattern.Parameters)
                    url = System.Text.RegularExpressions.Regex.Replace(url, "\\{\\**" + p.Name + "[^}]*\\}", p.ParameterPolicies.Count > 0 ? "1" : "no-such-" + p.Name);
                var policy = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null);
                return new Api(m, e.RoutePattern.RawText!, url, e.Metadata.GetMetadata<IAllowAnonymous>() is null ? policy : null);
            }))
            .ToList();
    }

    [Fact]
    public void Every_endpoint_states_which_roles_may_call_it()
    {
        var endpoints = Endpoints();
        Assert.True(endpoints.Count >= 50, $"only {endpoints.Count} endpoints found");
        foreach (var e in endpoints)
        {
            if (Anonymous.Contains($"{e.Method} {e.Template}")) continue;
            Assert.True(e.Policy is not null && Policies.RolesFor.ContainsKey(e.Policy), $"{e.Method} {e.Template} has no role policy");
        }
    }

    // ---- The checked-in route list ----
    //
    // tests/Workflows.Web.Tests/route-roles.json says, for every route of the host (API, Elsa API, account, the Blazor
    // pages, /studio/ and /hangfire), which roles may call it: "anonymous" (anyone), or role names. It is the
    // expectation, kept apart from Policies.RolesFor: retagging an endpoint to another policy fails here until someone
    // changes this file too, in a diff a reviewer sees. An endpoint added without a row, or a row left after its
    // endpoint went, fails the first test with the rows to add or remove. Engineers adding endpoints add their rows
    // here (merges: keep both sides' rows; the file is sorted by route to keep conflicts small).

    private static readonly string RouteRolesFile = Path.Combine(AppContext.BaseDirectory, "route-roles.json");
    private const string AnonymousRole = "anonymous";

    private sealed record Route(string Method, string Template, string Url, bool IsPage);

    private List<Route> LiveRoutes()
    {
        _ = factory.Server;
        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } t && !t.StartsWith("/_") && !t.Contains('.') && e.Metadata.GetMetadata<HttpMethodMetadata>() is not null
                        || e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null)
            .Where(e => !(e.RoutePattern.RawText ?? "").StartsWith("/_") && !(e.RoutePattern.RawText ?? "").StartsWith("{")) // {**path:file}: static files
            .SelectMany(e =>
            {
                var isPage = e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null;
                var methods = isPage ? ["GET"] : e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
                var url = e.RoutePattern.RawText!;
                foreach (var p in e.RoutePattern.Parameters)
                    url = System.Text.RegularExpressions.Regex.Replace(url, "\\{\\**" + p.Name + "[^}]*\\}", p.ParameterPolicies.Count > 0 ? "1" : "no-such-" + p.Name);
                return methods.Select(m => new Route(m, e.RoutePattern.RawText!, url.Length == 0 ? "/" : url, isPage));
            })
            .ToList();
        // Not endpoints: Studio's files (middleware under /studio) and Hangfire's dashboard (middleware under /hangfire).
        routes.Add(new Route("GET", "/studio/", "/studio/", true));
        routes.Add(new Route("GET", "/hangfire", "/hangfire", false));
        return routes.DistinctBy(r => $"{r.Method} {r.Template}").ToList();
    }

    private static Dictionary<string, string[]> CheckedIn() =>
        System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string[]>>(File.ReadAllText(RouteRolesFile))!;

    [Fact]
    public void The_checked_in_route_list_names_exactly_the_live_routes()
    {
        var live = LiveRoutes().Select(r => $"{r.Method} {r.Template}").ToHashSet();
        Assert.True(live.Count >= 60, $"only {live.Count} routes found");
        var listed = CheckedIn();
        var missing = live.Where(r => !listed.ContainsKey(r)).Order().ToList();
        var stale = listed.Keys.Where(r => !live.Contains(r)).Order().ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"route-roles.json is out of date.\nAdd rows for: {string.Join(", ", missing)}\nRemove rows for: {string.Join(", ", stale)}");
        foreach (var (route, roles) in listed)
            Assert.True(roles.Length > 0 && roles.All(r => r == AnonymousRole || Roles.All.Contains(r)), $"{route}: unknown roles {string.Join(",", roles)}");
    }

    [Fact]
    public async Task Each_role_gets_exactly_the_access_the_checked_in_list_gives_and_no_5xx()
    {
        var listed = CheckedIn();
        // Signing out ends every session of the user (security stamp): those routes go last, each with fresh sessions.
        var routes = LiveRoutes().Where(r => listed.ContainsKey($"{r.Method} {r.Template}")).OrderBy(r => r.Template.EndsWith("/logout")).ToList();
        var failures = new List<string>();
        var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var role in Roles.All.Prepend(AnonymousRole))
        {
            var api = role == AnonymousRole ? anonymous : await factory.ClientAs(role);
            var browser = role == AnonymousRole ? anonymous : await factory.CookieClientAs(role.ToLowerInvariant());
            foreach (var r in routes)
            {
                if (r.Template.EndsWith("/logout") && role != AnonymousRole)
                {
                    api = await factory.ClientAs(role);
                    browser = await factory.CookieClientAs(role.ToLowerInvariant());
                }
                var allowed = listed[$"{r.Method} {r.Template}"];
                var admitted = allowed.Contains(AnonymousRole) || allowed.Contains(role);
                var client = r.IsPage || r.Template.StartsWith("/hangfire") || r.Template.StartsWith("/account") ? browser : api;
                var response = await Send(client, new Api(r.Method, r.Template, r.Url, null));
                var status = (int)response.StatusCode;
                var location = response.Headers.Location?.ToString() ?? "";
                var refused = status is 401 or 403 || status == 302 && (location.Contains("/account/denied")
                    || location.Contains("/account/login?", StringComparison.OrdinalIgnoreCase)); // a sign-in challenge carries the way back; signing out goes to plain /account/login
                if (status >= 500) failures.Add($"{role} {r.Method} {r.Url}: {status}");
                else if (allowed.Contains(AnonymousRole)) continue; // open to anyone: a 401 here is a refused password, not a refused role
                else if (admitted && refused) failures.Add($"{role} was refused {r.Method} {r.Url}: {status} {location}");
                else if (!admitted && !refused) failures.Add($"{role} should be refused {r.Method} {r.Url} but got {status} {location}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Pages_redirect_anonymous_visitors_to_sign_in_and_refuse_members_the_staff_pages()
    {
        var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });
        var r = await anonymous.GetAsync("/workflows");
        Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
        Assert.StartsWith("/account/login", r.Headers.Location!.PathAndQuery.Replace("http://localhost", ""));

        var member = await factory.CookieClientAs("member");
        var denied = await member.GetAsync("/workflows");
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.Contains("/account/denied", denied.Headers.Location!.ToString());

        var analyst = await factory.CookieClientAs("analyst");
        var page = await analyst.GetAsync("/workflows");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("studio-frame", await page.Content.ReadAsStringAsync()); // Elsa Studio's list, framed once interactive
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, Api e)
    {
        var request = new HttpRequestMessage(new HttpMethod(e.Method), e.Url);
        if (e.Method is "POST" or "PUT") request.Content = JsonContent.Create(new { });
        return client.SendAsync(request);
    }
}
