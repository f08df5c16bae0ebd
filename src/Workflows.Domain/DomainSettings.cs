using System.ComponentModel.DataAnnotations;

namespace Workflows.Domain;

/// <summary>The <c>ReferenceData</c> section (docs/operations.md, "Settings").</summary>
public sealed class ReferenceDataSettings
{
    public const string Section = "ReferenceData";

    /// <summary>How often a node picks up reference-data versions published on another node (default 15 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "ReferenceData:RefreshInterval must be between 00:00:01 and 1.00:00:00.")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>The <c>Notifications</c> section: which channels reach members, and the gateways and SMTP server behind them.</summary>
public sealed class NotificationSettings : IValidatableObject
{
    public const string Section = "Notifications";

    /// <summary>The channels members are reached on (Inbox, Sms, WeChat, Email); the Inbox alone when empty.</summary>
    public string[] MemberChannels { get; set; } = [];

    /// <summary>The SMS gateway; unconfigured (delivery fails and is retried with a clear reason) while its Url is empty.</summary>
    public GatewaySettings Sms { get; set; } = new();

    /// <summary>The WeChat gateway; unconfigured while its Url is empty.</summary>
    public GatewaySettings WeChat { get; set; } = new();

    /// <summary>The SMTP server; unconfigured while its Host is empty.</summary>
    public EmailSettings Email { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, gateway) in new[] { (nameof(Sms), Sms), (nameof(WeChat), WeChat) })
            if (gateway.Url is { Length: > 0 } url
                && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
                yield return new ValidationResult($"{Section}:{name}:Url must be an absolute http or https address (was '{url}').", [name]);
        if (Email.Port is < 1 or > 65535)
            yield return new ValidationResult($"{Section}:Email:Port must be between 1 and 65535.", [nameof(Email)]);
    }
}

public sealed class GatewaySettings
{
    /// <summary>The gateway's absolute http(s) address.</summary>
    public string? Url { get; set; }

    /// <summary>Sent to the gateway with each message; keep it out of appsettings.json in production (environment or secret store).</summary>
    public string? ApiKey { get; set; }
}

public sealed class EmailSettings
{
    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public string From { get; set; } = "noreply@localhost";
}
