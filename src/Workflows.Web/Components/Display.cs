namespace Workflows.Web.Components;

/// <summary>How the shell shows values: instants in Asia/Shanghai (business time), ids shortened.</summary>
public static class Display
{
    public static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static string Time(DateTimeOffset? instant) =>
        instant is null ? "—" : TimeZoneInfo.ConvertTime(instant.Value, Shanghai).ToString("yyyy-MM-dd HH:mm:ss");

    /// <summary>The last 10 characters: ids are UUID v7, whose leading characters are a timestamp shared by neighbours.</summary>
    public static string Short(string? id) => id is null ? "" : id.Length <= 10 ? id : "…" + id[^10..];
}
