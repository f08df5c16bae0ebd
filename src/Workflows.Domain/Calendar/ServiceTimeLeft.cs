namespace Workflows.Domain.Calendar;

/// <summary>How much service time lies between two instants: the SLA countdown shown beside a task.</summary>
public static class ServiceTimeLeft
{
    /// <summary>
    /// The service time (inside <paramref name="hours"/> on the business calendar) from <paramref name="now"/> to
    /// <paramref name="due"/>; negative, the same way counted, when the deadline has passed.
    /// </summary>
    public static TimeSpan Between(this BusinessCalendar calendar, DateTimeOffset now, DateTimeOffset due, ServiceHours hours)
    {
        if (due < now) return -calendar.Between(due, now, hours);
        var total = TimeSpan.Zero;
        var day = calendar.LocalDate(now);
        var last = calendar.LocalDate(due);
        for (var guard = 0; day <= last && guard < 3660; day = day.AddDays(1), guard++)
        {
            if (hours.WorkingDaysOnly && !calendar.IsWorkingDay(day)) continue;
            var open = BusinessCalendar.At(day, hours.Opens);
            var close = BusinessCalendar.At(day, hours.Closes);
            var from = open > now ? open : now;
            var to = close < due ? close : due;
            if (to > from) total += to - from;
        }
        return total;
    }

    /// <summary>The service hours named on a task ("OfficeDay", "HospitalDay", "Hotline").</summary>
    public static ServiceHours Named(string? name) => name switch
    {
        "HospitalDay" => ServiceHours.HospitalDay,
        "Hotline" => ServiceHours.Hotline,
        _ => ServiceHours.OfficeDay,
    };

    /// <summary>"剩余 2 小时 15 分" / "已逾期 1 小时 5 分", counting service time.</summary>
    public static (string Zh, string En) Describe(TimeSpan left)
    {
        var abs = left.Duration();
        var hoursPart = (int)abs.TotalHours;
        var minutes = abs.Minutes;
        var zh = hoursPart > 0 ? $"{hoursPart} 小时 {minutes} 分" : $"{minutes} 分";
        var en = hoursPart > 0 ? $"{hoursPart} h {minutes} min" : $"{minutes} min";
        return left >= TimeSpan.Zero ? ($"剩余 {zh}（服务时间）", $"{en} of service time left") : ($"已逾期 {zh}（服务时间）", $"overdue by {en} of service time");
    }
}
