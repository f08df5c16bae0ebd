using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// An address this server does not have is 404 for every method. Routing answers 405 when some route matched the path
/// for another method; when the only such routes are catch-alls (which match any path), the address is unknown, so
/// the 405 becomes a 404 problem. A real address called with the wrong method keeps its 405.
/// </summary>
public sealed class UnknownPaths(RequestDelegate next, EndpointDataSource endpoints)
{
    private const string MethodNotSupported = "405 HTTP Method Not Supported";
    private IReadOnlyList<TemplateMatcher>? _specific;

    public Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.DisplayName == MethodNotSupported && !IsKnown(http.Request.Path))
        {
            http.SetEndpoint(null);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return ProblemMapping.Problem(StatusCodes.Status404NotFound, "Not found",
                $"There is nothing at {http.Request.Method} {http.Request.Path}; check the address.").ExecuteAsync(http);
        }
        return next(http);
    }

    private bool IsKnown(PathString path)
    {
        _specific ??= endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => !e.RoutePattern.Parameters.Any(p => p.IsCatchAll))
            .Select(e => new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')), new RouteValueDictionary()))
            .ToList();
        var values = new RouteValueDictionary();
        foreach (var m in _specific)
        {
            values.Clear();
            if (m.TryMatch(path, values)) return true;
        }
        return false;
    }
}
