/** The consent and error pages of the authorization endpoint. */
import type { ConsentView } from '../oauth/authorize/authorization-endpoint.js';
import { esc, page } from './html.js';

export function consentPage(v: ConsentView, action: string): string {
  const scopes =
    v.scopes.length === 0
      ? '<p class="muted">No specific permissions: only that you are signed in.</p>'
      : `<ul class="scopes">${v.scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ul>`;
  return page(
    'Allow access',
    `<h1>Allow <strong>${esc(v.clientName)}</strong> to use ${esc(v.resourceName)} as you?</h1>
<p class="muted">Signed in as ${esc(v.user)}.</p>
<dl>
<dt>Application</dt><dd>${esc(v.clientName)} <span class="muted">(${esc(v.clientId)})</span></dd>
<dt>Returns to</dt><dd>${esc(v.redirectHost)}</dd>
<dt>MCP server</dt><dd>${esc(v.resourceName)} <span class="muted">${esc(v.resource)}</span></dd>
</dl>
<p>It will be allowed to:</p>
${scopes}
<form method="post" action="${esc(action)}">
<input type="hidden" name="request" value="${esc(v.request)}">
<input type="hidden" name="csrf" value="${esc(v.csrf)}">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="primary">Allow</button>
</div>
</form>`,
  );
}

export function errorPage(error: string, description: string): string {
  return page(
    'Something went wrong',
    `<h1>This request cannot be completed</h1>
<p class="error" role="alert">${esc(description)}</p>
<p class="muted">Error code: <code>${esc(error)}</code>. Return to the application and try again; if it keeps happening, contact your administrator.</p>`,
  );
}
