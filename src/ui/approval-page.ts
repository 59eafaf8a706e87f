/** The approval page (ADR 0014): who asks, for whom, for what, why; approve or deny with CSRF. */
import type { ApprovalView } from '../oauth/approvals/decide-approval.js';
import { esc, page } from './html.js';

const statusText: Record<ApprovalView['status'], string> = {
  pending: 'Waiting for a decision.',
  approved: 'Approved.',
  denied: 'Denied.',
  issued: 'Approved; the token has been issued.',
  expired: 'This request has expired.',
};

function list(items: string[]): string {
  return `<ul class="scopes">${items.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ul>`;
}

/** The page of one request; `csrf` and `action` make the form, shown only when the person may decide. */
export function approvalPage(v: ApprovalView, signedInAs: string, csrf: string, action: string): string {
  const tool =
    v.tool === undefined
      ? ''
      : `<dt>Tool</dt><dd><code>${esc(v.tool)}</code></dd>` +
        (v.arguments === undefined
          ? ''
          : `<dt>Arguments</dt><dd><code>${esc(JSON.stringify(v.arguments))}</code></dd>`);
  const form = v.mayDecide
    ? `<form method="post" action="${esc(action)}">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="approve" class="primary">Approve</button>
</div>
</form>`
    : `<p class="muted" role="status">${esc(statusText[v.status])}${v.status === 'pending' ? ' You are not an approver of this request.' : ''}</p>`;
  return page(
    'Approve a request',
    `<h1>${esc(v.bindingMessage)}</h1>
<p class="muted">Signed in as ${esc(signedInAs)}.</p>
<dl>
<dt>On behalf of</dt><dd>${esc(v.subject)}</dd>
<dt>MCP server</dt><dd>${esc(v.client)}</dd>
${v.agents.length === 0 ? '' : `<dt>Agent</dt><dd>${v.agents.map(esc).join(' → ')}</dd>`}
<dt>Service</dt><dd>${esc(v.service)}</dd>
${tool}
${v.clientBindingMessage === undefined ? '' : `<dt>Its message</dt><dd>${esc(v.clientBindingMessage)}</dd>`}
</dl>
<p>It asks for:</p>
${list(v.scopes)}
${v.reasons.length === 0 ? '' : `<p class="muted">Policy: ${v.reasons.map(esc).join('; ')}</p>`}
${form}`,
  );
}

/** After a decision: what was done. */
export function approvalDonePage(outcome: 'approved' | 'denied'): string {
  return page(
    outcome === 'approved' ? 'Approved' : 'Denied',
    `<h1>${outcome === 'approved' ? 'Approved' : 'Denied'}</h1>
<p role="status">${outcome === 'approved' ? 'The request is approved; the agent can continue.' : 'The request is denied; the agent is told so.'}</p>`,
  );
}
