using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Workflows.Web.Localization;

/// <summary>
/// The languages of the shell: Chinese (zh-CN) first and by default, English on request. The choice is a cookie set by
/// <c>GET /account/culture/{culture}</c>; the browser's Accept-Language is deliberately ignored (staff machines often send
/// en-US while their users work in Chinese). Blazor circuits take the culture of the request that opens them.
/// </summary>
public static class Cultures
{
    public const string Chinese = "zh-CN";
    public const string English = "en";
    public static readonly string[] Supported = [Chinese, English];

    public static IServiceCollection AddBackOfficeLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.SetDefaultCulture(Chinese).AddSupportedCultures(Supported).AddSupportedUICultures(Supported);
            o.FallBackToParentCultures = true;
            o.FallBackToParentUICultures = true;
            o.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });
        return services;
    }

    /// <summary>Sets the language cookie and goes back to the (local) page it was asked from.</summary>
    public static void MapCultureSwitch(this IEndpointRouteBuilder app) =>
        app.MapGet("/account/culture/{culture}", (string culture, string? returnUrl, HttpContext http) =>
        {
            var chosen = Supported.FirstOrDefault(c => string.Equals(c, culture, StringComparison.OrdinalIgnoreCase)) ?? Chinese;
            http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax });
            return Results.LocalRedirect(returnUrl is { Length: > 0 } r && r.StartsWith('/') && !r.StartsWith("//") && !r.StartsWith("/\\") ? r : "/");
        }).AllowAnonymous().ExcludeFromDescription();

    /// <summary>True when the current UI language is English (everything else shows Chinese).</summary>
    public static bool IsEnglish => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";
}
