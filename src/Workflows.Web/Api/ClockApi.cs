using Microsoft.AspNetCore.Http.HttpResults;
using Workflows.Domain.Calendar;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// The business clock the host runs on: every signed-in user can read it (an acceptance host says so on every screen's
/// data); an Admin moves an acceptance clock forward. See docs/operations.md, "Acceptance clock".
/// </summary>
public static class ClockApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/clock").WithTags("Clock");
        group.MapGet("", Read).RequireAuthorization(Policies.SignedIn);
        group.MapPost("/advance", Advance).RequireAuthorization(Policies.OperateClock);
    }

    /// <param name="Mode">system (the real clock), shifted (acceptance clock, running) or frozen (acceptance clock, standing still).</param>
    /// <param name="Shanghai">The business time, yyyy-MM-dd HH:mm in Asia/Shanghai.</param>
    public sealed record ClockReading(DateTimeOffset Utc, string Shanghai, string Weekday, bool WorkingDay, string Mode);

    public sealed record AdvanceRequest(string? By);

    private static readonly string[] Weekdays = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];

    private static Ok<ClockReading> Read(TimeProvider clock, BusinessCalendar calendar) => TypedResults.Ok(Reading(clock, calendar));

    private static ClockReading Reading(TimeProvider clock, BusinessCalendar calendar)
    {
        var now = clock.GetUtcNow();
        var local = TimeZoneInfo.ConvertTime(now, BusinessCalendar.Shanghai);
        var mode = clock is AcceptanceClock a ? (a.IsFrozen ? "frozen" : "shifted") : "system";
        return new ClockReading(now, local.ToString("yyyy-MM-dd HH:mm"), Weekdays[(int)local.DayOfWeek], calendar.IsWorkingDay(DateOnly.FromDateTime(local.DateTime)), mode);
    }

    /// <summary>Moves an acceptance clock forward (never back); refused on a host that runs on the real clock.</summary>
    private static Results<Ok<ClockReading>, ProblemHttpResult> Advance(AdvanceRequest? request, TimeProvider clock, BusinessCalendar calendar,
        ILoggerFactory logs, HttpContext http)
    {
        if (clock is not AcceptanceClock acceptance)
            return ProblemMapping.Problem(409, "This host runs on the real clock",
                "Only a host started with an acceptance clock (Clock:Now, Clock:Offset or Clock:Frozen, not in Production) can be moved forward.");
        if (string.IsNullOrWhiteSpace(request?.By)
            || !TimeSpan.TryParse(request.By, System.Globalization.CultureInfo.InvariantCulture, out var by))
            return ProblemMapping.Problem(400, "by: a duration is required",
                "by: give how far to move the clock as a duration, e.g. \"01:00:00\" for one hour or \"2.00:00:00\" for two days.");
        if (by <= TimeSpan.Zero || by > TimeSpan.FromDays(366))
            return ProblemMapping.Problem(400, "by: must be forward and at most a year",
                "by: the clock only moves forward (journals and timers rely on it), by at most 366 days at a time.");
        var before = clock.GetUtcNow();
        acceptance.Advance(by);
        logs.CreateLogger("Workflows.Clock").LogWarning("Acceptance clock moved forward by {By} from {Before:o} by {User}", by, before, http.User.Identity?.Name);
        return TypedResults.Ok(Reading(clock, calendar));
    }
}
