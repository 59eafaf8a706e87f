/**
 * prompt=login (OIDC Core §3.1.2.1, honoured by the authorization endpoint): Mandate drops its own
 * session and asks the upstream IdP to authenticate the user again, rather than letting the IdP
 * silently reuse its session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP, startTestService, type TestService } from '../../helpers/service.js';
import { pkce, PUBLIC_CLIENT, RESOURCES } from '../../helpers/browser.js';

describe('prompt=login', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES });
  });
  afterAll(async () => svc?.close());

  async function idpRedirect(prompt?: string): Promise<URL> {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: PUBLIC_CLIENT.client_id,
      redirect_uri: 'http://127.0.0.1/callback',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      resource: MCP.salesforce,
      scope: 'crm.read',
      state: 's',
      ...(prompt === undefined ? {} : { prompt }),
    });
    const res = await fetch(`${svc.issuer}/authorize?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location') ?? '');
  }

  it('is passed on to the identity provider', async () => {
    const location = await idpRedirect('login');
    expect(location.pathname).toMatch(/dev-idp/);
    expect(location.searchParams.get('prompt')).toBe('login');
  });

  it('is not sent when the client did not ask for it', async () => {
    const location = await idpRedirect();
    expect(location.pathname).toMatch(/dev-idp/);
    expect(location.searchParams.has('prompt')).toBe(false);
  });
});
