namespace Workflows.Web.Studio;

/// <summary>What a shell page asks Elsa Studio to show: a view of studio-host.js (definitions, editor, instances, viewer) and its id.</summary>
public sealed record StudioView(string View, string? Id, string Title);

/// <summary>
/// One Elsa Studio per browser tab (per circuit): the shell's layout keeps a single Studio frame mounted across the shell's
/// navigations (<c>Components/Layout/StudioDock.razor</c>), so Studio's WebAssembly runtime starts once; a Studio page asks
/// for its view here (<c>StudioFrame.razor</c>) and the frame switches to it inside the running Studio instead of loading
/// Studio again. Pages that show no Studio view leave it hidden (and empty: no Studio component runs, nothing polls).
/// </summary>
public sealed class StudioDock
{
    private object? _lease;

    /// <summary>The view on screen, or null when the page shows no Studio.</summary>
    public StudioView? Current { get; private set; }

    /// <summary>Raised when <see cref="Current"/> changes.</summary>
    public event Action? Changed;

    /// <summary>Shows <paramref name="view"/>; returns the lease to give back with <see cref="Release"/> when the page goes.</summary>
    public object Show(StudioView view)
    {
        _lease = new object();
        if (Current != view)
        {
            Current = view;
            Changed?.Invoke();
        }
        return _lease;
    }

    /// <summary>
    /// The page that holds <paramref name="lease"/> is gone: hide Studio, unless another page has asked for a view since
    /// (Blazor disposes the page left after it has set up the page arrived at).
    /// </summary>
    public void Release(object lease)
    {
        if (!ReferenceEquals(lease, _lease)) return;
        _lease = null;
        Current = null;
        Changed?.Invoke();
    }
}
