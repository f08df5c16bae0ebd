using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Workflows.Domain.Activities;
using Workflows.Domain.Policies;
using Workflows.Engine.Activities;
using Workflows.Engine.Runtime;
using Workflows.Persistence;

namespace Workflows.Domain.Applications;

/// <summary>A pickup the pharmacy may not dispense: the field and the rule, in words for the counter.</summary>
public sealed class PickupRefusedException(int status, string field, string messageZh, string messageEn) : Exception(messageEn)
{
    public int Status { get; } = status;
    public string Field { get; } = field;
    public string MessageZh { get; } = messageZh;
}

/// <summary>The designated pharmacy a Pharmacy user works at (least privilege: they verify only the codes planned for it).</summary>
public sealed record CounterPharmacy(string Name, string City)
{
    /// <summary>Whether a planned pharmacy (PlanPharmacy's name and city) is this one: the name ignoring spaces and case, the city by its key (上海 = 上海市).</summary>
    public bool Is(string? plannedName, string? plannedCity) =>
        Key(plannedName) == Key(Name) && Key(plannedName).Length > 0 &&
        Workflows.Domain.ReferenceData.Names.CityKey(plannedCity ?? "") == Workflows.Domain.ReferenceData.Names.CityKey(City);

    private static string Key(string? text) => string.Concat((text ?? "").Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();
}

/// <summary>
/// 药店核验取药 (C 807-809; J 256-258): at the designated pharmacy's counter the member shows the pickup code (购药凭证), the
/// original prescription and their ID. The pharmacy enters the code and the ID number; when both belong to one open
/// pickup, the purchase is recorded as collected (once) and the counter sees what to dispense. A wrong code, a wrong ID,
/// a used or lapsed code all get the same answer, which says nothing about the member or whether the code exists.
/// Repeated failures by one pharmacy user are slowed down (5 in 15 minutes, then refused for the rest of the window).
/// A pharmacy user verifies only the codes planned for their own designated pharmacy (name and city, set by an Admin); a
/// code planned for another pharmacy gets the same answer as a wrong code, and a user with no pharmacy verifies nothing.
/// </summary>
public sealed class PharmacyCounter(StoreConnections connections, WorkflowRuntime runtime, IWorkflowStore store, IDbContextFactory<DomainDbContext> dbs,
    PersonalDataProtector protector, TimeProvider clock, ILogger<PharmacyCounter> logger)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(15);
    private static readonly ConcurrentDictionary<string, List<DateTimeOffset>> Failures = new();

    public sealed record PickupRequest(string? PickupCode, string? IdNumber, bool PrescriptionOriginalSeen);

    /// <summary>What the counter dispenses: the drug and the days the prescription covers; the insured's name masked.</summary>
    public sealed record Dispensed(string ApplicationId, string Drug, int? PrescriptionDays, string InsuredName, string Pharmacy, DateTimeOffset DispensedAt);

    private const string NoMatchZh = "取药码或证件号码不正确，或该取药码已使用、已失效。";
    private const string NoMatchEn = "The pickup code or the ID number is wrong, or the code was already used or has lapsed.";

    public async Task<Dispensed> VerifyAsync(string pharmacyUser, CounterPharmacy? counterPharmacy, PickupRequest request, string idempotencyKey, CancellationToken ct = default)
    {
        if (counterPharmacy is null)
            throw new PickupRefusedException(403, "pharmacy", "您的账户尚未指定所属药店，不能核验取药码，请联系管理员。",
                "Your account has no designated pharmacy yet; ask an administrator to set it.");
        var code = (request.PickupCode ?? "").Trim();
        if (code.Length != 8 || !code.All(char.IsAsciiDigit))
            throw new PickupRefusedException(400, "pickupCode", "取药码为 8 位数字。", "pickupCode: the pickup code has 8 digits.");
        var id = (request.IdNumber ?? "").Trim().ToUpperInvariant();
        if (id.Length is not (15 or 18) || !id[..^1].All(char.IsAsciiDigit))
            throw new PickupRefusedException(400, "idNumber", "请输入会员身份证件号码（15 或 18 位）。", "idNumber: enter the member's ID number (15 or 18 characters).");
        if (!request.PrescriptionOriginalSeen)
            throw new PickupRefusedException(400, "prescriptionOriginalSeen", "取药须核对处方原件，请勾选“已核对处方原件”。",
                "prescriptionOriginalSeen: the original prescription must be checked before dispensing.");
        var now = clock.GetUtcNow();
        if (RecentFailures(pharmacyUser, now) >= MaxFailures)
            throw new PickupRefusedException(429, "pickupCode", "核验失败次数过多，请 15 分钟后再试。", "Too many failed verifications; try again in 15 minutes.");

        var key = DrugVoucher.CorrelationKey(code);
        var bookmark = await connections.ReadAsync(c => Task.FromResult(ReadBookmark(c, key)));
        if (bookmark is null) throw Fail(pharmacyUser, now, "no open pickup for the code");
        var (bookmarkId, instanceId) = bookmark.Value;

        await using var db = await dbs.CreateDbContextAsync(ct);
        var application = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.InstanceId == instanceId, ct);
        var policy = application is null ? null : await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == application.PolicyId, ct);
        if (application is null || policy is null) throw Fail(pharmacyUser, now, "the pickup has no application");
        var instance = await store.LoadInstanceAsync(instanceId, ct);
        var planned = instance?.State.Variables.GetValueOrDefault(DrugVoucher.PharmacyVariable) as JsonObject;
        if (!counterPharmacy.Is(planned?["name"]?.ToString(), planned?["city"]?.ToString()))
            throw Fail(pharmacyUser, now, "the code was planned for another pharmacy");
        if (!string.Equals(protector.Unprotect(policy.InsuredIdNumberProtected)?.Trim(), id, StringComparison.OrdinalIgnoreCase))
            throw Fail(pharmacyUser, now, "the ID number does not match");

        var data = new JsonObject
        {
            ["verifiedAt"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["pharmacyUser"] = pharmacyUser,
            ["prescriptionOriginalSeen"] = true,
            ["idVerified"] = true,
        };
        try
        {
            await runtime.ResumeAsync(bookmarkId, new ResumeInput("PickedUp", data), new Actor(pharmacyUser, DrugVoucher.PharmacyRole), idempotencyKey, ct);
        }
        catch (Exception e) when (e is BookmarkNotFoundException or BookmarkClosedException or ConcurrencyConflictException)
        {
            throw new PickupRefusedException(409, "pickupCode", "该取药码刚刚已被核验使用。", "The pickup code was just used.");
        }
        catch (ResumeRejectedException e)
        {
            throw new PickupRefusedException(400, "pickupCode", Zh(e.Message), e.Message);
        }
        var details = JsonSerializer.Deserialize<ApplicationDetails>(application.DetailsJson, ApplicationInput.Json) ?? new ApplicationDetails();
        var pharmacy = planned?["name"]?.ToString() ?? "";
        logger.LogInformation("Pickup verified for application {ApplicationId} by pharmacy user {PharmacyUser}", application.Id, pharmacyUser);
        return new Dispensed(application.Id, details.Drug ?? "", details.PrescriptionDays, PersonalDataProtector.MaskName(policy.InsuredName), pharmacy, now);
    }

    private static (string BookmarkId, string InstanceId)? ReadBookmark(PreparedConnection c, string key)
    {
        using var r = c.Command("SELECT Id, InstanceId FROM Bookmarks WHERE Kind = 'HumanTask' AND CorrelationKey = @key LIMIT 1", null, ("@key", key)).ExecuteReader();
        return r.Read() ? (r.GetString(0), r.GetString(1)) : null;
    }

    private PickupRefusedException Fail(string user, DateTimeOffset now, string why)
    {
        var list = Failures.GetOrAdd(user, _ => []);
        lock (list) list.Add(now);
        logger.LogWarning("Pickup verification refused for pharmacy user {PharmacyUser}: {Reason}", user, why);
        return new PickupRefusedException(400, "pickupCode", NoMatchZh, NoMatchEn);
    }

    private static int RecentFailures(string user, DateTimeOffset now)
    {
        if (!Failures.TryGetValue(user, out var list)) return 0;
        lock (list)
        {
            list.RemoveAll(t => t < now - FailureWindow || t > now + FailureWindow);
            return list.Count;
        }
    }

    /// <summary>The Chinese half of an activity's bilingual refusal ("中文。 English.").</summary>
    private static string Zh(string message)
    {
        var i = message.IndexOf(" ", StringComparison.Ordinal);
        return i > 0 && message[..i].Any(ch => ch > 0x2E80) ? message[..i] : message;
    }
}
