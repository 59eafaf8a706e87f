import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, MCP, startTestService, type TestService } from '../../helpers/service.js';
import { authorizeUrl, Browser, drive, pkce, PUBLIC_CLIENT, RESOURCES } from '../../helpers/browser.js';

describe('first hop through the development IdP (headless, real HTTP)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES });
  });
  afterAll(async () => svc?.close());

  it('alice logs in, consents, and the client gets a Salesforce MCP token with her groups, then refreshes', async () => {
    const browser = new Browser();
    const p = pkce();
    const redirect = 'http://127.0.0.1:53111/callback';
    const start = authorizeUrl(svc.issuer, {
      response_type: 'code',
      client_id: PUBLIC_CLIENT.client_id,
      redirect_uri: redirect,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      resource: MCP.salesforce,
      scope: 'crm.read',
      state: 'st-123',
    });
    const { location, pages } = await drive(browser, start, redirect, { user: 'alice', consent: 'approve' });
    expect(
      pages.some((pg) => pg.body.includes('Test MCP Client') && pg.body.includes('Salesforce MCP')),
    ).toBe(true);
    expect(location.searchParams.get('state')).toBe('st-123');
    expect(location.searchParams.get('iss')).toBe(svc.issuer);
    const code = location.searchParams.get('code')!;

    const res = await fetch(svc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({
        grant_type: 'authorization_code',
        client_id: PUBLIC_CLIENT.client_id,
        code,
        code_verifier: p.verifier,
        redirect_uri: redirect,
        resource: MCP.salesforce,
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'crm.read', expires_in: 300 });
    const jwks = createRemoteJWKSet(new URL(`${svc.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), jwks, {
      issuer: svc.issuer,
      audience: MCP.salesforce,
      typ: 'at+jwt',
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({
      sub: 'alice',
      client_id: PUBLIC_CLIENT.client_id,
      scope: 'crm.read',
      groups: ['sales'],
      department: 'Sales',
      email: 'alice@example.com',
    });

    // A second authorization reuses the session and the remembered consent: straight to the code.
    const again = await drive(
      browser,
      authorizeUrl(svc.issuer, {
        response_type: 'code',
        client_id: PUBLIC_CLIENT.client_id,
        redirect_uri: redirect,
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
        resource: MCP.salesforce,
        scope: 'crm.read',
      }),
      redirect,
    );
    expect(again.pages).toEqual([]);
    expect(again.location.searchParams.get('code')).toBeTruthy();

    const refreshed = await fetch(svc.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({
        grant_type: 'refresh_token',
        client_id: PUBLIC_CLIENT.client_id,
        refresh_token: String(body.refresh_token),
      }),
    });
    const rb = (await refreshed.json()) as Record<string, unknown>;
    expect(refreshed.status, JSON.stringify(rb)).toBe(200);
    expect(rb.refresh_token).not.toBe(body.refresh_token);
    expect(rb.scope).toBe('crm.read');
  });
});
