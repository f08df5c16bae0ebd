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
