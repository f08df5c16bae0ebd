using System.Globalization;
using System.Resources;
using Microsoft.Extensions.Localization;

namespace Workflows.Web.Components.Portal;

/// <summary>
/// The member portal's words, from PortalText.resx (Chinese, the default) and PortalText.en.resx (English), in the
/// current UI culture. Texts that come from the domain in both languages (refusals, timeline entries) go through <see cref="Pick"/>.
/// </summary>
public sealed class PortalText : IStringLocalizer
{
    private static readonly ResourceManager Resources = new("Workflows.Web.Components.Portal.PortalText", typeof(PortalText).Assembly);

    public static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public LocalizedString this[string name] =>
        Resources.GetString(name, CultureInfo.CurrentUICulture) is { } value ? new(name, value) : new(name, name, resourceNotFound: true);

    public LocalizedString this[string name, params object[] arguments] =>
        this[name] is var s && !s.ResourceNotFound ? new(name, string.Format(CultureInfo.CurrentCulture, s.Value, arguments)) : s;

    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) =>
        Resources.GetResourceSet(CultureInfo.CurrentUICulture, true, includeParentCultures)!.Cast<System.Collections.DictionaryEntry>()
            .Select(e => new LocalizedString((string)e.Key, (string)e.Value!));

    /// <summary>The Chinese or the English of a text the domain gives in both.</summary>
    public static string Pick(string zh, string en) => English ? en : zh;

    /// <summary>An application status, in words.</summary>
    public string Status(string status) => this["Status_" + status] is { ResourceNotFound: false } s ? s.Value : status;

    /// <summary>Money in yuan with two decimals: ¥1,234.00.</summary>
    public static string Yuan(decimal amount) => "¥" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    /// <summary>A day with its weekday: 2026-12-03 周四.</summary>
    public string Day(DateOnly d) => $"{d:yyyy-MM-dd} {this["Weekday_" + (int)d.DayOfWeek]}";
}
