using System.Globalization;
using System.Security.Claims;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Studio;

/// <summary>
/// The Elsa 3 REST API that Elsa Studio's elements call, under <c>/elsa/api</c>, answered by our engine and database.
/// One class per resource: <see cref="StudioDescriptors"/>, <see cref="StudioDefinitions"/>, <see cref="StudioInstances"/>,
/// <see cref="StudioActivityExecutions"/>. Every route needs a bearer token (or the shell's cookie) and a role; the access
/// trail records every call. A route Studio knows but this back office does not offer answers 501 with a problem body.
/// </summary>
public static class ElsaApi
{
    public const string Prefix = "/elsa/api";

    public static void Map(IEndpointRouteBuilder app)
    {
        var elsa = app.MapGroup(Prefix).WithTags("Elsa Studio");
        StudioDescriptors.Map(elsa);
        StudioDefinitions.Map(elsa);
        StudioInstances.Map(elsa);
        StudioActivityExecutions.Map(elsa);
        StudioScripting.Map(elsa);
        // Lowest precedence: whatever no route above matches.
        elsa.Map("/{**rest}", Unsupported).RequireAuthorization(Policies.OpenStudio);
    }

    private static IResult Unsupported(HttpContext http, string? rest) =>
        ProblemMapping.Problem(StatusCodes.Status501NotImplemented, "Not supported by this back office",
            $"{http.Request.Method} {Prefix}/{rest} is part of Elsa's API but not of this back office's; Elsa Studio's feature that uses it is not available here.");

    /// <summary>True if the user may edit and publish workflows: Studio then gets the publish links that make its editor editable.</summary>
    public static bool CanEdit(this ClaimsPrincipal user) => Policies.RolesFor[Policies.EditDefinitions].Any(user.IsInRole);

    /// <summary>Elsa's list shapes: <c>{items, count}</c> and, paged, <c>{items, totalCount, page, pageSize}</c>.</summary>
    public sealed record ListResponse<T>(IReadOnlyCollection<T> Items, int Count)
    {
        public ListResponse(IReadOnlyCollection<T> items) : this(items, items.Count) { }
    }

    public sealed record PagedResponse<T>(IReadOnlyCollection<T> Items, long TotalCount, int? Page, int? PageSize, IReadOnlyList<Link>? Links = null);

    public sealed record Link(string Href, string Rel, string Method);

    /// <summary>Query-string values, read by hand so a wrong one is refused with a message naming it (Studio sends PascalCase names).</summary>
    public static string? Text(this HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v.ToString()) ? v.ToString() : null;

    public static string[] Texts(this HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var v) ? v.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray() : [];

    public static int? Int(this HttpRequest request, string name) =>
        request.Text(name) is not { } s ? null
        : int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
        : throw new ArgumentException($"The query parameter '{name}' must be a whole number, not '{s}'.");

    public static (int Page, int PageSize) Paging(int? page, int? pageSize)
    {
        if (page < 0) throw new ArgumentException("The page number cannot be negative (pages count from 0).");
        if (pageSize is < 1 or > 500) throw new ArgumentException("The page size must be between 1 and 500.");
        return (page ?? 0, pageSize ?? 50);
    }
}
