using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;

namespace Workflows.Domain.Eligibility;

/// <summary>What cancelling an application now means for its use of the quota, with the reason in words.</summary>
/// <param name="QuotaRestored">The use comes back (else it counts as used).</param>
/// <param name="NoticeRequiredWorkingDays">The service's notice period (提前N个工作日), when it has one.</param>
/// <param name="NoticeGivenWorkingDays">Working days from today to the appointment, when one is booked.</param>
/// <param name="ExplanationZh">After the fact, for the timeline ("申请已取消…").</param>
/// <param name="PreviewZh">Before confirming ("现在取消，…，因为…").</param>
public sealed record CancellationOutcome(bool QuotaRestored, int? NoticeRequiredWorkingDays, int? NoticeGivenWorkingDays,
    string ExplanationZh, string ExplanationEn, string PreviewZh, string PreviewEn);

/// <summary>
/// 取消告知规则 (cancellation notice): with an appointment booked, cancelling at least the service's notice period ahead
/// (1 or 3 working days, counted on the business calendar from the Asia/Shanghai date) gives the use back; a later
/// cancellation counts it as used. Gene testing counts as used only once the sample is taken (C 739-741), so before that
/// a cancellation always gives it back. The member's preview and the real cancellation both ask this class.
/// </summary>
public static class CancellationNotice
{
    /// <param name="useTaken">The application's use already counts as taken (a sample taken, an opinion delivered, a programme started): cancelling does not give it back.</param>
    public static CancellationOutcome Judge(ServiceDefinition? service, DateOnly today, DateOnly? appointmentDay, BusinessCalendar calendar, bool useTaken = false)
    {
        var notice = service?.CancellationNoticeWorkingDays;
        int? given = appointmentDay is { } day ? calendar.WorkingDaysBetween(today, day) : null;
        var usedOnlyWhenSampled = UsedOnlyWhenSampled(service);
        var limited = service?.QuotaPerPolicyPeriod is not null;
        var restored = !useTaken && (usedOnlyWhenSampled || given is null || notice is null || given >= notice);
        return (given, notice, restored) switch
        {
            _ when !limited => new(restored, notice, given,
                "申请已取消。", "Cancelled.",
                "本服务不限次数，现在取消不影响您以后再次申请。", "This service has no limit on uses; cancelling now does not affect later applications."),
            _ when useTaken && usedOnlyWhenSampled => new(false, notice, given,
                "申请已取消。已成功采样，本次服务视为已使用，服务次数不退回。", "Cancelled. The sample was taken, so the use counts as taken.",
                "现在取消，服务次数不会退回，因为已成功采样（采样后即视为服务已完成）。", "Cancelling now does not give the use back, because the sample was taken (the service counts as done once sampled)."),
            _ when useTaken => new(false, notice, given,
                "申请已取消。本次服务已使用，服务次数不退回。", "Cancelled. The service was already used, so the use is not given back.",
                "现在取消，服务次数不会退回，因为本次服务已使用。", "Cancelling now does not give the use back, because the service was already used."),
            _ when usedOnlyWhenSampled => new(true, notice, given,
                "申请已取消（尚未采样），服务次数已退回。", "Cancelled before the sample was taken; the use was given back.",
                "现在取消，服务次数将退回，因为尚未采样（采样后才视为已使用）。", "Cancelling now gives the use back, because no sample has been taken yet (it counts as used once sampled)."),
            (null, _, _) => new(true, notice, null,
                "申请已取消（尚未预约），服务次数已退回。", "Cancelled before any booking; the use was given back.",
                "现在取消，服务次数将退回，因为尚未预约。", "Cancelling now gives the use back, because nothing is booked yet."),
            (_, null, _) => new(true, null, given,
                "申请已取消，服务次数已退回。", "Cancelled; the use was given back.",
                "现在取消，服务次数将退回，因为本服务没有提前取消的要求。", "Cancelling now gives the use back, because this service has no notice rule."),
            (_, _, true) => new(true, notice, given,
                $"已提前 {given} 个工作日取消（须至少提前 {notice} 个），服务次数已退回。", $"Cancelled {given} working days ahead (at least {notice} required); the use was given back.",
                $"现在取消，服务次数将退回，因为距预约还有 {given} 个工作日（须至少提前 {notice} 个工作日取消）。",
                $"Cancelling now gives the use back, because the appointment is {given} working days away (at least {notice} required)."),
            _ => new(false, notice, given,
                $"取消时距预约仅 {given} 个工作日（须至少提前 {notice} 个），本次服务视为已使用。", $"Cancelled only {given} working days ahead (at least {notice} required); the use counts as taken.",
                $"现在取消，本次服务将视为已使用，因为距预约仅 {given} 个工作日（须至少提前 {notice} 个工作日取消）。",
                $"Cancelling now counts the use as taken, because the appointment is only {given} working days away (at least {notice} required)."),
        };
    }

    /// <summary>Gene testing counts as used only once the sample is taken (C 739-741): the catalogue's quotaConsumedWhen says so.</summary>
    public static bool UsedOnlyWhenSampled(ServiceDefinition? service) => (service?.QuotaConsumedWhen ?? []).Contains("sample-taken");

    /// <summary>
    /// The reminder sent on the last day a cancellation still gives the notice the service asks for. It says what
    /// <see cref="Judge"/> will do, so the reminder and the rule agree: a late cancellation counts as used, except for a
    /// service that counts as used only once sampled, where the notice is asked for but cancelling before sampling still
    /// gives the use back.
    /// </summary>
    public static (string Zh, string En) DeadlineReminder(ServiceDefinition? service, DateTimeOffset appointmentLocal, int noticeWorkingDays) =>
        UsedOnlyWhenSampled(service)
            ? ($"如需取消或改期 {appointmentLocal:MM月dd日} 的采样，请在今天内告知（须提前 {noticeWorkingDays} 个工作日）。采样前取消，服务次数将退回；成功采样后即视为服务已完成。",
               $"To cancel or move your sampling on {appointmentLocal:yyyy-MM-dd}, tell us today ({noticeWorkingDays} working days' notice). Cancelling before the sample is taken gives the use back; once sampled, the service counts as done.")
            : ($"如需取消 {appointmentLocal:MM月dd日} 的预约，请在今天内取消（须提前 {noticeWorkingDays} 个工作日），逾期取消将视为已使用服务。",
               $"To cancel your appointment on {appointmentLocal:yyyy-MM-dd} and keep the use, cancel today ({noticeWorkingDays} working days' notice needed).");
}
