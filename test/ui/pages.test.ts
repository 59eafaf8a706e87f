// The consent and error pages: what the person is asked (client, where it returns, MCP server,
// each scope), the form posting the sealed request and CSRF token with a deny and an allow button,
// and every value encoded so that a hostile client name cannot inject markup.
import { describe, expect, it } from 'vitest';
import type { ConsentView } from '../../src/oauth/authorize/authorization-endpoint.js';
import { consentPage, errorPage } from '../../src/ui/pages.js';

const view: ConsentView = {
  clientName: 'Claude <Desktop>',
  clientId: 'https://claude.example/client.json',
  redirectHost: '127.0.0.1:4000',
  resourceName: 'Salesforce MCP',
  resource: 'https://mcp.salesforce.example/mcp',
  scopes: ['crm.read', 'crm.write'],
  user: 'alice@example.com',
  request: 'sealed"request',
  csrf: 'csrf-token',
};

describe('consentPage', () => {
  const html = consentPage(view, '/consent?x=1&y=2');

  it('says who asks, where it returns, for which server and which scopes', () => {
    expect(html).toContain('Allow <strong>Claude &lt;Desktop&gt;</strong> to use Salesforce MCP as you?');
    expect(html).toContain('Signed in as alice@example.com.');
    expect(html).toContain('<dt>Returns to</dt><dd>127.0.0.1:4000</dd>');
    expect(html).toContain('(https://claude.example/client.json)');
    expect(html).toContain('<li><code>crm.read</code></li><li><code>crm.write</code></li>');
    expect(html).not.toContain('<Desktop>');
  });

  it('posts the sealed request and CSRF token to the action, with deny and allow', () => {
    expect(html).toContain('<form method="post" action="/consent?x=1&amp;y=2">');
    expect(html).toContain('<input type="hidden" name="request" value="sealed&quot;request">');
    expect(html).toContain('<input type="hidden" name="csrf" value="csrf-token">');
    expect(html).toContain('<button type="submit" name="decision" value="deny">Deny</button>');
    expect(html).toContain(
      '<button type="submit" name="decision" value="approve" class="primary">Allow</button>',
    );
  });

  it('says so when no scope is asked for', () => {
    const none = consentPage({ ...view, scopes: [] }, '/consent');
    expect(none).toContain('No specific permissions: only that you are signed in.');
    expect(none).not.toContain('<ul class="scopes">');
  });
});

describe('errorPage', () => {
  it('shows the description as an alert and the error code, both encoded', () => {
    const html = errorPage('invalid_request', 'redirect_uri <script>alert(1)</script> is not registered');
    expect(html).toContain(
      '<p class="error" role="alert">redirect_uri &lt;script&gt;alert(1)&lt;/script&gt; is not registered</p>',
    );
    expect(html).toContain('Error code: <code>invalid_request</code>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<title>Something went wrong · Mandate</title>');
  });
});
