namespace Workflows.Web.Components;

/// <summary>How the shell shows values: instants in Asia/Shanghai (business time), ids shortened.</summary>
public static class Display
{
    public static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static string Time(DateTimeOffset? instant) =>
        instant is null ? "—" : TimeZoneInfo.ConvertTime(instant.Value, Shanghai).ToString("yyyy-MM-dd HH:mm:ss");

    public static string Short(string? id) => id is null ? "" : id.Length <= 10 ? id : id[..10];
}
