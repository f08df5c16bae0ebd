using System.Collections.Concurrent;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Identity;

/// <summary>
/// Failed sign-ins and anonymous account requests, limited per client and per account, in fixed windows that end on
/// their own: nobody can lock another person out for longer than a window.
/// <list type="bullet">
/// <item>per client (IP address): <see cref="ClientFailures"/> failed sign-ins per window, then that client waits;</item>
/// <item>per account <i>and</i> client: <see cref="AccountClientFailures"/> failures, then that client waits for that name
/// (the person themselves, from another device or network, is not affected);</item>
/// <item>per account from all clients: beyond <see cref="AccountFailures"/> every further attempt is slowed by
/// <see cref="AccountSlowdown"/> but still checked, so a distributed guesser is slowed and the owner can still sign in.</item>
/// </list>
/// Counted by the name as typed (normalised), whether or not it exists, so the answers say nothing about existence.
/// Kept in this node's memory: each node of a cluster limits on its own (documented in docs/members-and-admin.md).
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    public const int ClientFailures = 20;
    public const int AccountClientFailures = 5;
    public const int AccountFailures = 30;
    public static readonly TimeSpan AccountSlowdown = TimeSpan.FromSeconds(2);
    /// <summary>Anonymous account requests (activation, reset) per client per window.</summary>
    public const int ClientAccountRequests = 30;

    private readonly ConcurrentDictionary<string, Counter> _counters = new();

    private sealed class Counter
    {
        public DateTimeOffset Start;
        public int Count;
    }

    public static string ClientOf(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    private static string Name(string? login) => (login ?? "").Trim().ToUpperInvariant();

    /// <summary>Seconds to wait when this client may not try this name now; null when it may.</summary>
    public int? RetryAfter(string client, string? login)
    {
        var now = clock.GetUtcNow();
        foreach (var (key, limit) in new[] { ($"c:{client}", ClientFailures), ($"ac:{Name(login)}|{client}", AccountClientFailures) })
            if (Over(key, limit, now) is { } wait) return wait;
        return null;
    }

    /// <summary>How long to slow this attempt because the name is being guessed from many clients.</summary>
    public TimeSpan Slowdown(string? login) => Over($"a:{Name(login)}", AccountFailures, clock.GetUtcNow()) is null ? TimeSpan.Zero : AccountSlowdown;

    public void Failed(string client, string? login)
    {
        var now = clock.GetUtcNow();
        Add($"c:{client}", now);
        Add($"ac:{Name(login)}|{client}", now);
        Add($"a:{Name(login)}", now);
        if (_counters.Count > 100_000) Sweep(now);
    }

    /// <summary>A successful sign-in clears this client's failures for that name.</summary>
    public void Succeeded(string client, string? login) => _counters.TryRemove($"ac:{Name(login)}|{client}", out _);

    /// <summary>Counts one anonymous account request; the seconds to wait when the client made too many.</summary>
    public int? AccountRequest(string client)
    {
        var now = clock.GetUtcNow();
        if (Over($"r:{client}", ClientAccountRequests, now) is { } wait) return wait;
        Add($"r:{client}", now);
        return null;
    }

    private int? Over(string key, int limit, DateTimeOffset now)
    {
        if (!_counters.TryGetValue(key, out var c)) return null;
        lock (c)
        {
            var end = c.Start + Window;
            if (now >= end || c.Count < limit) return null;
            return (int)Math.Ceiling((end - now).TotalSeconds);
        }
    }

    private void Add(string key, DateTimeOffset now)
    {
        var c = _counters.GetOrAdd(key, _ => new Counter { Start = now });
        lock (c)
        {
            if (now >= c.Start + Window) { c.Start = now; c.Count = 0; }
            c.Count++;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, c) in _counters)
            if (now >= c.Start + Window) _counters.TryRemove(key, out _);
    }
}

/// <summary>Limits anonymous account requests (activation, reset) per client: 429 with Retry-After beyond the limit.</summary>
public sealed class SignInThrottleFilter(SignInThrottle throttle) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (throttle.AccountRequest(SignInThrottle.ClientOf(context.HttpContext)) is { } wait)
        {
            context.HttpContext.Response.Headers.RetryAfter = wait.ToString();
            return ProblemMapping.Problem(429, "Too many requests", $"请求过于频繁，请 {Math.Max(1, wait / 60)} 分钟后再试。");
        }
        return await next(context);
    }
}
