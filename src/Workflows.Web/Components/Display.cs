using System.Globalization;
using System.Resources;
using Workflows.Domain.Calendar;

namespace Workflows.Web.Components;

/// <summary>
/// How the shell shows values, in one place: instants as <c>yyyy-MM-dd HH:mm</c> (24 h) in Asia/Shanghai, with the weekday
/// (周一…周日 / Mon…Sun) where it matters; money in yuan with two decimals; working time as hours and minutes.
/// Words come from the shell's resources (Localization/Texts*.resx) in the current UI language.
/// </summary>
public static class Display
{
    private static readonly ResourceManager Resources = new("Workflows.Web.Localization.Texts", typeof(Display).Assembly);

    private static string T(string key) => Resources.GetString(key, CultureInfo.CurrentUICulture) ?? key;

    public static DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, BusinessCalendar.Shanghai);

    public static string Time(DateTimeOffset? instant) =>
        instant is null ? "—" : Local(instant.Value).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>"2026-11-30 周一 09:00": for appointments, due dates and anything a person plans a day around.</summary>
    public static string TimeWithWeekday(DateTimeOffset? instant)
    {
        if (instant is null) return "—";
        var local = Local(instant.Value);
        return $"{local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} {Weekday(local.DayOfWeek)} {local.ToString("HH:mm", CultureInfo.InvariantCulture)}";
    }

    public static string Date(DateOnly? date) => date is null ? "—" : date.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string DateWithWeekday(DateOnly? date) =>
        date is null ? "—" : $"{date.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} {Weekday(date.Value.DayOfWeek)}";

    public static string Weekday(DayOfWeek day) => T("Weekday." + day);

    /// <summary>The service's name from the catalogue in the current language; the code when the catalogue does not know it.</summary>
    public static string ServiceName(string? code) =>
        code is null ? "—"
        : Workflows.Domain.Catalogue.ServiceCatalogue.Default.TryGet(code, out var s) ? (Localization.Cultures.IsEnglish ? s.NameEn : s.NameZh)
        : code;

    /// <summary>¥1,234.00</summary>
    public static string Money(decimal? yuan) => yuan is null ? "—" : "¥" + yuan.Value.ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>Working time as "3小时20分" / "3 h 20 min" (business hours, not wall-clock time).</summary>
    public static string WorkingTime(TimeSpan span)
    {
        var minutes = (long)Math.Abs(Math.Round(span.TotalMinutes));
        var h = minutes / 60;
        var m = minutes % 60;
        return h > 0
            ? string.Format(CultureInfo.CurrentUICulture, T("Duration.HoursMinutes"), h, m)
            : string.Format(CultureInfo.CurrentUICulture, T("Duration.Minutes"), m);
    }

    /// <summary>"剩余 3小时20分" or "已超时 1小时05分", in working time.</summary>
    public static string Remaining(TimeSpan? workingTimeLeft) =>
        workingTimeLeft is null ? "—"
        : workingTimeLeft.Value < TimeSpan.Zero ? string.Format(CultureInfo.CurrentUICulture, T("Duration.Overdue"), WorkingTime(workingTimeLeft.Value))
        : string.Format(CultureInfo.CurrentUICulture, T("Duration.Left"), WorkingTime(workingTimeLeft.Value));

    /// <summary>
    /// Text authored in both languages at once ("致电客户确认门诊需求 Call the member…", "任务已由 X 认领。 Task claimed by X."):
    /// workflow task titles and some server messages are written so. Shows the part in the current language: the Chinese
    /// up to its last Chinese character, or the Latin text after it. Text in one language is shown as it is.
    /// </summary>
    public static string OneLanguage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return text ?? "";
        var last = -1;
        for (var i = 0; i < text.Length; i++)
            if (IsChinese(text[i])) last = i;
        if (last < 0) return text;
        var zh = text[..(last + 1)].Trim();
        var en = text[(last + 1)..].Trim().TrimStart('/', '·', '|', '-', ' ').Trim();
        if (en.Length == 0 || !en.Any(char.IsAsciiLetter)) return text;
        return Localization.Cultures.IsEnglish ? en : zh;
    }

    private static bool IsChinese(char c) => c is >= '\u4e00' and <= '\u9fff' or >= '\u3000' and <= '\u303f' or >= '\uff00' and <= '\uffef';
}
