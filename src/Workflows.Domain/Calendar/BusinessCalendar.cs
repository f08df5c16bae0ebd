using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflows.Domain.Calendar;

/// <summary>
/// The Chinese business calendar (工作日历): mainland China's official working days, from the State Council's yearly
/// holiday notice (放假安排, with its make-up working days 调休). The data is <c>Calendar/cn-calendar.json</c>; a new
/// year is a data-only change. All instants are UTC <see cref="DateTimeOffset"/>s; business rules use Asia/Shanghai
/// dates and times. Nothing here reads the clock: callers pass "now" from their <see cref="TimeProvider"/>.
/// </summary>
public sealed class BusinessCalendar
{
    /// <summary>Asia/Shanghai (UTC+08:00 all year; China has had no daylight saving time since 1991).</summary>
    public static readonly TimeZoneInfo Shanghai = FindShanghai();

    private static readonly Lazy<BusinessCalendar> embedded = new(() =>
    {
        using var json = typeof(BusinessCalendar).Assembly.GetManifestResourceStream("Calendar.cn-calendar.json")
            ?? throw new InvalidOperationException("The embedded resource Calendar.cn-calendar.json is missing.");
        return Load(json);
    });

    private static readonly JsonSerializerOptions jsonOptions = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // a misspelt key must not silently drop data
    };

    private readonly HashSet<DateOnly> daysOff = [];    // every day inside a holiday block, weekends included
    private readonly HashSet<DateOnly> makeUpDays = []; // 调休: Saturdays and Sundays that are working days

    /// <summary>The calendar in <c>Calendar/cn-calendar.json</c>, embedded in this assembly.</summary>
    public static BusinessCalendar Default => embedded.Value;

    /// <summary>The calendar data's content version (<c>sha256:</c> and 16 hex digits of its JSON): what a decision records and replay asks for.</summary>
    public string Version { get; private init; } = "";

    /// <summary>The years the data covers; other years are judged provisionally (see <see cref="IsWorkingDay"/>).</summary>
    public IReadOnlyCollection<int> Years { get; }

    /// <summary>Reads and validates calendar JSON (the shape of cn-calendar.json); bad data throws <see cref="InvalidDataException"/>.</summary>
    public static BusinessCalendar Load(Stream json)
    {
        try
        {
            var bytes = Catalogue.ContentVersion.ReadAll(json);
            var file = JsonSerializer.Deserialize<CalendarFile>(new MemoryStream(bytes), jsonOptions) ?? throw new JsonException("The document is null.");
            return new BusinessCalendar(file.Years) { Version = Catalogue.ContentVersion.Of(bytes) };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Business calendar data is not valid JSON of the expected shape: {e.Message}", e);
        }
    }

    private BusinessCalendar(IReadOnlyList<YearData> data)
    {
        var years = new SortedSet<int>();
        if (data.Count == 0) throw Invalid("it holds no years.");
        foreach (var year in data)
        {
            if (!years.Add(year.Year)) throw Invalid($"year {year.Year} appears twice.");
            DateOnly? previousLast = null;
            foreach (var h in year.Holidays)
            {
                var block = $"{year.Year} {h.Zh} {h.En} ({h.First:O} – {h.Last:O})";
                if (h.First.Year != year.Year || h.Last.Year != year.Year)
                    throw Invalid($"{block} is not inside {year.Year}; a block across New Year is split between the two years.");
                if (h.Last < h.First) throw Invalid($"{block} ends before it starts.");
                if (h.First <= previousLast)
                    throw Invalid($"{block} starts on or before the end of the holiday before it; list holidays in date order, without overlap.");
                for (var day = h.First; day <= h.Last; day = day.AddDays(1)) daysOff.Add(day);
                previousLast = h.Last;
            }
            foreach (var day in year.MakeUpWorkingDays)
            {
                if (day.Year != year.Year) throw Invalid($"{year.Year}: make-up working day {day:O} is not inside {year.Year}.");
                if (!IsWeekend(day)) throw Invalid($"{year.Year}: make-up working day {day:O} is a {day.DayOfWeek}; a make-up working day (调休) must be a Saturday or Sunday.");
                if (daysOff.Contains(day)) throw Invalid($"{year.Year}: make-up working day {day:O} is inside a holiday block.");
                makeUpDays.Add(day);
            }
        }
        Years = Array.AsReadOnly(years.ToArray());
    }

    /// <summary>
    /// Whether <paramref name="day"/> is an official working day: a weekday outside the holiday blocks, or a make-up working day.
    /// For a year the data does not hold yet (the State Council publishes next year's schedule in November), the day is
    /// judged <em>provisionally</em>: weekends and the fixed-date statutory holidays (1 Jan, 1–2 May, 1–3 Oct) are off, the
    /// lunar holidays and make-up days are unknown. Deadlines stay computable; add the year to cn-calendar.json to make them exact.
    /// </summary>
    public bool IsWorkingDay(DateOnly day)
    {
        if (!Years.Contains(day.Year)) return !(IsWeekend(day) || IsFixedStatutoryHoliday(day));
        return makeUpDays.Contains(day) || !(daysOff.Contains(day) || IsWeekend(day));
    }

    /// <summary>True when <paramref name="year"/> is judged provisionally (not in the data).</summary>
    public bool IsProvisional(int year) => !Years.Contains(year);

    private static bool IsFixedStatutoryHoliday(DateOnly d) =>
        (d.Month, d.Day) is (1, 1) or (5, 1) or (5, 2) or (10, 1) or (10, 2) or (10, 3);

    /// <summary>The first working day strictly after <paramref name="day"/>.</summary>
    public DateOnly NextWorkingDay(DateOnly day)
    {
        var next = day.AddDays(1);
        while (!IsWorkingDay(next)) next = next.AddDays(1);
        return next;
    }

    /// <summary>
    /// Counts <paramref name="n"/> (≥ 0) working days on from <paramref name="day"/>, a non-working day counting as received
    /// on the next working day: n = 0 gives the day itself if it is a working day, otherwise the next working day;
    /// each further unit is the next working day after that.
    /// </summary>
    public DateOnly AddWorkingDays(DateOnly day, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var result = IsWorkingDay(day) ? day : NextWorkingDay(day);
        for (var i = 0; i < n; i++) result = NextWorkingDay(result);
        return result;
    }

    /// <summary>The number of working days d with from &lt; d ≤ to; negative (the same count, negated) when to &lt; from.</summary>
    public int WorkingDaysBetween(DateOnly from, DateOnly to)
    {
        if (to < from) return -WorkingDaysBetween(to, from);
        var count = 0;
        for (var day = from.AddDays(1); day <= to; day = day.AddDays(1)) if (IsWorkingDay(day)) count++;
        return count;
    }

    /// <summary>The Asia/Shanghai calendar date of an instant (2026-03-01T16:30Z is 2026-03-02).</summary>
    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(InShanghai(instant));

    /// <summary>Whether the instant falls in <paramref name="hours"/>: on an open day, Opens ≤ local time &lt; Closes.</summary>
    public bool IsWithinServiceHours(DateTimeOffset instant, ServiceHours hours)
    {
        var time = TimeOnly.FromDateTime(InShanghai(instant));
        return IsOpen(LocalDate(instant), hours) && time >= hours.Opens && time < hours.Closes;
    }

    /// <summary>
    /// The instant the service clock starts (UTC): the request itself when it is within service hours; otherwise the next
    /// opening — the same day's opening for a request before opening time on an open day, else the next open day's
    /// (next working morning 08:00 for <see cref="ServiceHours.HospitalDay"/>, next day 09:00 for <see cref="ServiceHours.Hotline"/>).
    /// </summary>
    public DateTimeOffset EffectiveStart(DateTimeOffset requestedAt, ServiceHours hours)
    {
        if (IsWithinServiceHours(requestedAt, hours)) return requestedAt.ToUniversalTime();
        var day = LocalDate(requestedAt);
        var beforeOpening = IsOpen(day, hours) && TimeOnly.FromDateTime(InShanghai(requestedAt)) < hours.Opens;
        return At(beforeOpening ? day : NextOpenDay(day, hours), hours.Opens);
    }

    /// <summary>
    /// "Within N working days" (N个工作日内): from the local date of <see cref="EffectiveStart"/>, add
    /// <paramref name="workingDays"/> with <see cref="AddWorkingDays"/>; the deadline is that day's closing time, as UTC.
    /// A Monday 10:00 request with 1 working day and hospital hours is due Tuesday 20:00.
    /// </summary>
    public DateTimeOffset DeadlineAfter(DateTimeOffset requestedAt, int workingDays, ServiceHours hours) =>
        At(AddWorkingDays(LocalDate(EffectiveStart(requestedAt, hours)), workingDays), hours.Closes);

    /// <summary>
    /// "Within 30 minutes / 2 hours of service time": the clock runs from <see cref="EffectiveStart"/> and only inside
    /// service hours; time left at closing continues at the next opening. Returned as UTC.
    /// </summary>
    public DateTimeOffset DeadlineAfter(DateTimeOffset requestedAt, TimeSpan serviceTime, ServiceHours hours)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(serviceTime, TimeSpan.Zero);
        var clock = EffectiveStart(requestedAt, hours);
        while (true)
        {
            var day = LocalDate(clock);
            var leftToday = At(day, hours.Closes) - clock;
            if (serviceTime <= leftToday) return clock + serviceTime;
            serviceTime -= leftToday;
            clock = At(NextOpenDay(day, hours), hours.Opens);
        }
    }

    /// <summary>The day working-time ordinals count from (<see cref="WorkingMinuteOf"/>).</summary>
    public static readonly DateOnly WorkingTimeEpoch = new(2020, 1, 1);

    /// <summary>
    /// Minutes of service time in <paramref name="hours"/> from <see cref="WorkingTimeEpoch"/> (Asia/Shanghai) to the
    /// instant: a working-time ordinal. The remaining working time of a task due at D is WorkingMinuteOf(D) − WorkingMinuteOf(now);
    /// sorting tasks by it is sorting by the ordinal of their due time, which a database index can serve.
    /// </summary>
    public long WorkingMinuteOf(DateTimeOffset instant, ServiceHours hours)
    {
        var day = LocalDate(instant);
        var perDay = (long)(hours.Closes - hours.Opens).TotalMinutes;
        long total = (hours.WorkingDaysOnly ? WorkingDaysBefore(day) : Math.Max(0, day.DayNumber - WorkingTimeEpoch.DayNumber)) * perDay;
        if (day >= WorkingTimeEpoch && IsOpen(day, hours))
        {
            var t = TimeOnly.FromDateTime(InShanghai(instant));
            var clamped = t < hours.Opens ? hours.Opens : t > hours.Closes ? hours.Closes : t;
            total += (long)(clamped - hours.Opens).TotalMinutes;
        }
        return total;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<DateOnly, long> workingDaysBefore = new();

    /// <summary>
    /// Working days from <see cref="WorkingTimeEpoch"/> up to <paramref name="day"/> (not included), remembered per day: the
    /// ordinal is computed for every task made or listed, and counting years of days each time was a hot spot.
    /// </summary>
    private long WorkingDaysBefore(DateOnly day)
    {
        if (workingDaysBefore.TryGetValue(day, out var known)) return known;
        long count = 0;
        for (var d = WorkingTimeEpoch; d < day; d = d.AddDays(1))
            if (IsWorkingDay(d)) count++;
        return workingDaysBefore.GetOrAdd(day, count);
    }

    private bool IsOpen(DateOnly day, ServiceHours hours) => !hours.WorkingDaysOnly || IsWorkingDay(day);

    private DateOnly NextOpenDay(DateOnly day, ServiceHours hours) => hours.WorkingDaysOnly ? NextWorkingDay(day) : day.AddDays(1);

    private static DateTime InShanghai(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Shanghai).DateTime;

    /// <summary>The UTC instant of a Shanghai local date and time.</summary>
    /// <summary>The instant (UTC) of a local Asia/Shanghai date and time.</summary>
    public static DateTimeOffset At(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        return new DateTimeOffset(local, Shanghai.GetUtcOffset(local)).ToUniversalTime();
    }

    private static bool IsWeekend(DateOnly day) => day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;

    private static InvalidDataException Invalid(string problem) => new($"Business calendar data is not valid: {problem}");

    private static TimeZoneInfo FindShanghai()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"); }
        catch (TimeZoneNotFoundException) { return TimeZoneInfo.CreateCustomTimeZone("Asia/Shanghai", TimeSpan.FromHours(8), "China Standard Time", "China Standard Time"); }
    }

    private sealed record CalendarFile(IReadOnlyList<YearData> Years, string? Description = null);
    private sealed record YearData(int Year, IReadOnlyList<Holiday> Holidays, IReadOnlyList<DateOnly> MakeUpWorkingDays, string? Source = null);
    private sealed record Holiday(string Zh, string En, DateOnly First, DateOnly Last);
}

/// <summary>
/// When a service's clock runs (服务时间): from <paramref name="Opens"/> to <paramref name="Closes"/> Asia/Shanghai time,
/// on working days only or every day. Hours end on the day they start (Closes after Opens).
/// </summary>
public sealed record ServiceHours(TimeOnly Opens, TimeOnly Closes, bool WorkingDaysOnly)
{
    /// <summary>08:00–20:00 on hospital working days (医院工作日, the official working days).</summary>
    public static readonly ServiceHours HospitalDay = new(new(8, 0), new(20, 0), true);
    /// <summary>08:00–18:00 on working days.</summary>
    public static readonly ServiceHours OfficeDay = new(new(8, 0), new(18, 0), true);
    /// <summary>09:00–21:00 every day, holidays included (the service hotline).</summary>
    public static readonly ServiceHours Hotline = new(new(9, 0), new(21, 0), false);

    public TimeOnly Closes { get; init; } = Closes > Opens ? Closes
        : throw new ArgumentException($"Service hours must close after they open, on the same day (opens {Opens}, closes {Closes}).", nameof(Closes));
}
