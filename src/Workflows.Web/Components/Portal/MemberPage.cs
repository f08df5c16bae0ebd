using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workflows.Domain.Calendar;

namespace Workflows.Web.Components.Portal;

/// <summary>A member portal page: the signed-in member (from the authentication state only), today's Asia/Shanghai date, the portal's words.</summary>
public abstract class MemberPage : ComponentBase
{
    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;
    [Inject] protected MemberPortal Portal { get; set; } = default!;
    [Inject] protected PortalText T { get; set; } = default!;
    [Inject] protected TimeProvider Clock { get; set; } = default!;
    [Inject] protected BusinessCalendar Calendar { get; set; } = default!;
    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    /// <summary>The signed-in member's user name: the only identity any query of the portal is made with.</summary>
    protected string Me { get; private set; } = "";

    /// <summary>
    /// Whether the page is live (its circuit connected). Forms and buttons are shown only then: what a member typed into the
    /// first, server-rendered copy of a page would be lost when it comes alive.
    /// </summary>
    protected bool Live => RendererInfo.IsInteractive;

    protected DateOnly Today => Calendar.LocalDate(Clock.GetUtcNow());

    protected override async Task OnInitializedAsync()
    {
        Me = (await AuthState).User.Identity?.Name ?? throw new InvalidOperationException("The member portal needs a signed-in member.");
        await LoadAsync();
    }

    protected virtual Task LoadAsync() => Task.CompletedTask;

    /// <summary>An instant in Asia/Shanghai with its weekday: 2026-12-03 周四 09:30.</summary>
    protected static string Time(DateTimeOffset at) => Display.TimeWithWeekday(at);

    protected string ServiceName(string zh, string en) => PortalText.Pick(zh, en);
}
