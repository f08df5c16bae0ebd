namespace Workflows.Web.Components;

/// <summary>How the shell shows values: instants in Asia/Shanghai (business time).</summary>
public static class Display
{
    public static string Time(DateTimeOffset? instant) =>
        instant is null ? "—" : TimeZoneInfo.ConvertTime(instant.Value, Workflows.Domain.Calendar.BusinessCalendar.Shanghai).ToString("yyyy-MM-dd HH:mm");
}
