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
    const status = document.getElementById('studio-status');
    const fail = message => { status.textContent = message; status.classList.add('error'); document.body.dataset.studio = 'failed'; };
    const query = new URLSearchParams(location.search);
    const view = views[query.get('view') || 'definitions'];
    if (!view) return fail(`Unknown view '${query.get('view')}'.`);

    const tokenResponse = await fetch('/api/auth/session-token', { method: 'POST', credentials: 'same-origin' });
    if (!tokenResponse.ok) return fail(tokenResponse.status === 403 ? 'Your role may not open Elsa Studio.' : 'Please sign in again.');
    const { accessToken } = await tokenResponse.json();

    await Blazor.start();
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
