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
    public static CancellationOutcome Judge(ServiceDefinition? service, DateOnly today, DateOnly? appointmentDay, BusinessCalendar calendar)
    {
        var notice = service?.CancellationNoticeWorkingDays;
        int? given = appointmentDay is { } day ? calendar.WorkingDaysBetween(today, day) : null;
        // The catalogue leaves quotaConsumedWhen out for some services (JSON null despite the default).
        var usedOnlyWhenSampled = (service?.QuotaConsumedWhen ?? []).Contains("sample-taken");
        var limited = service?.QuotaPerPolicyPeriod is not null;
        var restored = usedOnlyWhenSampled || given is null || notice is null || given >= notice;
        return (given, notice, restored) switch
        {
            _ when !limited => new(restored, notice, given,
                "申请已取消。", "Cancelled.",
                "本服务不限次数，现在取消不影响您以后再次申请。", "This service has no limit on uses; cancelling now does not affect later applications."),
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
}
