using System.Globalization;

namespace Workflows.Web.Infrastructure;

/// <summary>
/// The <c>Clock</c> section: an acceptance clock for acceptance tests and training, so that calendar cases (a request on
/// a Friday evening before a make-up working day, one during National Day) can be tried through the API and the UI.
/// Refused when the environment is Production: a production host always runs on the real clock.
/// </summary>
public sealed class ClockOptions
{
    public const string Section = "Clock";

    /// <summary>The instant the business clock reads when the host starts (ISO 8601 with offset, e.g. 2026-09-30T19:00:00+08:00).</summary>
    public DateTimeOffset? Now { get; set; }

    /// <summary>A shift from the real clock (e.g. -30.00:00:00); ignored when <see cref="Now"/> is set.</summary>
    public TimeSpan? Offset { get; set; }

    /// <summary>True: the clock stands still (at <see cref="Now"/>, or the shifted start) until an Admin advances it.</summary>
    public bool Frozen { get; set; }

    public bool IsConfigured => Now is not null || Offset is not null || Frozen;

    /// <summary>Reads the section; a value that is not an instant or a duration is refused with the setting's name.</summary>
    public static ClockOptions From(IConfiguration config)
    {
        var section = config.GetSection(Section);
        var options = new ClockOptions();
        if (section["Now"] is { Length: > 0 } now)
        {
            if (!DateTimeOffset.TryParse(now, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) || !HasOffset(now))
                throw new InvalidOperationException($"Clock:Now must be an instant with its offset, e.g. 2026-09-30T19:00:00+08:00 (was '{now}').");
            options.Now = at;
        }
        if (section["Offset"] is { Length: > 0 } offset)
        {
            if (!TimeSpan.TryParse(offset, CultureInfo.InvariantCulture, out var shift))
                throw new InvalidOperationException($"Clock:Offset must be a duration such as -30.00:00:00 or 02:00:00 (was '{offset}').");
            options.Offset = shift;
        }
        if (section["Frozen"] is { Length: > 0 } frozen)
        {
            if (!bool.TryParse(frozen, out var f))
                throw new InvalidOperationException($"Clock:Frozen must be true or false (was '{frozen}').");
            options.Frozen = f;
        }
        return options;
    }

    private static bool HasOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d{2}:?\d{2}$");
}

/// <summary>
/// The real clock shifted, or standing still: what the whole host (rules, SLAs, Quartz triggers, journal) reads as "now"
/// when <see cref="ClockOptions"/> is configured. It only ever moves forward.
/// </summary>
public sealed class AcceptanceClock : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly bool _frozen;
    private long _shiftTicks;          // running: real + shift
    private long _frozenAtTicks;       // frozen: this instant (UTC ticks)

    public AcceptanceClock(ClockOptions options, TimeProvider real)
    {
        _real = real;
        _frozen = options.Frozen;
        var realNow = real.GetUtcNow();
        var start = options.Now?.ToUniversalTime() ?? realNow + (options.Offset ?? TimeSpan.Zero);
        _shiftTicks = (start - realNow).Ticks;
        _frozenAtTicks = start.UtcTicks;
    }

    public bool IsFrozen => _frozen;

    public override DateTimeOffset GetUtcNow() => _frozen
        ? new DateTimeOffset(Interlocked.Read(ref _frozenAtTicks), TimeSpan.Zero)
        : _real.GetUtcNow().AddTicks(Interlocked.Read(ref _shiftTicks));

    /// <summary>Moves the clock forward by <paramref name="by"/> (never back: journals and timers assume time only moves on).</summary>
    public DateTimeOffset Advance(TimeSpan by)
    {
        if (by <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(by), "The clock only moves forward.");
        if (_frozen) Interlocked.Add(ref _frozenAtTicks, by.Ticks);
        else Interlocked.Add(ref _shiftTicks, by.Ticks);
        return GetUtcNow();
    }
}
