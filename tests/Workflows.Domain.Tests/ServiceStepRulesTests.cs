using Workflows.Domain.Activities;
using Workflows.Domain.Calendar;
using Workflows.Domain.Catalogue;
using Workflows.Domain.Eligibility;

namespace Workflows.Domain.Tests;

/// <summary>The rules of the services that are not appointments that live in code beside the flows: reminders that agree with the cancellation rule, and limits read from the catalogue.</summary>
public sealed class ServiceStepRulesTests
{
    private static readonly BusinessCalendar Calendar = BusinessCalendar.Default;
    private static ServiceDefinition Service(string code) => ServiceCatalogue.Default.TryGet(code, out var s) ? s : throw new InvalidOperationException(code);

    public static TheoryData<string> ServicesWithANoticeRule() =>
        [.. ServiceCatalogue.Default.Services.Where(s => s.CancellationNoticeWorkingDays is not null).Select(s => s.Code)];

    /// <summary>The day after the last timely day, a cancellation is late: the reminder must have said what that late cancellation does.</summary>
    [Theory]
    [MemberData(nameof(ServicesWithANoticeRule))]
    public void The_cancellation_deadline_reminder_says_what_a_late_cancellation_will_do(string code)
    {
        var service = Service(code);
        var notice = service.CancellationNoticeWorkingDays!.Value;
        var appointment = new DateOnly(2026, 6, 12);
        var late = CancellationNotice.Judge(service, appointment, appointment, Calendar);
        var (zh, _) = CancellationNotice.DeadlineReminder(service, BusinessCalendar.At(appointment, new TimeOnly(9, 30)), notice);
        Assert.Equal(!late.QuotaRestored, zh.Contains("逾期取消将视为已使用"));
        Assert.Equal(late.QuotaRestored, zh.Contains("服务次数将退回"));
    }

    [Fact]
    public void A_use_already_taken_is_not_given_back_by_cancelling_and_the_words_say_why()
    {
        var gene = CancellationNotice.Judge(Service("cpic-recurrence-genetic-testing"), new DateOnly(2026, 6, 12), new DateOnly(2026, 6, 12), Calendar, useTaken: true);
        Assert.False(gene.QuotaRestored);
        Assert.Contains("已成功采样", gene.PreviewZh);
        var rehab = CancellationNotice.Judge(Service("cpic-post-recurrence-surgery-rehab"), new DateOnly(2026, 6, 12), null, Calendar, useTaken: true);
        Assert.False(rehab.QuotaRestored);
        Assert.Contains("本次服务已使用", rehab.ExplanationZh);
    }

    [Fact]
    public void Session_limits_and_the_rehab_days_come_from_the_catalogue_unless_the_designer_sets_them()
    {
        Assert.Equal((null, 50), new PhoneSession { DurationSla = "session-max-duration" }.Limits(Service("cpic-oncology-psychological-counselling")));
        Assert.Equal((20, 30), new PhoneSession { DurationSla = "report-interpretation-duration" }.Limits(Service("cpic-recurrence-genetic-testing")));
        Assert.Equal((20, 45), new PhoneSession { DurationSla = "report-interpretation-duration", MaxMinutes = 45 }.Limits(Service("cpic-recurrence-genetic-testing")));
        Assert.Equal(5, new RecordDischarge().Days(Service("cpic-post-recurrence-surgery-rehab")));
        Assert.Equal(7, new RecordDischarge { DaysAfterDischarge = 7 }.Days(Service("cpic-post-recurrence-surgery-rehab")));
    }
}
