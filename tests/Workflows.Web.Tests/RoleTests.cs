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

    [Fact]
    public async Task Each_role_is_refused_where_it_does_not_belong_and_admitted_where_it_does()
    {
        // Signing out ends every session of the user (security stamp), so those two go last for each role.
        var endpoints = Endpoints().Where(e => e.Policy is not null).OrderBy(e => e.Template.EndsWith("/logout")).ToList();
        var anonymous = factory.CreateClient(new() { AllowAutoRedirect = false });
        foreach (var e in endpoints)
            Assert.Equal(e.Url.StartsWith("/api") || e.Url.StartsWith("/elsa/api") ? HttpStatusCode.Unauthorized : HttpStatusCode.Redirect, (await Send(anonymous, e)).StatusCode);

        foreach (var role in Roles.All)
        {
            var client = await factory.ClientAs(role);
            foreach (var e in endpoints)
            {
                // Signing out ends every session of the user, so each sign-out gets a fresh token.
                if (e.Template.EndsWith("/logout")) client = await factory.ClientAs(role);
                var status = (await Send(client, e)).StatusCode;
                var admitted = Policies.RolesFor[e.Policy!].Contains(role);
                if (admitted)
                    Assert.True(status is not HttpStatusCode.Forbidden and not HttpStatusCode.Unauthorized, $"{role} was refused {e.Method} {e.Url}: {status}");
                else
                    Assert.True(status == HttpStatusCode.Forbidden, $"{role} should be refused {e.Method} {e.Url} but got {status}");
            }
        }
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
