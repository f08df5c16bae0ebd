// Keyboard shortcuts of the staff workspace (inbox, board, COC): one document listener per screen, reporting to .NET.
//   j / k      next / previous task in the list (not while typing in a field)
//   Enter      open the selected task (when the list has the focus)
//   c          claim the open task (not while typing)
//   x          tick / untick the focused task for a bulk claim or release (inbox)
//   Ctrl+Enter complete the open task with its form (also from inside a field)
//   Esc        close the open task (unless a picker's list is open: then Esc closes that list first)
window.workspaceKeys = {
  attach(dotnet, listSelector) {
    const typing = t => t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    const handler = e => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        // A field's last keystroke must reach the server before the completion does.
        if (typing(e.target)) e.target.dispatchEvent(new Event('change', { bubbles: true }));
        setTimeout(() => dotnet.invokeMethodAsync('OnShortcut', 'complete'), 0);
        return;
      }
      if (e.key === 'Escape') {
        if (document.querySelector('.mud-popover-open')) return;
        dotnet.invokeMethodAsync('OnShortcut', 'close');
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const inList = e.target && e.target.closest && e.target.closest(listSelector);
      if (e.key === 'j' || e.key === 'k') {
        e.preventDefault();
        dotnet.invokeMethodAsync('OnShortcut', e.key === 'j' ? 'next' : 'previous');
      } else if (e.key === 'x') {
        e.preventDefault();
        dotnet.invokeMethodAsync('OnShortcut', 'toggle');
      } else if (e.key === 'c') {
        e.preventDefault();
        dotnet.invokeMethodAsync('OnShortcut', 'claim');
      } else if (e.key === 'Enter' && (inList || e.target === document.body)) {
        e.preventDefault();
        dotnet.invokeMethodAsync('OnShortcut', 'open');
      }
    };
    document.addEventListener('keydown', handler);
    return { dispose: () => document.removeEventListener('keydown', handler) };
  },
  focus(selector) {
    const el = document.querySelector(selector);
    if (!el) return false;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: 'nearest' });
    return true;
  },
  // The first field of the open task's form (after a claim from the keyboard).
  focusForm(paneSelector) {
    const el = document.querySelector(paneSelector + ' .task-form input:not([disabled]), ' + paneSelector + ' .task-form textarea');
    if (el) { el.focus(); return true; }
    return false;
  }
};
