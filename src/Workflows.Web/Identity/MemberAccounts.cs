using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.FollowUp;
using Workflows.Domain.Policies;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Identity;

/// <summary>A member-facing request that cannot be done as asked: the field and the rule, in Chinese, for a 400 problem+json.</summary>
public sealed class AccountRequestException(string field, string message, int status = 400) : Exception(message)
{
    public string Field { get; } = field;
    public int Status { get; } = status;
}

/// <summary>The purposes a one-time code is sent for.</summary>
public static class CodePurposes
{
    public const string Activate = "activate";
    public const string Reset = "reset";
}

/// <summary>
/// Member identities from the policy feed (created or linked by a keyed hash of the ID number) and their self-service:
/// activation and password reset with a one-time code sent through the member notification channels (the SMS gateway
/// when configured; the in-app inbox in the embedded default, which an Admin can read for demos).
/// <para>
/// Requests never reveal whether a person or account exists: <see cref="RequestActivationAsync"/> and
/// <see cref="RequestPasswordResetAsync"/> answer the same way whatever was found, and a wrong, expired, used or
/// unknown code is one and the same refusal.
/// </para>
/// </summary>
public sealed class MemberAccounts(UserManager<AppUser> users, WorkflowsDbContext identityDb, DomainDbContext domainDb, StoreConnections connections,
    NotificationOutbox outbox, KeyedHasher hasher, TimeProvider clock, ILogger<MemberAccounts> logger) : IMemberDirectory
{
    /// <summary>How long a code can be used.</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);
    /// <summary>Wrong entries after which a code is dead (a new one must be requested).</summary>
    public const int MaxWrongEntries = 5;
    /// <summary>Codes per person and purpose per hour, and the least time between two.</summary>
    public const int MaxCodesPerHour = 3;
    public static readonly TimeSpan MinCodeInterval = TimeSpan.FromSeconds(60);

    public const string CodeRefused = "验证码错误、已过期或已使用，请重新获取验证码。";

    /// <summary>Finds the member with this ID number, or creates one (role Member, no password, not activated).</summary>
    public async Task<string> EnsureMemberAsync(string idNumber, string name, CancellationToken ct)
    {
        var hash = hasher.HashIdNumber(idNumber);
        var existing = await identityDb.Users.AsNoTracking().FirstOrDefaultAsync(u => u.IdNumberHash == hash, ct);
        if (existing is not null) return existing.UserName!;
        for (var attempt = 0; ; attempt++)
        {
            var user = new AppUser
            {
                UserName = "m" + RandomNumberGenerator.GetInt32(100_000_000, 1_000_000_000).ToString() + RandomNumberGenerator.GetInt32(0, 10),
                DisplayName = name.Trim(),
                IdNumberHash = hash,
                CreatedAt = clock.GetUtcNow(),
            };
            var created = await users.CreateAsync(user);
            if (created.Succeeded)
            {
                await users.AddToRoleAsync(user, Roles.Member);
                logger.LogInformation("Member identity {UserName} created from the policy feed", user.UserName);
                return user.UserName;
            }
            // The same person created at this moment by another import, or a user-name collision: look again, then retry.
            var again = await identityDb.Users.AsNoTracking().FirstOrDefaultAsync(u => u.IdNumberHash == hash, ct);
            if (again is not null) return again.UserName!;
            if (attempt >= 5) throw new InvalidOperationException("Could not create a member identity: " + string.Join("; ", created.Errors.Select(e => e.Code)));
        }
    }

    /// <summary>The member whose ID number this is (whether activated or not), or null.</summary>
    public Task<AppUser?> FindByIdNumberAsync(string? idNumber, CancellationToken ct = default) =>
        string.IsNullOrWhiteSpace(idNumber) ? Task.FromResult<AppUser?>(null)
            : identityDb.Users.FirstOrDefaultAsync(u => u.IdNumberHash == hasher.HashIdNumber(idNumber), ct);

    /// <summary>A member signs in with their user name or their ID number: the user this login names, or null.</summary>
    public async Task<AppUser?> FindByLoginAsync(string? login, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(login)) return null;
        return await users.FindByNameAsync(login.Trim()) ?? (login.Trim().Length is >= 15 and <= 18 ? await FindByIdNumberAsync(login, ct) : null);
    }

    /// <summary>
    /// Step 1 of activation: the member gives their ID number and the number of one of their policies. When both match a
    /// member not yet activated, a code is sent to them; in every case the answer is the same.
    /// </summary>
    public async Task RequestActivationAsync(string? idNumber, string? policyNumber, CancellationToken ct = default)
    {
        Require(idNumber, "idNumber", "请填写身份证号。");
        Require(policyNumber, "policyNumber", "请填写保单号。");
        var user = await FindByIdNumberAsync(idNumber, ct);
        if (user is null || user.ActivatedAt is not null || user.DisabledAt is not null) return;
        var number = policyNumber!.Trim();
        var holds = await domainDb.Policies.AnyAsync(p => p.PolicyNumber == number && (p.InsuredUserName == user.UserName || p.GuardianUserName == user.UserName), ct);
        if (!holds) return;
        await SendCodeAsync(user, CodePurposes.Activate, ct);
    }

    /// <summary>Step 2 of activation: the code and the new password. Returns the member's user name (they can also sign in with the ID number).</summary>
    public async Task<string> CompleteActivationAsync(string? idNumber, string? code, string? password, CancellationToken ct = default)
    {
        Require(idNumber, "idNumber", "请填写身份证号。");
        Require(code, "code", "请填写验证码。");
        Require(password, "password", "请设置密码。");
        var user = await FindByIdNumberAsync(idNumber, ct);
        if (user is null || user.ActivatedAt is not null || user.DisabledAt is not null) throw new AccountRequestException("code", CodeRefused);
        await CheckPasswordRulesAsync(user, password!); // before the code is used: a weak password does not cost the code
        await UseCodeAsync(user, CodePurposes.Activate, code!, ct);
        await SetPasswordAsync(user, password!);
        user.ActivatedAt = clock.GetUtcNow();
        await users.UpdateAsync(user);
        logger.LogInformation("Member {UserName} activated their account", user.UserName);
        return user.UserName!;
    }

    /// <summary>Step 1 of a reset: the member's user name or ID number. An activated member gets a code; the answer is always the same.</summary>
    public async Task RequestPasswordResetAsync(string? login, CancellationToken ct = default)
    {
        Require(login, "login", "请填写身份证号或登录名。");
        var user = await FindByLoginAsync(login, ct);
        if (user is null || user.IdNumberHash is null || user.ActivatedAt is null || user.DisabledAt is not null) return;
        await SendCodeAsync(user, CodePurposes.Reset, ct);
    }

    /// <summary>Step 2 of a reset: the code and the new password. Every session and token of the member ends (security stamp).</summary>
    public async Task<string> CompletePasswordResetAsync(string? login, string? code, string? password, CancellationToken ct = default)
    {
        Require(login, "login", "请填写身份证号或登录名。");
        Require(code, "code", "请填写验证码。");
        Require(password, "password", "请设置新密码。");
        var user = await FindByLoginAsync(login, ct);
        if (user is null || user.IdNumberHash is null || user.ActivatedAt is null || user.DisabledAt is not null) throw new AccountRequestException("code", CodeRefused);
        await CheckPasswordRulesAsync(user, password!);
        await UseCodeAsync(user, CodePurposes.Reset, code!, ct);
        await SetPasswordAsync(user, password!);
        logger.LogInformation("Member {UserName} reset their password", user.UserName);
        return user.UserName!;
    }

    private async Task SendCodeAsync(AppUser user, string purpose, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var recent = await identityDb.OneTimeCodes.Where(c => c.UserId == user.Id && c.Purpose == purpose && c.CreatedAt > now.AddHours(-1))
            .OrderByDescending(c => c.CreatedAt).ToListAsync(ct);
        if (recent.Count >= MaxCodesPerHour || (recent.Count > 0 && now - recent[0].CreatedAt < MinCodeInterval))
        {
            logger.LogInformation("Code for {UserName} ({Purpose}) not sent: too many requests", user.UserName, purpose);
            return; // the same answer as a sent one; the member waits for the code already sent
        }
        foreach (var open in recent.Where(c => c.UsedAt is null)) open.UsedAt = now; // a new code replaces the earlier ones
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6");
        var record = new OneTimeCodeRecord
        {
            Id = Guid.CreateVersion7().ToString("N"), UserId = user.Id, Purpose = purpose, CreatedAt = now, ExpiresAt = now + CodeLifetime,
        };
        record.CodeHash = hasher.HashCode(record.Id, code);
        identityDb.OneTimeCodes.Add(record);
        await identityDb.SaveChangesAsync(ct);

        var (zh, en, template) = purpose == CodePurposes.Activate
            ? ($"您的健康服务账户激活验证码为 {code}，{CodeLifetime.TotalMinutes:0} 分钟内有效。请勿将验证码告诉任何人。",
               $"Your health services activation code is {code}, valid for {CodeLifetime.TotalMinutes:0} minutes. Do not share it.", "member-activation-code")
            : ($"您正在重置健康服务账户密码，验证码为 {code}，{CodeLifetime.TotalMinutes:0} 分钟内有效。如非本人操作请忽略。",
               $"Your password reset code is {code}, valid for {CodeLifetime.TotalMinutes:0} minutes. Ignore this if you did not ask for it.", "member-reset-code");
        var message = new NotificationRequest($"code:{record.Id}", template, zh, en, RecipientUserName: user.UserName);
        await connections.WriteAsync(c => Task.FromResult(c.InTransaction(t => outbox.Add(t, message, now), now)), ct);
        logger.LogInformation("One-time code {CodeId} ({Purpose}) sent to {UserName}", record.Id, purpose, user.UserName);
    }

    private async Task UseCodeAsync(AppUser user, string purpose, string code, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var open = await identityDb.OneTimeCodes.Where(c => c.UserId == user.Id && c.Purpose == purpose && c.UsedAt == null)
            .OrderByDescending(c => c.CreatedAt).FirstOrDefaultAsync(ct);
        if (open is null || open.ExpiresAt <= now || open.FailedAttempts >= MaxWrongEntries) throw new AccountRequestException("code", CodeRefused);
        if (!CryptographicOperations.FixedTimeEquals(Convert.FromHexString(open.CodeHash), Convert.FromHexString(hasher.HashCode(open.Id, code))))
        {
            open.FailedAttempts++;
            await identityDb.SaveChangesAsync(ct);
            throw new AccountRequestException("code", CodeRefused);
        }
        open.UsedAt = now;
        await identityDb.SaveChangesAsync(ct); // used before the password is set: a second use of the same code fails
    }

    private async Task CheckPasswordRulesAsync(AppUser user, string password)
    {
        foreach (var validator in users.PasswordValidators)
        {
            var check = await validator.ValidateAsync(users, user, password);
            if (!check.Succeeded) throw new AccountRequestException("password", PasswordRules.Describe(check.Errors));
        }
    }

    private async Task SetPasswordAsync(AppUser user, string password)
    {
        await CheckPasswordRulesAsync(user, password);
        if (await users.HasPasswordAsync(user)) await users.RemovePasswordAsync(user);
        var added = await users.AddPasswordAsync(user, password); // also renews the security stamp: old sessions end
        if (!added.Succeeded) throw new AccountRequestException("password", PasswordRules.Describe(added.Errors));
        await users.UpdateSecurityStampAsync(user);
    }

    private static void Require(string? value, string field, string message)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new AccountRequestException(field, message);
        if (value.Length > 128) throw new AccountRequestException(field, "输入过长。");
    }
}

/// <summary>The password rules, in Chinese, from Identity's error codes (never its English descriptions or type names).</summary>
public static class PasswordRules
{
    public const string Summary = "密码至少 8 位，须包含大写字母、小写字母、数字和符号。";

    public static string Describe(IEnumerable<IdentityError> errors) => string.Join(" ", errors.Select(e => e.Code switch
    {
        "PasswordTooShort" => "密码至少 8 位。",
        "PasswordRequiresNonAlphanumeric" => "密码须包含至少一个符号（如 #、!、@）。",
        "PasswordRequiresDigit" => "密码须包含至少一个数字。",
        "PasswordRequiresLower" => "密码须包含至少一个小写字母。",
        "PasswordRequiresUpper" => "密码须包含至少一个大写字母。",
        "PasswordRequiresUniqueChars" => "密码中不同的字符太少。",
        _ => "密码不符合规则：" + Summary,
    }).Distinct());
}
