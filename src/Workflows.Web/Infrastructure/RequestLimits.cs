using Microsoft.AspNetCore.Http.Features;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// Refuses request bodies over the limit (Limits:MaxRequestBodyBytes, default 4 MB) with a 413 problem before anything
/// reads them, whatever server hosts the app; Kestrel enforces the same limit on bodies without a Content-Length.
/// </summary>
public sealed class RequestLimits(RequestDelegate next, Microsoft.Extensions.Options.IOptions<LimitsSettings> limits)
{
    private readonly long _max = limits.Value.MaxRequestBodyBytes;

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.ContentLength > _max)
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await Results.Problem(
                detail: $"The request body is {http.Request.ContentLength:N0} bytes; the back office accepts at most {_max:N0}.",
                statusCode: 413, title: "The request is too large",
                extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["Root"] = ["The request body is too large."] } })
                .ExecuteAsync(http);
            return;
        }
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = _max;
        await next(http);
    }
}
