using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Workflows.Domain.Calendar;

namespace Workflows.Domain.Tests;

/// <summary>The Chinese business calendar: data from the State Council notices for 2025–2026; instants written as +08:00 (Shanghai).</summary>
public class CalendarTests
{
    private static readonly BusinessCalendar Calendar = BusinessCalendar.Default;

    private static DateTimeOffset Instant(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);
    private static DateOnly Day(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static void AssertUtc(string expected, DateTimeOffset actual)
    {
        Assert.Equal(Instant(expected), actual);
        Assert.Equal(TimeSpan.Zero, actual.Offset);
    }

    private static BusinessCalendar LoadJson(string json) => BusinessCalendar.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void The_embedded_calendar_covers_2025_and_2026_in_Shanghai_time()
    {
        Assert.Equal([2025, 2026], Calendar.Years);
        Assert.Equal(TimeSpan.FromHours(8), BusinessCalendar.Shanghai.GetUtcOffset(Instant("2026-07-01T00:00:00Z")));
    }

    /// <summary>
    /// The working-minute ordinal that task lists sort by: the difference of two ordinals is the service time between the
    /// instants, across weekends, holiday blocks and make-up days, and the same whichever instant is asked for first (the
    /// count of working days before a day is remembered per day).
    /// </summary>
    [Theory]
    [InlineData("2026-03-02T08:00:00+08:00", "2026-03-03T08:00:00+08:00", 600)]   // Mon → Tue, office day of 10 h
    [InlineData("2026-03-06T18:00:00+08:00", "2026-03-09T08:00:00+08:00", 0)]     // Fri close → Mon open
    [InlineData("2026-03-06T17:00:00+08:00", "2026-03-09T09:00:00+08:00", 120)]   // an hour on each side of a weekend
    [InlineData("2026-09-30T18:00:00+08:00", "2026-10-08T08:00:00+08:00", 0)]     // National Day block 10-01…10-07
    [InlineData("2026-10-09T08:00:00+08:00", "2026-10-10T18:00:00+08:00", 1200)]  // Fri and the make-up Saturday 10-10
    [InlineData("2026-02-13T08:00:00+08:00", "2026-02-24T08:00:00+08:00", 1200)]  // Fri 02-13, make-up Sat 02-14, Spring Festival 02-15…02-23
    [InlineData("2025-12-31T08:00:00+08:00", "2026-12-31T08:00:00+08:00", 600 * 248)] // a year: 248 working days from 2025-12-31 up to 2026-12-31
    public void The_working_minute_ordinal_counts_service_time_between_instants(string from, string to, long minutes)
    {
        using var json = typeof(BusinessCalendar).Assembly.GetManifestResourceStream("Calendar.cn-calendar.json")!;
        var calendar = BusinessCalendar.Load(json); // a fresh instance: nothing remembered yet
        var hours = ServiceHours.OfficeDay;
        var later = calendar.WorkingMinuteOf(Instant(to), hours);   // the later day first: nothing depends on the order of questions
        Assert.Equal(minutes, later - calendar.WorkingMinuteOf(Instant(from), hours));
        Assert.Equal(minutes, BusinessCalendar.Default.WorkingMinuteOf(Instant(to), hours) - BusinessCalendar.Default.WorkingMinuteOf(Instant(from), hours));
    }

    [Theory] // every make-up working day (调休) in the source notices, weekends all
    [InlineData("2025-01-26")] [InlineData("2025-02-08")] [InlineData("2025-04-27")] [InlineData("2025-09-28")] [InlineData("2025-10-11")]
    [InlineData("2026-01-04")] [InlineData("2026-02-14")] [InlineData("2026-02-28")] [InlineData("2026-05-09")] [InlineData("2026-09-20")]
    [InlineData("2026-10-10")]
    public void Make_up_days_are_working_days(string day) => Assert.True(Calendar.IsWorkingDay(Day(day)));

    [Theory] // every holiday block in the source notices: each day off, and the next day is not part of it
    [InlineData("2025-01-01", "2025-01-01")] [InlineData("2025-01-28", "2025-02-04")] [InlineData("2025-04-04", "2025-04-06")]
    [InlineData("2025-05-01", "2025-05-05")] [InlineData("2025-05-31", "2025-06-02")] [InlineData("2025-10-01", "2025-10-08")]
    [InlineData("2026-01-01", "2026-01-03")] [InlineData("2026-02-15", "2026-02-23")] [InlineData("2026-04-04", "2026-04-06")]
    [InlineData("2026-05-01", "2026-05-05")] [InlineData("2026-06-19", "2026-06-21")] [InlineData("2026-09-25", "2026-09-27")]
    [InlineData("2026-10-01", "2026-10-07")]
    public void Holiday_blocks_are_days_off(string first, string last)
    {
        for (var day = Day(first); day <= Day(last); day = day.AddDays(1)) Assert.False(Calendar.IsWorkingDay(day), $"{day:O}");
        Assert.True(Calendar.IsWorkingDay(Day(last).AddDays(1)) || Day(last).AddDays(1).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
    }

    [Theory]
    [InlineData("2026-03-09", true)]  // ordinary Monday
    [InlineData("2026-03-14", false)] // ordinary Saturday
    [InlineData("2026-03-15", false)] // ordinary Sunday
    [InlineData("2025-10-09", true)]  // Thursday after National Day
    [InlineData("2025-10-12", false)] // Sunday after the Saturday make-up day
    public void Weekends_are_implicit(string day, bool working) => Assert.Equal(working, Calendar.IsWorkingDay(Day(day)));

    [Fact]
    public void Ordinary_weekday_request_is_due_at_closing_the_next_working_day()
    {
        var monday = Instant("2026-03-09T10:00:00+08:00");
        AssertUtc("2026-03-09T10:00:00+08:00", Calendar.EffectiveStart(monday, ServiceHours.HospitalDay));
        AssertUtc("2026-03-10T20:00:00+08:00", Calendar.DeadlineAfter(monday, 1, ServiceHours.HospitalDay));
        AssertUtc("2026-03-10T18:00:00+08:00", Calendar.DeadlineAfter(monday, 1, ServiceHours.OfficeDay));
        AssertUtc("2026-03-12T20:00:00+08:00", Calendar.DeadlineAfter(monday, 3, ServiceHours.HospitalDay));
    }

    [Fact]
    public void Friday_evening_request_starts_on_Monday_morning()
    {
        var fridayEvening = Instant("2026-03-13T20:30:00+08:00"); // after hospital hours (20:00)
        Assert.False(Calendar.IsWithinServiceHours(fridayEvening, ServiceHours.HospitalDay));
        AssertUtc("2026-03-16T08:00:00+08:00", Calendar.EffectiveStart(fridayEvening, ServiceHours.HospitalDay));
        AssertUtc("2026-03-17T20:00:00+08:00", Calendar.DeadlineAfter(fridayEvening, 1, ServiceHours.HospitalDay));
        // 19:00 is inside hospital hours but after office hours
        AssertUtc("2026-03-16T20:00:00+08:00", Calendar.DeadlineAfter(Instant("2026-03-13T19:00:00+08:00"), 1, ServiceHours.HospitalDay));
        AssertUtc("2026-03-17T18:00:00+08:00", Calendar.DeadlineAfter(Instant("2026-03-13T19:00:00+08:00"), 1, ServiceHours.OfficeDay));
    }

    [Fact]
    public void Spring_Festival_2026_Friday_request_is_due_on_the_Saturday_make_up_day()
    {
        // Fri 13 Feb is working, 19:00 is inside hospital hours; the next working day is Sat 14 Feb (调休).
        AssertUtc("2026-02-14T20:00:00+08:00", Calendar.DeadlineAfter(Instant("2026-02-13T19:00:00+08:00"), 1, ServiceHours.HospitalDay));
    }

    [Fact]
    public void Spring_Festival_2026_request_after_hours_on_the_make_up_day_waits_for_the_holiday_to_end()
    {
        // Sat 14 Feb 21:00 is after hours; 15–23 Feb are off, so the clock starts Tue 24 Feb 08:00; one working day → Wed 25 Feb.
        var saturdayNight = Instant("2026-02-14T21:00:00+08:00");
        AssertUtc("2026-02-24T08:00:00+08:00", Calendar.EffectiveStart(saturdayNight, ServiceHours.HospitalDay));
        AssertUtc("2026-02-25T20:00:00+08:00", Calendar.DeadlineAfter(saturdayNight, 1, ServiceHours.HospitalDay));
    }

    [Fact]
    public void National_Day_2025_with_its_make_up_Sunday_and_Saturday()
    {
        // Fri 26 Sep 21:00 → Sun 28 Sep (make-up) 08:00 → due Mon 29 Sep.
        var fridayNight = Instant("2025-09-26T21:00:00+08:00");
        AssertUtc("2025-09-28T08:00:00+08:00", Calendar.EffectiveStart(fridayNight, ServiceHours.HospitalDay));
        AssertUtc("2025-09-29T20:00:00+08:00", Calendar.DeadlineAfter(fridayNight, 1, ServiceHours.HospitalDay));
        // Tue 30 Sep 10:00, 1 working day → 1–8 Oct off → Thu 9 Oct; 3 working days → 9, 10, Sat 11 Oct (make-up).
        AssertUtc("2025-10-09T20:00:00+08:00", Calendar.DeadlineAfter(Instant("2025-09-30T10:00:00+08:00"), 1, ServiceHours.HospitalDay));
        AssertUtc("2025-10-11T20:00:00+08:00", Calendar.DeadlineAfter(Instant("2025-09-30T10:00:00+08:00"), 3, ServiceHours.HospitalDay));
    }

    [Theory]
    [InlineData("2026-03-12T19:50:00+08:00", "2026-03-13T08:20:00+08:00")] // Thursday evening → Friday morning
    [InlineData("2026-03-13T19:50:00+08:00", "2026-03-16T08:20:00+08:00")] // Friday evening → Monday morning
    [InlineData("2026-02-13T19:50:00+08:00", "2026-02-14T08:20:00+08:00")] // → Saturday make-up day
    [InlineData("2026-02-14T19:50:00+08:00", "2026-02-24T08:20:00+08:00")] // → after Spring Festival
    [InlineData("2026-03-12T19:30:00+08:00", "2026-03-12T20:00:00+08:00")] // ends exactly at closing
    [InlineData("2026-03-12T07:00:00+08:00", "2026-03-12T08:30:00+08:00")] // before opening: starts at 08:00
    public void Thirty_minutes_of_service_time_continue_at_the_next_opening(string requested, string due) =>
        AssertUtc(due, Calendar.DeadlineAfter(Instant(requested), TimeSpan.FromMinutes(30), ServiceHours.HospitalDay));

    [Fact]
    public void Service_time_longer_than_a_day_spans_several_openings()
    {
        // 2 h in hours, and 13 h = 2 h Thu (18:00–20:00) + 11 h Fri (08:00–19:00)
        AssertUtc("2026-03-12T12:00:00+08:00", Calendar.DeadlineAfter(Instant("2026-03-12T10:00:00+08:00"), TimeSpan.FromHours(2), ServiceHours.HospitalDay));
        AssertUtc("2026-03-13T19:00:00+08:00", Calendar.DeadlineAfter(Instant("2026-03-12T18:00:00+08:00"), TimeSpan.FromHours(13), ServiceHours.HospitalDay));
    }

    [Fact]
    public void Hotline_hours_run_on_holidays()
    {
        var clock = new FakeTimeProvider(Instant("2026-10-01T10:00:00+08:00")); // National Day
        var now = clock.GetUtcNow();
        Assert.True(Calendar.IsWithinServiceHours(now, ServiceHours.Hotline));
        Assert.False(Calendar.IsWithinServiceHours(now, ServiceHours.HospitalDay));
        AssertUtc("2026-10-01T10:30:00+08:00", Calendar.DeadlineAfter(now, TimeSpan.FromMinutes(30), ServiceHours.Hotline));
        AssertUtc("2026-10-08T08:30:00+08:00", Calendar.DeadlineAfter(now, TimeSpan.FromMinutes(30), ServiceHours.HospitalDay));

        clock.Advance(TimeSpan.FromHours(11.5)); // 21:30, after hotline hours → next day 09:00 (still a holiday)
        Assert.False(Calendar.IsWithinServiceHours(clock.GetUtcNow(), ServiceHours.Hotline));
        AssertUtc("2026-10-02T09:00:00+08:00", Calendar.EffectiveStart(clock.GetUtcNow(), ServiceHours.Hotline));
        AssertUtc("2026-10-02T09:20:00+08:00", Calendar.DeadlineAfter(Instant("2026-10-01T20:50:00+08:00"), TimeSpan.FromMinutes(30), ServiceHours.Hotline));
    }

    [Fact]
    public void Dates_follow_Shanghai_midnight_not_UTC_midnight()
    {
        Assert.Equal(Day("2026-03-02"), Calendar.LocalDate(Instant("2026-03-01T16:30:00Z"))); // 00:30 Monday in Shanghai
        Assert.Equal(Day("2026-03-01"), Calendar.LocalDate(Instant("2026-03-01T15:59:59Z")));
        Assert.Equal(60, Calendar.LocalDate(Instant("2026-02-28T16:00:00Z")).DayOfYear);   // 1 Mar in Shanghai, 28 Feb (day 59) in UTC
        // Fri 27 Feb 16:30Z is Sat 28 Feb 00:30 in Shanghai, a make-up working day: the clock starts there at 08:00, not on Friday.
        var request = Instant("2026-02-27T16:30:00Z");
        Assert.False(Calendar.IsWithinServiceHours(request, ServiceHours.HospitalDay));
        AssertUtc("2026-02-28T08:00:00+08:00", Calendar.EffectiveStart(request, ServiceHours.HospitalDay));
        AssertUtc("2026-03-02T20:00:00+08:00", Calendar.DeadlineAfter(request, 1, ServiceHours.HospitalDay));
    }

    [Fact]
    public void Working_days_between_skip_holidays()
    {
        Assert.Equal(3, Calendar.WorkingDaysBetween(Day("2026-02-13"), Day("2026-02-25"))); // Sat 14, Tue 24, Wed 25
        Assert.Equal(-3, Calendar.WorkingDaysBetween(Day("2026-02-25"), Day("2026-02-13")));
        Assert.Equal(0, Calendar.WorkingDaysBetween(Day("2026-02-14"), Day("2026-02-14")));
        Assert.Equal(0, Calendar.WorkingDaysBetween(Day("2026-02-14"), Day("2026-02-23")));
        Assert.Equal(2, Calendar.WorkingDaysBetween(Day("2025-09-30"), Day("2025-10-10"))); // 1–8 Oct off
    }

    [Fact]
    public void Working_day_arithmetic_around_a_holiday()
    {
        Assert.Equal(Day("2026-02-14"), Calendar.NextWorkingDay(Day("2026-02-13")));
        Assert.Equal(Day("2026-02-24"), Calendar.NextWorkingDay(Day("2026-02-14")));
        Assert.Equal(Day("2026-02-13"), Calendar.AddWorkingDays(Day("2026-02-13"), 0));
        Assert.Equal(Day("2026-02-24"), Calendar.AddWorkingDays(Day("2026-02-15"), 0));
        Assert.Equal(Day("2026-02-25"), Calendar.AddWorkingDays(Day("2026-02-15"), 1));
        Assert.Equal(Day("2026-02-24"), Calendar.AddWorkingDays(Day("2026-02-13"), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Calendar.AddWorkingDays(Day("2026-02-13"), -1));
        for (var n = 0; n < 40; n++) // from a working day, WorkingDaysBetween undoes AddWorkingDays
            Assert.Equal(n, Calendar.WorkingDaysBetween(Day("2026-02-13"), Calendar.AddWorkingDays(Day("2026-02-13"), n)));
    }

    [Fact]
    public void A_year_not_in_the_data_is_judged_provisionally()
    {
        // Not in the data yet: weekends and the fixed-date statutory holidays are off, everything else works.
        Assert.True(Calendar.IsProvisional(2027));
        Assert.False(Calendar.IsProvisional(2026));
        Assert.True(Calendar.IsWorkingDay(Day("2027-01-04")));   // a Monday
        Assert.False(Calendar.IsWorkingDay(Day("2027-01-01")));  // New Year's Day (fixed by law)
        Assert.False(Calendar.IsWorkingDay(Day("2027-01-02")));  // a Saturday
        Assert.False(Calendar.IsWorkingDay(Day("2027-10-01")));
        Assert.True(Calendar.IsWorkingDay(Day("2024-12-31")));   // a Tuesday before the data
        Assert.Equal(Day("2027-01-04"), Calendar.NextWorkingDay(Day("2026-12-31")));
        Assert.Equal(Instant("2027-01-04T20:00:00+08:00"), Calendar.DeadlineAfter(Instant("2026-12-31T10:00:00+08:00"), 1, ServiceHours.HospitalDay));
    }

    [Fact]
    public void A_new_year_is_data_only()
    {
        var calendar = LoadJson("""
            { "years": [ { "year": 2027,
              "holidays": [ { "zh": "元旦", "en": "New Year's Day", "first": "2027-01-01", "last": "2027-01-03" } ],
              "makeUpWorkingDays": [ "2027-01-09" ] } ] }
            """);
        Assert.Equal([2027], calendar.Years);
        Assert.False(calendar.IsWorkingDay(Day("2027-01-01")));
        Assert.True(calendar.IsWorkingDay(Day("2027-01-04")));
        Assert.True(calendar.IsWorkingDay(Day("2027-01-09"))); // a Saturday, listed as make-up
        Assert.False(calendar.IsWorkingDay(Day("2027-01-10")));
    }

    private const string Ok = """{ "zh": "元旦", "en": "New Year's Day", "first": "2026-01-01", "last": "2026-01-03" }""";

    [Theory]
    [InlineData("""{ "years": [] }""", "holds no years")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [], "makeUpWorkingDays": [] }, { "year": 2026, "holidays": [], "makeUpWorkingDays": [] } ] }""", "2026 appears twice")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [ { "zh": "春节", "en": "Spring Festival", "first": "2027-02-15", "last": "2027-02-23" } ], "makeUpWorkingDays": [] } ] }""", "is not inside 2026")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [ { "zh": "春节", "en": "Spring Festival", "first": "2026-02-23", "last": "2026-02-15" } ], "makeUpWorkingDays": [] } ] }""", "ends before it starts")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [ { "zh": "春节", "en": "Spring Festival", "first": "2026-02-15", "last": "2026-02-23" }, """ + Ok + """ ], "makeUpWorkingDays": [] } ] }""", "in date order")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [], "makeUpWorkingDays": [ "2026-02-16" ] } ] }""", "2026-02-16 is a Monday; a make-up working day (调休) must be a Saturday or Sunday")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [], "makeUpWorkingDays": [ "2025-02-08" ] } ] }""", "2025-02-08 is not inside 2026")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [ """ + Ok + """ ], "makeUpWorkingDays": [ "2026-01-03" ] } ] }""", "inside a holiday block")]
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [], "makeUpWorkingDays": [], "workingDays": [ "2026-02-14" ] } ] }""", "not valid JSON of the expected shape")] // unknown key
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [] } ] }""", "not valid JSON of the expected shape")]          // missing key
    [InlineData("""{ "years": [ { "year": 2026, "holidays": [], "makeUpWorkingDays": [ "2026-02-30" ] } ] }""", "not valid JSON of the expected shape")]
    public void Bad_data_is_refused_on_load(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => LoadJson(json));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Service_hours_must_close_after_they_open()
    {
        Assert.Throws<ArgumentException>(() => new ServiceHours(new(20, 0), new(8, 0), true));
        Assert.Throws<ArgumentException>(() => new ServiceHours(new(8, 0), new(8, 0), false));
    }
}
