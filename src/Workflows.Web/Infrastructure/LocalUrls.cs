namespace Workflows.Web.Infrastructure;

/// <summary>Where a user may be sent back to after signing in: a path on this site, or the home page.</summary>
public static class LocalUrls
{
    /// <summary>
    /// A path on this server ("/x…"), never another site: "//host", "/\host" (browsers read a backslash as a slash),
    /// control characters (a tab or newline the browser drops, turning "/\t/host" into "//host") and anything that is not
    /// a single leading slash fall back to "/".
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2000 || returnUrl[0] != '/') return "/";
        if (returnUrl.Length > 1 && (returnUrl[1] == '/' || returnUrl[1] == '\\')) return "/";
        if (returnUrl.Any(c => char.IsControl(c) || c == '\\' || char.IsSurrogate(c) || char.IsWhiteSpace(c))) return "/";
        return returnUrl;
    }
}
