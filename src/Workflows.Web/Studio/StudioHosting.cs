using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Studio;

/// <summary>
/// Serves Elsa Studio (a Blazor WebAssembly app) under <c>/studio/</c>: our own host page (<c>StudioHost/site</c>, base href
/// <c>/studio/</c>, no external fonts) over the npm package the build restores into <c>StudioHost/node_modules</c>.
/// Only signed-in staff in a Studio role get any of it; the shell's pages embed it in an iframe.
/// </summary>
public static class StudioHosting
{
    public const string BasePath = "/studio";
    private const string PackagePath = "node_modules/@elsa-workflows/elsa-studio-wasm";

    public static void UseStudio(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Studio");
        var root = FindHostDirectory(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Infrastructure.StudioSettings>>().Value, app.Environment);
        var package = root is null ? null : Path.Combine(root, PackagePath);
        if (package is null || !File.Exists(Path.Combine(package, "_framework", "blazor.webassembly.js")))
        {
            logger.LogError("Elsa Studio is not installed (looked for StudioHost/{PackagePath}); build the project to restore it. /studio/ answers 503", PackagePath);
            app.Map(BasePath, b => b.Run(http => Results.Problem("Elsa Studio is not installed on this server; build the back office to restore it from npm.",
                statusCode: 503, title: "Elsa Studio is not installed").ExecuteAsync(http)));
            return;
        }
        logger.LogInformation("Serving Elsa Studio from {StudioPackage} under {BasePath}/", package, BasePath);

        var files = new CompositeFileProvider(new PhysicalFileProvider(Path.Combine(root!, "site")), new PhysicalFileProvider(package));
        var fingerprints = new StudioFingerprints(files);
        app.Map(BasePath, studio =>
        {
            studio.Use(RequireStudioRole);
            studio.Use(PreferBrotli(files));
            // The package's appsettings.json points at https://localhost:5001; the app must call this server.
            studio.Use(async (http, next) =>
            {
                if (http.Request.Path != "/appsettings.json") { await next(http); return; }
                http.Response.Headers.CacheControl = "no-cache";
                await http.Response.WriteAsJsonAsync(new { Backend = new { Url = $"{http.Request.Scheme}://{http.Request.Host}/elsa/api" } });
            });
            // The host page links every file it loads with its fingerprint (?v=<content hash>), so those can be cached for good.
            studio.Use(async (http, next) =>
            {
                if (http.Request.Path != "/" && http.Request.Path != "/index.html" || !HttpMethods.IsGet(http.Request.Method)) { await next(http); return; }
                http.Response.ContentType = "text/html; charset=utf-8";
                http.Response.Headers.CacheControl = "no-cache";
                await http.Response.WriteAsync(fingerprints.HostPage(), http.RequestAborted);
            });
            studio.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                ContentTypeProvider = ContentTypes,
                ServeUnknownFileTypes = true,
                OnPrepareResponse = ctx =>
                {
                    if (ctx.Context.Items.TryGetValue(OriginalTypeKey, out var type))
                    {
                        ctx.Context.Response.ContentType = (string)type!;
                        ctx.Context.Response.Headers.ContentEncoding = (string)ctx.Context.Items[EncodingKey]!;
                        ctx.Context.Response.Headers.Vary = "Accept-Encoding";
                    }
                    ctx.Context.Response.Headers.CacheControl = CacheControlFor(ctx.Context, fingerprints);
                },
            });
            studio.Run(http => Results.Problem($"There is no file {BasePath}{http.Request.Path} in Elsa Studio.", statusCode: 404, title: "Not found").ExecuteAsync(http));
        });

        async Task RequireStudioRole(HttpContext http, RequestDelegate next)
        {
            if (http.User.Identity?.IsAuthenticated != true)
            {
                if (IsPage(http)) http.Response.Redirect($"/account/login?returnUrl={Uri.EscapeDataString(BasePath + http.Request.Path + http.Request.QueryString)}");
                else http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            var auth = http.RequestServices.GetRequiredService<IAuthorizationService>();
            if (!(await auth.AuthorizeAsync(http.User, Policies.OpenStudio)).Succeeded)
            {
                if (IsPage(http)) http.Response.Redirect("/account/denied");
                else http.Response.StatusCode = StatusCodes.Status403Forbidden;
                return;
            }
            await next(http);
        }
    }

    private const string OriginalTypeKey = "studio.original-content-type";
    private const string OriginalPathKey = "studio.original-path";
    public const string Immutable = "public, max-age=31536000, immutable";

    /// <summary>
    /// Fingerprinted files never change under their URL, so the browser keeps them for a year without asking again: the
    /// package's own fingerprinted files (<c>_framework/Name.{hash}.wasm</c>, <c>….{hash}.bundle.scp.css</c>) and every file
    /// requested with its content hash as <c>?v=</c> (the host page links them so). Everything else is revalidated
    /// (<c>no-cache</c>: the ETag answers 304 when unchanged), so an upgraded package is never mixed with a cached old file.
    /// </summary>
    private static string CacheControlFor(HttpContext http, StudioFingerprints fingerprints)
    {
        var path = http.Items.TryGetValue(OriginalPathKey, out var original) ? (string)original! : http.Request.Path.Value!;
        if (StudioFingerprints.IsFingerprintedName(path)) return Immutable;
        if (http.Request.Query.TryGetValue("v", out var v) && v.ToString() is { Length: > 0 } requested && requested == fingerprints.Of(path)) return Immutable;
        return "no-cache";
    }

    private static readonly FileExtensionContentTypeProvider ContentTypes = new()
    {
        Mappings = { [".wasm"] = "application/wasm", [".dat"] = "application/octet-stream", [".dll"] = "application/octet-stream" },
    };

    private static bool IsPage(HttpContext http) => http.Request.Path == "/" || http.Request.Path.Value!.EndsWith(".html", StringComparison.Ordinal);

    /// <summary>
    /// The package ships Brotli and gzip copies of its large files; send the smaller one the browser accepts (Brotli: about a
    /// third of the bytes).
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> PreferBrotli(IFileProvider files) =>
        async (http, next) =>
        {
            var path = http.Request.Path.Value!;
            var accepts = http.Request.Headers.AcceptEncoding.ToString();
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
            {
                foreach (var (encoding, suffix) in new[] { ("br", ".br"), ("gzip", ".gz") })
                {
                    if (path.EndsWith(suffix, StringComparison.Ordinal) || !accepts.Contains(encoding, StringComparison.Ordinal) || !files.GetFileInfo(path + suffix).Exists) continue;
                    http.Items[OriginalTypeKey] = ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";
                    http.Items[OriginalPathKey] = path;
                    http.Items[EncodingKey] = encoding;
                    http.Request.Path = path + suffix;
                    break;
                }
            }
            await next(http);
        };

    private const string EncodingKey = "studio.content-encoding";

    /// <summary>Studio:Directory, or the project's StudioHost folder found by walking up from the content root or the binaries.</summary>
    public static string? FindHostDirectory(Infrastructure.StudioSettings settings, IHostEnvironment env)
    {
        if (settings.Directory is { Length: > 0 } configured) return Path.GetFullPath(configured);
        foreach (var start in new[] { env.ContentRootPath, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "StudioHost");
                if (File.Exists(Path.Combine(candidate, "package.json"))) return candidate;
            }
        return null;
    }
}
