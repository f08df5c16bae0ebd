// Puts one Elsa Studio element on the page, as the back-office shell asks through the query string:
//   ?view=definitions | editor&id=<definitionId> | instances | viewer&id=<instanceId>
// The signed-in user's bearer token comes from the back office (the session cookie proves who they are) and is passed
// to the element as access-token; the element calls /elsa/api with it.
(async () => {
    const views = {
        definitions: { tag: 'elsa-workflow-definition-list', open: 'editWorkflowDefinition', to: id => `/workflows/${encodeURIComponent(id)}` },
        editor: { tag: 'elsa-workflow-definition-editor', idAttribute: 'definition-id' },
        instances: { tag: 'elsa-workflow-instance-list', open: 'viewWorkflowInstance', to: id => `/instances/${encodeURIComponent(id)}` },
        viewer: { tag: 'elsa-workflow-instance-viewer', idAttribute: 'instance-id' },
    };
    // Studio links to its own pages ("workflows/instances/{id}/view" after Run, "workflows/definitions/{id}/edit" from the
    // viewer); the shell has those pages, so such a navigation moves the whole shell there instead.
    const shellPages = [
        [/\/studio\/workflows\/instances\/([^/?#]+)\/view/, id => `/instances/${id}`],
        [/\/studio\/workflows\/definitions\/([^/?#]+)\/edit/, id => `/workflows/${id}`],
    ];
    for (const method of ['pushState', 'replaceState']) {
        const original = history[method].bind(history);
        history[method] = (state, title, url) => {
            const path = url ? new URL(url, document.baseURI).pathname : '';
            for (const [pattern, to] of shellPages) {
                const match = pattern.exec(path);
                if (match) { window.top.location.href = to(match[1]); return; }
            }
            original(state, title, url);
        };
    }
    explainRefusals();
    const status = document.getElementById('studio-status');
    const fail = message => { status.textContent = message; status.classList.add('error'); document.body.dataset.studio = 'failed'; };
    const query = new URLSearchParams(location.search);
    const view = views[query.get('view') || 'definitions'];
    if (!view) return fail(`Unknown view '${query.get('view')}'.`);

    // The WebAssembly runtime starts while the token is fetched (it needs no token to start).
    const [tokenResponse] = await Promise.all([
        fetch('/api/auth/session-token', { method: 'POST', credentials: 'same-origin' }),
        Blazor.start(),
    ]);
    if (!tokenResponse.ok) return fail(tokenResponse.status === 403 ? 'Your role may not open Elsa Studio.' : 'Please sign in again.');
    const { accessToken } = await tokenResponse.json();

    await customElements.whenDefined(view.tag);
    const element = document.createElement(view.tag);
    element.setAttribute('remote-endpoint', `${location.origin}/elsa/api`);
    element.setAttribute('access-token', accessToken);
    if (view.idAttribute) element.setAttribute(view.idAttribute, query.get('id') || '');
    // Opening an item navigates the whole shell, so the browser's address and history show where the user is.
    if (view.open) element[view.open] = id => { window.top.location.href = view.to(id); };
    status.remove();
    document.getElementById('studio-root').appendChild(element);
    document.body.dataset.studio = 'started';
})().catch(e => {
    const status = document.getElementById('studio-status');
    if (status) { status.textContent = `Elsa Studio could not start: ${e.message}`; status.classList.add('error'); }
    document.body.dataset.studio = 'failed';
});

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
