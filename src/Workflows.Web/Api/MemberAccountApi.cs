using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Workflows.Domain;
using Workflows.Domain.FollowUp;
using Workflows.Web.Identity;
using Workflows.Web.Infrastructure;

namespace Workflows.Web.Api;

/// <summary>
/// Member self-service before sign-in: activation and password reset with a one-time code (anonymous, rate-limited per
/// client, never revealing whether a person exists); and, for demos of the embedded default, the codes an Admin can read.
/// </summary>
public static class MemberAccountApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/api/account").AllowAnonymous().WithTags("Member account");
        account.MapPost("/activation/request", RequestActivation).AddEndpointFilter<SignInThrottleFilter>();
        account.MapPost("/activation/complete", CompleteActivation).AddEndpointFilter<SignInThrottleFilter>();
        account.MapPost("/password-reset/request", RequestReset).AddEndpointFilter<SignInThrottleFilter>();
        account.MapPost("/password-reset/complete", CompleteReset).AddEndpointFilter<SignInThrottleFilter>();
        app.MapGet("/api/admin/member-codes", MemberCodes).RequireAuthorization(Policies.ReadMemberCodes).WithTags("Administration");
    }

    public sealed record ActivationRequest(string? IdNumber, string? PolicyNumber);
    public sealed record ActivationComplete(string? IdNumber, string? Code, string? Password);
    public sealed record ResetRequest(string? Login);
    public sealed record ResetComplete(string? Login, string? Code, string? Password);
    public sealed record CodeSent(string Message);
    public sealed record AccountReady(string UserName, string Message);

    public const string SentMessage = "如果信息与保单登记一致，验证码已发送到您登记的手机/消息中心，10 分钟内有效。";

    private static async Task<Accepted<CodeSent>> RequestActivation(MemberAccounts accounts, ActivationRequest request, CancellationToken ct)
    {
        await accounts.RequestActivationAsync(request.IdNumber, request.PolicyNumber, ct);
        return TypedResults.Accepted((string?)null, new CodeSent(SentMessage));
    }

    private static async Task<Ok<AccountReady>> CompleteActivation(MemberAccounts accounts, ActivationComplete request, CancellationToken ct)
    {
        var name = await accounts.CompleteActivationAsync(request.IdNumber, request.Code, request.Password, ct);
        return TypedResults.Ok(new AccountReady(name, $"账户已激活。请用登录名 {name} 或身份证号登录。"));
    }

    private static async Task<Accepted<CodeSent>> RequestReset(MemberAccounts accounts, ResetRequest request, CancellationToken ct)
    {
        await accounts.RequestPasswordResetAsync(request.Login, ct);
        return TypedResults.Accepted((string?)null, new CodeSent(SentMessage));
    }

    private static async Task<Ok<AccountReady>> CompleteReset(MemberAccounts accounts, ResetComplete request, CancellationToken ct)
    {
        var name = await accounts.CompletePasswordResetAsync(request.Login, request.Code, request.Password, ct);
        return TypedResults.Ok(new AccountReady(name, "密码已重置，请用新密码登录。"));
    }

    public sealed record MemberCodeMessage(string Id, string Template, string Text, DateTimeOffset CreatedAt);

    /// <summary>
    /// Demo aid for the embedded default (no SMS gateway): the activation and reset messages in a member's in-app inbox,
    /// looked up by user name or ID number. Only these two templates, never the member's health messages.
    /// </summary>
    private static async Task<Results<Ok<List<MemberCodeMessage>>, NotFound<ProblemDetailsBody>>> MemberCodes(MemberAccounts accounts, DomainDbContext db,
        NotificationOutbox outbox, string? member, CancellationToken ct)
    {
        var user = await accounts.FindByLoginAsync(member, ct);
        if (user is null) return TypedResults.NotFound(new ProblemDetailsBody("没有这个会员（请输入登录名或身份证号）。"));
        string[] templates = ["member-activation-code", "member-reset-code"];
        var rows = await db.Notifications.AsNoTracking()
            .Where(n => n.RecipientUserName == user.UserName && n.Channel == NotificationChannels.Inbox && templates.Contains(n.Template))
            .ToListAsync(ct);
        return TypedResults.Ok(rows.OrderByDescending(n => n.CreatedAt).Take(20)
            .Select(n => new MemberCodeMessage(n.Id, n.Template, outbox.Text(n).Zh, n.CreatedAt)).ToList());
    }
}
