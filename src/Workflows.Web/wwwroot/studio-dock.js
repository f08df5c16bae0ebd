// The shell's side of the one Elsa Studio frame of this tab (Components/Layout/StudioDockFrame.razor; the frame's side is
// /studio/studio-host.js). Messages, same origin only:
//   shell -> Studio  { type: 'studio:show', view, id }   show this view (view null: none, the frame is hidden)
//   Studio -> shell  { type: 'studio:ready' }             Studio's page listens (sent again if the frame reloads)
//   Studio -> shell  { type: 'studio:navigate', to }      open a shell page (/workflows/{id}, /instances/{id}) in the shell
window.studioDock = (() => {
  let frame = null;
  let wanted = { view: null, id: null };
  let ready = false;
  let readyBeforeShown = null; // a frame that said ready before the shell told us about it
  const post = () => {
    if (frame && ready && frame.contentWindow)
      frame.contentWindow.postMessage({ type: 'studio:show', view: wanted.view, id: wanted.id }, location.origin);
  };
  window.addEventListener('message', e => {
    if (e.origin !== location.origin) return;
    const message = e.data || {};
    if (!frame || e.source !== frame.contentWindow) {
      if (message.type === 'studio:ready') readyBeforeShown = e.source;
      return;
    }
    if (message.type === 'studio:ready') {
      ready = true;
      post();
    } else if (message.type === 'studio:navigate' && typeof message.to === 'string' && /^\/(workflows|instances)(\/[^/?#]+)?$/.test(message.to)) {
      // Within the shell's circuit: the layout and with it the Studio frame stay.
      Blazor.navigateTo(message.to);
    }
  });
  return {
    show(element, view, id) {
      if (element !== frame) {
        frame = element;
        ready = readyBeforeShown !== null && element.contentWindow === readyBeforeShown;
        readyBeforeShown = null;
      }
      wanted = { view: view || null, id: id || null };
      post();
    },
  };
})();
