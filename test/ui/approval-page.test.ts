// The approval page (ADR 0014): who asks, for whom, through which agents, for which service, tool
// and arguments, and why; the form only for someone who may decide, else the request's status;
// every value encoded. And the page after a decision.
import { describe, expect, it } from 'vitest';
import type { ApprovalView } from '../../src/oauth/approvals/decide-approval.js';
import { approvalDonePage, approvalPage } from '../../src/ui/approval-page.js';

const view: ApprovalView = {
  id: 'a1',
  status: 'pending',
  bindingMessage: 'alice asks to <write> to the CRM',
  clientBindingMessage: 'ticket #42',
  subject: 'alice',
  client: 'mcp-salesforce',
  agents: ['planner', 'writer'],
  service: 'https://api.salesforce.example',
  scopes: ['crm.write'],
  tool: 'update_opportunity',
  arguments: { id: '006', amount: '<1M>' },
  reasons: ['writes need approval', 'amount > 100k'],
  expiresAt: 0,
  mayDecide: true,
};

describe('approvalPage', () => {
  const html = approvalPage(view, 'Alice A.', 'csrf-1', '/approvals/a1');

  it('names the request, the person, the chain of agents and the service', () => {
    expect(html).toContain('<h1>alice asks to &lt;write&gt; to the CRM</h1>');
    expect(html).toContain('Signed in as Alice A..');
    expect(html).toContain('<dt>On behalf of</dt><dd>alice</dd>');
    expect(html).toContain('<dt>MCP server</dt><dd>mcp-salesforce</dd>');
    expect(html).toContain('<dt>Agent</dt><dd>planner → writer</dd>');
    expect(html).toContain('<dt>Service</dt><dd>https://api.salesforce.example</dd>');
    expect(html).toContain('<dt>Its message</dt><dd>ticket #42</dd>');
    expect(html).toContain('<li><code>crm.write</code></li>');
  });

  it('shows the tool and its arguments as encoded JSON, and the policy reasons', () => {
    expect(html).toContain('<dt>Tool</dt><dd><code>update_opportunity</code></dd>');
    expect(html).toContain(
      '<dt>Arguments</dt><dd><code>{&quot;id&quot;:&quot;006&quot;,&quot;amount&quot;:&quot;&lt;1M&gt;&quot;}</code></dd>',
    );
    expect(html).toContain('Policy: writes need approval; amount &gt; 100k');
  });

  it('gives an approver the form with the CSRF token and both choices', () => {
    expect(html).toContain('<form method="post" action="/approvals/a1">');
    expect(html).toContain('<input type="hidden" name="csrf" value="csrf-1">');
    expect(html).toContain('value="deny">Deny</button>');
    expect(html).toContain('value="approve" class="primary">Approve</button>');
  });

  it('leaves out what the request does not have', () => {
    const bare = approvalPage(
      {
        ...view,
        agents: [],
        tool: undefined,
        arguments: undefined,
        clientBindingMessage: undefined,
        reasons: [],
      },
      'a',
      'c',
      '/x',
    );
    for (const absent of [
      '<dt>Agent</dt>',
      '<dt>Tool</dt>',
      '<dt>Arguments</dt>',
      '<dt>Its message</dt>',
      'Policy:',
    ])
      expect(bare).not.toContain(absent);
    const noArgs = approvalPage({ ...view, arguments: undefined }, 'a', 'c', '/x');
    expect(noArgs).toContain('<dt>Tool</dt>');
    expect(noArgs).not.toContain('<dt>Arguments</dt>');
  });

  it('shows someone who may not decide the status instead of the form', () => {
    const watcher = approvalPage({ ...view, mayDecide: false }, 'bob', 'c', '/x');
    expect(watcher).not.toContain('<form');
    expect(watcher).not.toContain('name="csrf"');
    expect(watcher).toContain('Waiting for a decision. You are not an approver of this request.');
    const cases = [
      ['approved', 'Approved.'],
      ['denied', 'Denied.'],
      ['issued', 'Approved; the token has been issued.'],
      ['expired', 'This request has expired.'],
    ] as const;
    for (const [status, text] of cases) {
      const p = approvalPage({ ...view, status, mayDecide: false }, 'bob', 'c', '/x');
      expect(p).toContain(`<p class="muted" role="status">${text}</p>`);
    }
  });
});

describe('approvalDonePage', () => {
  it('says what was decided', () => {
    expect(approvalDonePage('approved')).toContain('<h1>Approved</h1>');
    expect(approvalDonePage('approved')).toContain('the agent can continue');
    expect(approvalDonePage('denied')).toContain('<h1>Denied</h1>');
    expect(approvalDonePage('denied')).toContain('the agent is told so');
    expect(approvalDonePage('denied')).toContain('<title>Denied · Mandate</title>');
  });
});
