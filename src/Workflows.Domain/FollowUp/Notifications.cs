using System.Net.Http.Json;
using System.Net.Mail;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Policies;
using Workflows.Engine.Runtime;
using Workflows.Persistence;
using Workflows.Persistence.Stores;

namespace Workflows.Domain.FollowUp;

/// <summary>A message to store and send: to a member (user name) or a staff group (role), in Chinese and English.</summary>
public sealed record NotificationRequest(string Key, string Template, string TextZh, string TextEn, string? RecipientUserName = null,
    string? RecipientRole = null, string? ApplicationId = null, string? InstanceId = null)
{
    public JsonObject ToJson() => new()
    {
        ["key"] = Key, ["template"] = Template, ["zh"] = TextZh, ["en"] = TextEn, ["user"] = RecipientUserName, ["role"] = RecipientRole,
        ["applicationId"] = ApplicationId, ["instanceId"] = InstanceId,
    };

    public static NotificationRequest FromJson(JsonObject d) => new(d["key"]!.GetValue<string>(), d["template"]!.GetValue<string>(),
        d["zh"]!.GetValue<string>(), d["en"]!.GetValue<string>(), d["user"]?.GetValue<string>(), d["role"]?.GetValue<string>(),
        d["applicationId"]?.GetValue<string>(), d["instanceId"]?.GetValue<string>());
}

/// <summary>
/// The notification outbox. <see cref="Add"/> stores a message (one row per channel) inside the caller's transaction
/// together with the work of delivering it; a message whose key exists already is not stored again, so a reminder or an
/// escalation that runs twice sends once. Members get the configured member channels; staff groups the Inbox.
/// </summary>
public sealed class NotificationOutbox(PersonalDataProtector protector, Microsoft.Extensions.Options.IOptions<NotificationSettings> settings)
{
    /// <summary>The channels members are reached on (<see cref="NotificationSettings.MemberChannels"/>); the Inbox alone by default.</summary>
    public IReadOnlyList<string> MemberChannels { get; } =
        settings.Value.MemberChannels is { Length: > 0 } c ? c : [NotificationChannels.Inbox];

    public int Add(WriteTransaction c, NotificationRequest n, DateTimeOffset now)
    {
        var channels = n.RecipientUserName is null ? [NotificationChannels.Inbox] : MemberChannels;
        var text = protector.Protect(new JsonObject { ["zh"] = n.TextZh, ["en"] = n.TextEn }.ToJsonString());
        var added = 0;
        foreach (var channel in channels)
        {
            var key = channels.Count == 1 ? n.Key : $"{n.Key}:{channel}";
            var id = Ids.New();
            var rows = c.Command("""
                INSERT INTO Notifications (Id, Key, Channel, RecipientUserName, RecipientRole, Template, TextProtected, ApplicationId, InstanceId, State, Attempts, CreatedAt)
                VALUES (@id, @key, @channel, @user, @role, @template, @text, @app, @inst, 'Pending', 0, @now) ON CONFLICT (Key) DO NOTHING
                """, ("@id", id), ("@key", key), ("@channel", channel), ("@user", n.RecipientUserName), ("@role", n.RecipientRole),
                ("@template", n.Template), ("@text", text), ("@app", n.ApplicationId), ("@inst", n.InstanceId), ("@now", now.UtcTicks)).ExecuteNonQuery();
            if (rows == 0) continue;
            ScheduledWorkStore.Add(c, $"deliver:{key}", WorkKinds.DeliverNotification, now, new JsonObject { ["notificationId"] = id }, now);
            added++;
        }
        return added;
    }

    public (string Zh, string En) Text(Notification n)
    {
        var o = JsonNode.Parse(protector.Unprotect(n.TextProtected)!)!.AsObject();
        return (o["zh"]!.GetValue<string>(), o["en"]!.GetValue<string>());
    }
}

/// <summary>What a channel adapter gets: the message, and the key a provider uses to drop a duplicate.</summary>
public sealed record OutgoingMessage(string NotificationId, string IdempotencyKey, string Template, string TextZh, string TextEn,
    string? RecipientUserName, string? RecipientRole);

/// <summary>One way of reaching people. Adapters pass <see cref="OutgoingMessage.IdempotencyKey"/> on, so a resend after a crash is dropped by the provider.</summary>
public interface INotificationChannel
{
    string Name { get; }
    /// <summary>Delivers the message; returns the provider's message id. Throws to have the delivery retried.</summary>
    Task<string> SendAsync(OutgoingMessage message, CancellationToken ct);
}

/// <summary>The embedded default: the back office's own inbox. The stored message is what members and staff see in the UI.</summary>
public sealed class InboxChannel : INotificationChannel
{
    public string Name => NotificationChannels.Inbox;
    public Task<string> SendAsync(OutgoingMessage message, CancellationToken ct) => Task.FromResult($"inbox:{message.NotificationId}");
}

/// <summary>A channel named in the configuration but not set up: delivering through it fails (and is retried) with a clear reason.</summary>
public sealed class UnconfiguredChannel(string name) : INotificationChannel
{
    public string Name => name;
    public Task<string> SendAsync(OutgoingMessage message, CancellationToken ct) =>
        throw new InvalidOperationException($"The {name} channel has no settings (Notifications:{name}); the message stays in the outbox.");
}

/// <summary>
/// SMS or WeChat template messages through the insurer's messaging gateway ("Notifications:{Sms|WeChat}:Url", ApiKey):
/// a JSON POST naming the member by user name; the gateway holds phone numbers and WeChat openids, so none pass through
/// here. The Idempotency-Key header lets the gateway drop a repeated delivery.
/// </summary>
public sealed class GatewayChannel(string name, HttpClient http, Uri url, string? apiKey) : INotificationChannel
{
    public string Name => name;

    public async Task<string> SendAsync(OutgoingMessage m, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(new { channel = name, template = m.Template, toUser = m.RecipientUserName, toGroup = m.RecipientRole, text = m.TextZh }),
        };
        request.Headers.Add("Idempotency-Key", m.IdempotencyKey);
        if (apiKey is not null) request.Headers.Add("X-Api-Key", apiKey);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"The {name} gateway answered {(int)response.StatusCode}.");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        return body?["messageId"]?.ToString() ?? m.IdempotencyKey;
    }
}

/// <summary>E-mail over SMTP ("Notifications:Email:Host", Port, From); the recipient's address is the user's e-mail in the back office.</summary>
public sealed class EmailChannel(string host, int port, string from, Func<string, CancellationToken, Task<string?>> addressOf) : INotificationChannel
{
    public string Name => NotificationChannels.Email;

    public async Task<string> SendAsync(OutgoingMessage m, CancellationToken ct)
    {
        var to = m.RecipientUserName is null ? null : await addressOf(m.RecipientUserName, ct);
        if (to is null) return "no e-mail address on file";
        using var mail = new MailMessage(from, to, "太平洋健康险 · 健康服务提醒", $"{m.TextZh}\n\n{m.TextEn}");
        mail.Headers.Add("Message-ID", $"<{m.IdempotencyKey}@workflows.backoffice>");
        using var smtp = new SmtpClient(host, port);
        await smtp.SendMailAsync(mail, ct);
        return mail.Headers["Message-ID"]!;
    }
}

/// <summary>Delivers one stored message through its channel; a message already sent is not sent again.</summary>
public sealed class DeliverNotification(IDbContextFactory<DomainDbContext> dbs, NotificationOutbox outbox, IEnumerable<INotificationChannel> channels,
    TimeProvider clock, ILogger<DeliverNotification> logger) : IScheduledWorkHandler
{
    private readonly Dictionary<string, INotificationChannel> _channels = channels.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    public string Kind => WorkKinds.DeliverNotification;

    public async Task<string> RunAsync(ScheduledWork work, CancellationToken ct)
    {
        var id = work.Payload["notificationId"]!.GetValue<string>();
        await using var db = await dbs.CreateDbContextAsync(ct);
        var n = await db.Notifications.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (n is null) return "no such message";
        if (n.State == NotificationStates.Sent) return "sent before";
        if (!_channels.TryGetValue(n.Channel, out var channel))
            throw new InvalidOperationException($"The {n.Channel} channel is not configured.");
        var (zh, en) = outbox.Text(n);
        try
        {
            n.ProviderMessageId = await channel.SendAsync(new OutgoingMessage(n.Id, n.Key, n.Template, zh, en, n.RecipientUserName, n.RecipientRole), ct);
            n.State = NotificationStates.Sent;
            n.SentAt = clock.GetUtcNow();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            n.LastError = e.Message;
            throw;
        }
        finally
        {
            n.Attempts++;
            await db.SaveChangesAsync(CancellationToken.None);
        }
        logger.LogInformation("Delivered {Template} message {NotificationId} through {Channel}", n.Template, n.Id, n.Channel);
        return $"sent through {n.Channel}";
    }
}
