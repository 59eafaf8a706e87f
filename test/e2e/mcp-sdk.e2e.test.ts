/**
 * The reference client, unmodified: the MCP TypeScript SDK's `auth()` runs discovery (RFC 9728 then
 * RFC 8414), registration (RFC 7591, or a Client ID Metadata Document), the authorization code flow
 * with PKCE and the refresh grant against a real Mandate; the user signs in at the development IdP
 * and consents through a headless fetch "browser" (test/helpers/mcp-sdk-client.ts). The error codes
 * the SDK acts on are in test/e2e/mcp-sdk-errors.e2e.test.ts.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { MemoryProvider, useSdkStack } from '../helpers/mcp-sdk-client.js';
import { form, MCP } from '../helpers/service.js';

describe('MCP TypeScript SDK against Mandate', () => {
  const s = useSdkStack();

  it('DCR: discovery → registration → authorization → token → refresh', async () => {
    const provider = new MemoryProvider();
    await s.connect(provider);
    const clientId = String(provider.info?.client_id);
    const row = await s.svc.db.db.query('SELECT source FROM clients WHERE client_id = $1', [clientId]);
    expect(row.rows).toEqual([{ source: 'dynamic' }]);
    const first = provider.saved;
    expect(first?.token_type).toMatch(/^bearer$/i);
    expect(decodeJwt(String(first?.access_token))).toMatchObject({
      iss: s.svc.issuer,
      sub: 'alice',
      aud: MCP.salesforce,
      client_id: clientId,
      scope: 'crm.read',
    });
    expect(first?.refresh_token).toBeTruthy();

    // A second auth() with stored tokens refreshes (rotation: a new refresh token).
    expect(await s.run(provider)).toBe('AUTHORIZED');
    expect(provider.saved?.access_token).not.toBe(first?.access_token);
    expect(provider.saved?.refresh_token).toBeTruthy();
    expect(provider.saved?.refresh_token).not.toBe(first?.refresh_token);
    expect(provider.invalidated).toEqual([]);
  });

  it('CIMD: the client_id is the document URL; no registration request', async () => {
    const url = s.docs.url('/sdk/client.json');
    const provider = new MemoryProvider(url);
    s.docs.route('/sdk/client.json', { body: { client_id: url, ...provider.clientMetadata } });
    const before = await s.svc.db.db.query("SELECT count(*)::int AS n FROM clients WHERE source = 'dynamic'");
    await s.connect(provider);
    expect(provider.info?.client_id).toBe(url);
    expect(decodeJwt(String(provider.saved?.access_token))).toMatchObject({ client_id: url, sub: 'alice' });
    const after = await s.svc.db.db.query("SELECT count(*)::int AS n FROM clients WHERE source = 'dynamic'");
    expect(after.rows).toEqual(before.rows);
    expect(await s.run(provider)).toBe('AUTHORIZED');
  });

  it('a confidential DCR client (client_secret_basic) refreshes, and introspects its refresh token', async () => {
    const provider = new MemoryProvider(undefined, 'client_secret_basic');
    await s.connect(provider);
    const id = String(provider.info?.client_id);
    const secret = String((provider.info as { client_secret?: string }).client_secret);
    const introspect = async (token: string) =>
      (await (
        await fetch(`${s.svc.issuer}/introspect`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
          },
          body: form({ token, token_type_hint: 'refresh_token' }),
        })
      ).json()) as Record<string, unknown>;
    const first = String(provider.saved?.refresh_token);
    expect(await introspect(first)).toMatchObject({
      active: true,
      client_id: id,
      sub: 'alice',
      aud: MCP.salesforce,
      scope: 'crm.read',
      iss: s.svc.issuer,
    });
    expect(await s.run(provider)).toBe('AUTHORIZED');
    // Rotated: the old refresh token is no longer active, its successor is.
    expect(await introspect(first)).toEqual({ active: false });
    expect(await introspect(String(provider.saved?.refresh_token))).toMatchObject({ active: true });
  });

  it('a CIMD client cannot use a redirect URI its document does not list (error page, no redirect)', async () => {
    const url = s.docs.url('/sdk/narrow.json');
    s.docs.route('/sdk/narrow.json', {
      body: { client_id: url, redirect_uris: ['http://127.0.0.1:47113/only-this'] },
    });
    const res = await fetch(
      `${s.svc.issuer}/authorize?${form({
        client_id: url,
        redirect_uri: 'https://attacker.example/cb',
        response_type: 'code',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        resource: MCP.salesforce,
        state: 's',
      })}`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri is not registered for this client');
  });
});
