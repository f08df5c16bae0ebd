namespace Workflows.Web.Tests;

/// <summary>
/// Privacy assertions that can fail: a secret is searched in every form it can take in stored or served text (raw,
/// JSON-escaped as \uXXXX in either case, URL-encoded), and a control value — under a key that is not sensitive, in the
/// same text — must be found, or the search proves nothing.
/// </summary>
public static class Privacy
{
    public static IEnumerable<string> Forms(string value) =>
    [
        value,
        string.Concat(value.Select(c => c < 128 ? c.ToString() : $"\\u{(int)c:X4}")),
        Uri.EscapeDataString(value),
        System.Text.Json.JsonSerializer.Serialize(value).Trim('"'),
    ];

    public static bool Holds(string text, string value) => Forms(value).Any(f => text.Contains(f, StringComparison.OrdinalIgnoreCase));

    /// <summary>Fails when <paramref name="control"/> is not in <paramref name="text"/>, or any secret is, in any form.</summary>
    public static void AssertHidden(string text, string where, string control, params string[] secrets)
    {
        Assert.True(Holds(text, control), $"{where}: the control value '{control}' is not there, so not finding the secrets proves nothing");
        foreach (var secret in secrets)
            foreach (var form in Forms(secret))
                Assert.False(text.Contains(form, StringComparison.OrdinalIgnoreCase), $"{where} holds '{form}'");
    }
}
