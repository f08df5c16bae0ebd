namespace Workflows.Web.Infrastructure;

/// <summary>
/// Response headers every answer carries, in one place: no MIME sniffing, no referrer to other sites, HSTS over HTTPS,
/// no caching of anything personal (the API and the signed-in pages), and on Elsa Studio a content security policy that
/// allows only this server's scripts and lets only our own pages frame it. Kestrel's Server header is switched off where
/// the host is built (<see cref="BackOfficeServices"/>).
/// </summary>
public sealed class SecurityHeaders(RequestDelegate next)
{
    /// <summary>
    /// Studio is a Blazor WebAssembly app: it needs 'wasm-unsafe-eval' to compile .NET to WebAssembly, inline styles
    /// (MudBlazor, Radzen) and blob: workers (Monaco). Everything comes from this server; only the shell may frame it.
    /// </summary>
    public const string StudioPolicy =
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'";

    public Task InvokeAsync(HttpContext http)
    {
        // The path as requested: inside app.Map("/studio") the request's path is rebased by the time the response starts.
        var path = http.Request.Path;
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            if (http.Request.IsHttps) headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            // Only our own pages may frame any page (the shell frames Studio); Studio also gets its content security policy.
            headers.XFrameOptions = "SAMEORIGIN";
            if (path.StartsWithSegments("/studio")) headers.ContentSecurityPolicy = StudioPolicy;
            // Personal data may be in any API answer or signed-in page: never kept by the browser or a proxy. Static files
            // (scripts, styles, Studio's framework files) keep their own caching.
            if (IsPersonal(http, path) || IsApi(path))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }
            headers.Remove("Server");
            return Task.CompletedTask;
        });
        return next(http);
    }

    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/elsa/api") || path.StartsWithSegments("/hangfire");

    /// <summary>HTML pages of the shell (rendered with the user's data) and the Blazor circuit.</summary>
    private static bool IsPersonal(HttpContext http, PathString path) =>
        http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true && !path.StartsWithSegments("/studio")
        || path.StartsWithSegments("/_blazor");
}
