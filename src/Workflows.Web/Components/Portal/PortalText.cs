using Microsoft.Extensions.Localization;
using Workflows.Web.Localization;

namespace Workflows.Web.Components.Portal;

/// <summary>The member portal's resource: <c>MemberTexts.resx</c> (Chinese, neutral) and <c>MemberTexts.en.resx</c>, generated from portal-text.py.</summary>
public sealed class MemberTexts;

/// <summary>
/// The member portal's words in the current UI language (<see cref="IStringLocalizer{MemberTexts}"/>), and the few
/// helpers the pages share. Texts that come from the domain in both languages (refusals, timeline entries) go through <see cref="Pick"/>.
/// </summary>
public sealed class PortalText(IStringLocalizer<MemberTexts> texts) : IStringLocalizer
{
    public LocalizedString this[string name] => texts[name];
    public LocalizedString this[string name, params object[] arguments] => texts[name, arguments];
    public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => texts.GetAllStrings(includeParentCultures);

    /// <summary>The Chinese or the English of a text the domain gives in both.</summary>
    public static string Pick(string zh, string en) => Cultures.IsEnglish ? en : zh;

    /// <summary>An application status, in words.</summary>
    public string Status(string status) => this["Status." + status] is { ResourceNotFound: false } s ? s.Value : status;

    /// <summary>A day with its weekday: 2026-12-03 周四.</summary>
    public string Day(DateOnly d) => Display.DateWithWeekday(d);
}
