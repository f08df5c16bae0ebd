using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Workflows.Persistence;
using Workflows.Persistence.Entities;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Identity;

public sealed record NewStaffUser(string? UserName, string? DisplayName, IReadOnlyList<string>? Roles, string? Password, PharmacyRequest? Pharmacy = null);

/// <summary>The designated pharmacy a Pharmacy user works at: its name and city as the specialist plans them (PlanPharmacy).</summary>
public sealed record PharmacyRequest(string? Name, string? City);

/// <summary>One user as the administration console lists it.</summary>
public sealed record UserView(string UserName, string DisplayName, string Kind, IReadOnlyList<string> Roles, bool Disabled, bool Activated,
    DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt, Workflows.Domain.Applications.CounterPharmacy? Pharmacy = null);

public sealed record AuditView(DateTimeOffset At, string Actor, string Action, string Target, string Detail);

/// <summary>
/// Staff users for the administration console: create, disable/enable, reset a password, assign roles; every change
/// written to the administration audit (<see cref="AdminAuditRecord"/>) with who and when. Disabling, a password reset
/// and any change of roles renew the security stamp, so the user's sessions and tokens end at once.
/// Members are created by the policy feed, not here; an Admin can disable or enable them.
/// </summary>
public sealed class StaffUsers(UserManager<AppUser> users, WorkflowsDbContext db, TimeProvider clock, ILogger<StaffUsers> logger)
{
    /// <summary>The roles the console assigns: every role except Member (members come from the policy feed).</summary>
    public static readonly string[] StaffRoles = Roles.All.Where(r => r != Roles.Member).ToArray();

    public static string GeneratePassword()
    {
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ", lower = "abcdefghijkmnpqrstuvwxyz", digits = "23456789", symbols = "#!@%+=";
        var all = upper + lower + digits + symbols;
        var chars = new[] { Pick(upper), Pick(lower), Pick(digits), Pick(symbols) }.Concat(Enumerable.Range(0, 12).Select(_ => Pick(all))).ToArray();
        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
        static char Pick(string s) => s[RandomNumberGenerator.GetInt32(s.Length)];
    }

    public async Task<IReadOnlyList<UserView>> ListAsync(string? kind, string? search, CancellationToken ct = default)
    {
        var q = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(search)) q = q.Where(u => u.UserName!.Contains(search.Trim()) || u.DisplayName.Contains(search.Trim()));
        var list = await q.OrderBy(u => u.UserName).Take(500).ToListAsync(ct);
        var ids = list.Select(u => u.Id).ToList();
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ids.Contains(ur.UserId) select new { ur.UserId, r.Name })
            .ToListAsync(ct);
        var pharmacyClaims = await db.UserClaims.AsNoTracking().Where(c => ids.Contains(c.UserId) && (c.ClaimType == PharmacyNameClaim || c.ClaimType == PharmacyCityClaim))
            .ToListAsync(ct);
        Workflows.Domain.Applications.CounterPharmacy? PharmacyOf(string id) =>
            pharmacyClaims.FirstOrDefault(c => c.UserId == id && c.ClaimType == PharmacyNameClaim)?.ClaimValue is { Length: > 0 } n &&
            pharmacyClaims.FirstOrDefault(c => c.UserId == id && c.ClaimType == PharmacyCityClaim)?.ClaimValue is { Length: > 0 } c2 ? new(n, c2) : null;
        return list.Select(u => View(u, roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).Order().ToList()) with { Pharmacy = PharmacyOf(u.Id) })
            .Where(v => kind is not ("member" or "staff") || v.Kind == kind).ToList();
    }

    public async Task<UserView> GetAsync(string userName, CancellationToken ct = default)
    {
        var user = await Find(userName);
        return View(user, (await users.GetRolesAsync(user)).Order().ToList()) with { Pharmacy = await PharmacyOfAsync(user) };
    }

    /// <summary>Claim types holding a Pharmacy user's designated pharmacy (in the identity store's user claims).</summary>
    public const string PharmacyNameClaim = "workflows:pharmacy-name";
    public const string PharmacyCityClaim = "workflows:pharmacy-city";

    /// <summary>The designated pharmacy a user works at, read from the identity store (not the token: a change applies at once); null = none.</summary>
    public async Task<Workflows.Domain.Applications.CounterPharmacy?> PharmacyOfAsync(AppUser user)
    {
        var claims = await users.GetClaimsAsync(user);
        var name = claims.FirstOrDefault(c => c.Type == PharmacyNameClaim)?.Value;
        var city = claims.FirstOrDefault(c => c.Type == PharmacyCityClaim)?.Value;
        return name is { Length: > 0 } && city is { Length: > 0 } ? new(name, city) : null;
    }

    /// <summary>The designated pharmacy of the signed-in user <paramref name="userName"/>; null when none is set.</summary>
    public async Task<Workflows.Domain.Applications.CounterPharmacy?> PharmacyOfAsync(string userName) =>
        await users.FindByNameAsync(userName) is { } user ? await PharmacyOfAsync(user) : null;

    private static Workflows.Domain.Applications.CounterPharmacy CheckPharmacy(PharmacyRequest? request)
    {
        var name = request?.Name?.Trim() ?? "";
        var city = request?.City?.Trim() ?? "";
        if (name.Length is < 2 or > 100) throw new AccountRequestException("pharmacy.name", "药店账户须指定所属药店：请填写药店名称（2 到 100 个字，与安排药店时填写的名称一致）。");
        if (city.Length is < 2 or > 30) throw new AccountRequestException("pharmacy.city", "请填写药店所在城市（如 上海）。");
        return new(name, city);
    }

    /// <summary>Sets (or, for a user who is no longer a Pharmacy user, clears) the designated pharmacy; audited.</summary>
    public async Task<UserView> SetPharmacyAsync(string userName, PharmacyRequest? request, string actor, CancellationToken ct = default)
    {
        var user = await Find(userName);
        var roles = (await users.GetRolesAsync(user)).Order().ToList();
        if (!roles.Contains(Roles.Pharmacy)) throw new AccountRequestException("pharmacy", "只有药店角色的用户才能指定所属药店。", 409);
        var pharmacy = CheckPharmacy(request);
        await WritePharmacyAsync(user, pharmacy);
        await AuditAsync(actor, "pharmacy-set", user.UserName!, $"所属药店 {pharmacy.City} {pharmacy.Name}", ct);
        return View(user, roles) with { Pharmacy = pharmacy };
    }

    private async Task WritePharmacyAsync(AppUser user, Workflows.Domain.Applications.CounterPharmacy? pharmacy)
    {
        var old = (await users.GetClaimsAsync(user)).Where(c => c.Type is PharmacyNameClaim or PharmacyCityClaim).ToList();
        if (old.Count > 0) await users.RemoveClaimsAsync(user, old);
        if (pharmacy is not null)
            await users.AddClaimsAsync(user, [new(PharmacyNameClaim, pharmacy.Name), new(PharmacyCityClaim, pharmacy.City)]);
    }

    private static UserView View(AppUser u, IReadOnlyList<string> roles) => new(u.UserName!, u.DisplayName,
        u.IdNumberHash is null && !roles.Contains(Roles.Member) ? "staff" : "member", roles,
        u.DisabledAt is not null, u.IdNumberHash is null || u.ActivatedAt is not null, u.CreatedAt, u.LastSignInAt);

    public async Task<UserView> CreateAsync(NewStaffUser request, string actor, CancellationToken ct = default)
    {
        var name = request.UserName?.Trim() ?? "";
        if (name.Length is < 2 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new AccountRequestException("userName", "登录名须为 2 到 64 个字母、数字、点、连字符或下划线。");
        if (name.StartsWith('m') && name.Length == 11 && name[1..].All(char.IsAsciiDigit))
            throw new AccountRequestException("userName", "以 m 加 10 位数字的登录名留给会员，请换一个。");
        var display = request.DisplayName?.Trim() ?? "";
        if (display.Length is < 1 or > 50) throw new AccountRequestException("displayName", "请填写姓名（最多 50 个字）。");
        var roles = CheckRoles(request.Roles);
        var pharmacy = roles.Contains(Roles.Pharmacy) ? CheckPharmacy(request.Pharmacy) : null;
        if (string.IsNullOrEmpty(request.Password)) throw new AccountRequestException("password", "请设置初始密码。");
        if (await users.FindByNameAsync(name) is not null) throw new AccountRequestException("userName", $"登录名 {name} 已被使用。", 409);
        var user = new AppUser { UserName = name, DisplayName = display, CreatedAt = clock.GetUtcNow() };
        foreach (var validator in users.PasswordValidators)
            if (await validator.ValidateAsync(users, user, request.Password) is { Succeeded: false } bad)
                throw new AccountRequestException("password", PasswordRules.Describe(bad.Errors));
        var created = await users.CreateAsync(user, request.Password);
        if (!created.Succeeded) throw new AccountRequestException("userName", "无法创建用户：" + string.Join("；", created.Errors.Select(e => e.Code)));
        await users.AddToRolesAsync(user, roles);
        if (pharmacy is not null) await WritePharmacyAsync(user, pharmacy);
        await AuditAsync(actor, "user-created", name, $"姓名 {display}；角色 {string.Join(", ", roles)}{(pharmacy is null ? "" : $"；所属药店 {pharmacy.City} {pharmacy.Name}")}", ct);
        return View(user, roles) with { Pharmacy = pharmacy };
    }

    public async Task<UserView> SetDisabledAsync(string userName, bool disabled, string actor, CancellationToken ct = default)
    {
        var user = await Find(userName);
        if (disabled && string.Equals(user.UserName, actor, StringComparison.OrdinalIgnoreCase))
            throw new AccountRequestException("userName", "不能停用自己的账户。", 409);
        if (disabled && await IsLastActiveAdmin(user)) throw new AccountRequestException("userName", "这是最后一个可用的管理员，不能停用。", 409);
        if ((user.DisabledAt is not null) == disabled) return await GetAsync(userName, ct);
        user.DisabledAt = disabled ? clock.GetUtcNow() : null;
        await users.UpdateAsync(user);
        if (disabled) await users.UpdateSecurityStampAsync(user); // ends every session and token now
        await AuditAsync(actor, disabled ? "user-disabled" : "user-enabled", user.UserName!, disabled ? "停用；所有会话已结束" : "启用", ct);
        return await GetAsync(userName, ct);
    }

    public async Task ResetPasswordAsync(string userName, string? password, string actor, CancellationToken ct = default)
    {
        var user = await Find(userName);
        if (string.IsNullOrEmpty(password)) throw new AccountRequestException("password", "请填写新密码。");
        foreach (var validator in users.PasswordValidators)
            if (await validator.ValidateAsync(users, user, password) is { Succeeded: false } bad)
                throw new AccountRequestException("password", PasswordRules.Describe(bad.Errors));
        if (await users.HasPasswordAsync(user)) await users.RemovePasswordAsync(user);
        var added = await users.AddPasswordAsync(user, password);
        if (!added.Succeeded) throw new AccountRequestException("password", PasswordRules.Describe(added.Errors));
        await users.UpdateSecurityStampAsync(user);
        await AuditAsync(actor, "password-reset", user.UserName!, "管理员重置了密码；所有会话已结束", ct);
    }

    public async Task<UserView> SetRolesAsync(string userName, IReadOnlyList<string>? roles, string actor, CancellationToken ct = default)
    {
        var user = await Find(userName);
        if (user.IdNumberHash is not null) throw new AccountRequestException("roles", "会员的角色由保单决定，不能在这里修改。", 409);
        var wanted = CheckRoles(roles);
        var current = (await users.GetRolesAsync(user)).ToList();
        if (string.Equals(user.UserName, actor, StringComparison.OrdinalIgnoreCase) && current.Contains(Roles.Admin) && !wanted.Contains(Roles.Admin))
            throw new AccountRequestException("roles", "不能去掉自己的管理员角色。", 409);
        var removed = current.Except(wanted).ToList();
        var added = wanted.Except(current).ToList();
        if (removed.Count == 0 && added.Count == 0) return View(user, current.Order().ToList());
        if (removed.Count > 0) await users.RemoveFromRolesAsync(user, removed);
        if (added.Count > 0) await users.AddToRolesAsync(user, added);
        if (removed.Contains(Roles.Pharmacy)) await WritePharmacyAsync(user, null); // no longer at any pharmacy's counter
        await users.UpdateSecurityStampAsync(user); // tokens carry roles: every session ends and signs in with the new ones
        await AuditAsync(actor, "roles-changed", user.UserName!, $"角色 {string.Join(", ", current.Order())} → {string.Join(", ", wanted)}", ct);
        return View(user, wanted);
    }

    public async Task<IReadOnlyList<AuditView>> AuditAsync(string? target, CancellationToken ct = default)
    {
        var q = db.AdminAudit.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(target)) q = q.Where(a => a.Target == target);
        return await q.OrderByDescending(a => a.Id).Take(200).Select(a => new AuditView(a.At, a.Actor, a.Action, a.Target, a.Detail)).ToListAsync(ct);
    }

    public async Task AuditAsync(string actor, string action, string target, string detail, CancellationToken ct = default)
    {
        db.AdminAudit.Add(new AdminAuditRecord { At = clock.GetUtcNow(), Actor = actor, Action = action, Target = target, Detail = detail });
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Administration: {Actor} {Action} {Target}", actor, action, target);
    }

    private async Task<AppUser> Find(string userName) =>
        await users.FindByNameAsync(userName) ?? throw new KeyNotFoundException($"没有用户 {userName}。");

    private async Task<bool> IsLastActiveAdmin(AppUser user)
    {
        if (!await users.IsInRoleAsync(user, Roles.Admin)) return false;
        return (await users.GetUsersInRoleAsync(Roles.Admin)).Count(u => u.DisabledAt is null) <= 1;
    }

    private static List<string> CheckRoles(IReadOnlyList<string>? roles)
    {
        if (roles is null || roles.Count == 0) throw new AccountRequestException("roles", "请至少选择一个角色。");
        var unknown = roles.Where(r => !StaffRoles.Contains(r)).ToList();
        if (unknown.Count > 0) throw new AccountRequestException("roles", $"没有这个员工角色：{string.Join(", ", unknown)}。可选：{string.Join(", ", StaffRoles)}。");
        return roles.Distinct().Order().ToList();
    }
}
