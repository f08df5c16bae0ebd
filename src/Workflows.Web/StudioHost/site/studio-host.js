// Shows one Elsa Studio element at a time, the view the back-office shell asks for:
//   definitions | editor (id: definitionId) | instances | viewer (id: instanceId)
// First from the query string (?view=editor&id=…), then, framed in the shell, by message: the shell keeps this page and
// its WebAssembly runtime alive across its own navigations (wwwroot/studio-dock.js) and only asks for another view, which
// replaces the element here: Studio starts once per tab. Each new element gets a fresh bearer token of the signed-in user
// from the back office (the session cookie proves who they are) as access-token; the element calls /elsa/api with it.
(async () => {
    const views = {
        definitions: { tag: 'elsa-workflow-definition-list', open: 'editWorkflowDefinition', to: id => `/workflows/${encodeURIComponent(id)}` },
        editor: { tag: 'elsa-workflow-definition-editor', idAttribute: 'definition-id' },
        instances: { tag: 'elsa-workflow-instance-list', open: 'viewWorkflowInstance', to: id => `/instances/${encodeURIComponent(id)}` },
        viewer: { tag: 'elsa-workflow-instance-viewer', idAttribute: 'instance-id' },
    };
    const framed = window.parent !== window;
    // A shell page: framed, the shell moves there within its own page (this frame stays); alone, this page goes there.
    // Framed, Studio also switches to that page's view at once rather than after the shell's round trip through its
    // server; the shell's own request follows and wins (it is the same view, or none if the shell refused the page).
    const shellViews = [[/^\/workflows\/([^/?#]+)$/, 'editor'], [/^\/instances\/([^/?#]+)$/, 'viewer']];
    const openInShell = to => {
        if (!framed) { location.href = to; return; }
        window.parent.postMessage({ type: 'studio:navigate', to }, location.origin);
        for (const [pattern, view] of shellViews) {
            const match = pattern.exec(to);
            if (match && started) { wanted = { view, id: decodeURIComponent(match[1]) }; render().catch(failed); }
        }
    };
    // Studio links to its own pages ("workflows/instances/{id}/view" after Run, "workflows/definitions/{id}/edit" from the
    // viewer); the shell has those pages, so such a navigation opens the shell's page instead. Framed, Studio's other
    // address changes (the lists' ?page=…) replace rather than add history entries: the browser's Back and Forward move
    // the shell, whose address says where the user is.
    const shellPages = [
        [/\/studio\/workflows\/instances\/([^/?#]+)\/view/, id => `/instances/${id}`],
        [/\/studio\/workflows\/definitions\/([^/?#]+)\/edit/, id => `/workflows/${id}`],
    ];
    const replaceState = history.replaceState.bind(history);
    for (const method of ['pushState', 'replaceState']) {
        const original = history[method].bind(history);
        history[method] = (state, title, url) => {
            const path = url ? new URL(url, document.baseURI).pathname : '';
            for (const [pattern, to] of shellPages) {
                const match = pattern.exec(path);
                if (match) { openInShell(to(match[1])); return; }
            }
            (framed ? replaceState : original)(state, title, url);
        };
    }
    defineEditorHotkeys(() => shown?.view);
    explainRefusals();

    const status = document.getElementById('studio-status');
    const root = document.getElementById('studio-root');
    const say = (message, failed) => {
        status.textContent = message;
        status.classList.toggle('error', !!failed);
        status.hidden = false;
        if (failed) document.body.dataset.studio = 'failed';
    };
    const query = new URLSearchParams(location.search);
    let wanted = { view: query.get('view') || 'definitions', id: query.get('id') };
    let shown = null;      // the view whose element is on the page (or being put there)
    let generation = 0;    // a newer request wins over one still waiting for its token
    let started = false;
    // A bearer token of the signed-in user, reused while it has more than a minute left (each view's element gets one).
    let token = null; // { accessToken, until }
    const fetchToken = async () => {
        const response = await fetch('/api/auth/session-token', { method: 'POST', credentials: 'same-origin' });
        if (!response.ok) return { failed: response.status };
        const { accessToken, expiresIn } = await response.json();
        return { accessToken, until: Date.now() + ((expiresIn || 0) - 60) * 1000 };
    };
    // The WebAssembly runtime starts while the first token is fetched (it needs no token to start).
    let firstToken = fetchToken();

    let element = null;             // the Studio element on the page
    let leaving = Promise.resolve(); // the disposal of the elements taken off the page

    // Takes Studio's element off the page and disposes its Blazor component now. Left to itself, the custom element is
    // disposed a second after it leaves the page; a new element within that second would meet the old one's MudBlazor
    // providers still there ("There is already a subscriber to the content with the given section ID
    // 'mud-overlay-to-popover-provider'"). The promise of its root component is the custom element's own
    // (Microsoft.AspNetCore.Components.CustomElements); without it, wait out Blazor's second.
    function takeOff(old) {
        old.remove();
        leaving = leaving.then(async () => {
            const component = await old._addRootComponentPromise;
            if (component) await component.dispose();
            else await new Promise(resolve => setTimeout(resolve, 1100));
        }).catch(e => console.warn('Disposing a Studio view failed', e));
    }

    async function render() {
        if (shown && shown.view === wanted.view && shown.id === wanted.id) return;
        const request = shown = { ...wanted };
        const ticket = ++generation;
        // The element leaving the page is disposed (its polling and requests stop); the runtime stays.
        if (element) { takeOff(element); element = null; }
        document.body.dataset.studioView = request.view || 'none';
        if (!request.view) { status.hidden = true; document.body.dataset.studio = 'idle'; return; }
        const view = views[request.view];
        if (!view) return say(`Unknown view '${request.view}'.`, true);
        document.body.dataset.studio = 'loading';
        say('正在打开 Elsa Studio… · Loading Elsa Studio…');
        if (firstToken) { token = await firstToken; firstToken = null; }
        if (!token || token.failed || Date.now() > token.until) token = await fetchToken();
        if (ticket !== generation) return;
        if (token.failed) {
            const refused = token.failed;
            token = null;
            return say(refused === 403 ? 'Your role may not open Elsa Studio.' : '请重新登录 · Please sign in again.', true);
        }
        const { accessToken } = token;
        await customElements.whenDefined(view.tag);
        await leaving;
        if (ticket !== generation) return;
        const created = document.createElement(view.tag);
        created.setAttribute('remote-endpoint', `${location.origin}/elsa/api`);
        created.setAttribute('access-token', accessToken);
        if (view.idAttribute) created.setAttribute(view.idAttribute, request.id || '');
        // Opening an item opens the shell's page for it, so the address and the history show where the user is.
        if (view.open) created[view.open] = id => { openInShell(view.to(id)); };
        status.hidden = true;
        root.appendChild(created);
        element = created;
        document.body.dataset.studio = 'started';
    }

    // The shell (same origin, our parent only) asks for another view.
    window.addEventListener('message', e => {
        if (e.source !== window.parent || e.origin !== location.origin || e.data?.type !== 'studio:show') return;
        wanted = { view: e.data.view || null, id: e.data.id || null };
        if (started) render().catch(failed);
    });
    if (framed) window.parent.postMessage({ type: 'studio:ready' }, location.origin);

    await Blazor.start();
    started = true;
    await render();
})().catch(failed);

function failed(e) {
    const status = document.getElementById('studio-status');
    if (status) { status.textContent = `Elsa Studio could not start: ${e.message}`; status.classList.add('error'); status.hidden = false; }
    document.body.dataset.studio = 'failed';
}

// Studio's designer and instance list call window.editorHotkeys.register(dotNetRef) / dispose() for their keyboard shortcuts
// and expect the page to define it (Studio's own markup carries it as an inline script, which a page does not run, and our
// Content-Security-Policy forbids). Without it each editor rendered with an unhandled error. The editor answers
// OnHotKeysCtrlS (save) and OnHotKeysCtrlShiftS (save as), the instance list OnHotKeysCtrlR (refresh).
function defineEditorHotkeys(currentView) {
    // One handler per registered component (a new view can register before the one it replaced is disposed).
    const handlers = new Map();
    const keyOf = ref => ref && ref._id !== undefined ? ref._id : ref;
    window.editorHotkeys = {
        register(dotNetRef) {
            this.dispose(dotNetRef);
            const view = currentView();
            const handler = e => {
                if (!(e.ctrlKey || e.metaKey)) return;
                const key = e.key.toLowerCase();
                let method = null;
                if (view === 'editor' && key === 's') method = e.shiftKey ? 'OnHotKeysCtrlShiftS' : 'OnHotKeysCtrlS';
                else if (view === 'instances' && key === 'r' && !e.shiftKey) method = 'OnHotKeysCtrlR';
                if (!method) return;
                e.preventDefault();
                dotNetRef.invokeMethodAsync(method).catch(err => console.warn('Studio shortcut failed', err));
            };
            handlers.set(keyOf(dotNetRef), handler);
            window.addEventListener('keydown', handler);
        },
        dispose(dotNetRef) {
            const key = keyOf(dotNetRef);
            const handler = handlers.get(key);
            if (handler) window.removeEventListener('keydown', handler);
            handlers.delete(key);
        },
    };
}

// Studio says nothing, or only "The workflow cannot be started", when the back office refuses its Run (▶) or a bulk action
// of the workflow list. Studio's requests go through the page's fetch, so the host page watches those answers and shows the
// back office's reason (the problem's errors, or the workflows a bulk action left alone) in a notice over Studio.
function explainRefusals() {
    const watched = [
        [/\/elsa\/api\/workflow-definitions\/[^/]+\/execute$/, '无法启动 · The workflow cannot be started'],
        [/\/elsa\/api\/bulk-actions\//, '批量操作未完成 · The bulk action was not done'],
    ];
    const original = window.fetch.bind(window);
    window.fetch = async (input, init) => {
        const response = await original(input, init);
        try {
            const url = new URL(typeof input === 'string' ? input : input.url, location.href);
            const match = watched.find(([pattern]) => pattern.test(url.pathname));
            if (match) {
                const reasons = await reasonsOf(response.clone());
                if (reasons.length > 0) notice(match[1], reasons);
            }
        } catch (e) { console.warn('Could not read the refusal', e); }
        return response;
    };
}

async function reasonsOf(response) {
    const body = await response.text();
    let json = null;
    try { json = body ? JSON.parse(body) : null; } catch { json = null; }
    if (response.ok) // a bulk action done in part: what it left alone
        return (json?.refused ?? []).map(r => `${r.definitionId}: ${r.messages.join(' ')}`);
    if (json?.errors) return Object.values(json.errors).flat();
    if (json?.detail) return [json.detail];
    if (response.status === 403) return ['您的角色不能执行此操作 · Your role may not do this (starting cases is for case managers and administrators).'];
    if (response.status === 401) return ['请重新登录 · Please sign in again.'];
    return [`${response.status} ${response.statusText}`];
}

function notice(title, reasons) {
    let box = document.getElementById('studio-notice');
    if (!box) {
        box = document.createElement('div');
        box.id = 'studio-notice';
        box.setAttribute('role', 'alert');
        document.body.appendChild(box);
    }
    box.replaceChildren();
    const heading = document.createElement('strong');
    heading.textContent = title;
    const list = document.createElement('ul');
    for (const reason of reasons) {
        const item = document.createElement('li');
        item.textContent = reason;
        list.appendChild(item);
    }
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = '关闭 · Close';
    close.addEventListener('click', () => box.remove());
    box.append(heading, list, close);
    close.focus();
}
