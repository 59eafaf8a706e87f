/**
 * The development IdP on its own HTTP server (real oidc-provider): discovery under <issuer>/dev-idp,
 * PKCE required, the sign-in interaction (wrong password → 401 with the username kept, wrong method
 * → 405, a foreign interaction id refused), and ID tokens carrying the demo user's claims.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevIdp, DEV_IDP_CLIENT_ID, type DevIdp } from '../../../src/federation/dev-idp/provider.js';
import { Browser, drive, formAction } from '../../helpers/browser.js';

let server: Server;
let idp: DevIdp;
let base: string;
let redirectUri: string;
const clientSecret = randomBytes(32).toString('base64url');

beforeAll(async () => {
  server = createServer((req, res) => void idp.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redirectUri = `${base}/login/callback`;
  idp = createDevIdp({
    mandateIssuer: base,
    clientSecret,
    cookieKey: randomBytes(32).toString('base64url'),
    redirectUri,
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const verifier = randomBytes(32).toString('base64url');
function authorize(extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({
    client_id: DEV_IDP_CLIENT_ID,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile email groups',
    state: 's',
    nonce: 'n',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  });
  return `${idp.issuer}/auth?${p}`;
}

describe('development IdP', () => {
  it('is mounted at <issuer>/dev-idp with its discovery there', async () => {
    expect(idp.issuer).toBe(`${base}/dev-idp`);
    expect(idp).toMatchObject({ clientId: 'mandate', clientSecret });
    const md = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(md.issuer).toBe(idp.issuer);
    expect(md.code_challenge_methods_supported).toContain('S256');
    expect(String(md.token_endpoint).startsWith(`${idp.issuer}/`)).toBe(true);
  });

  it('refuses an authorization request without PKCE', async () => {
    const p = new URL(authorize());
    p.searchParams.delete('code_challenge');
    p.searchParams.delete('code_challenge_method');
    const res = await new Browser().fetch(p.href);
    const loc = res.headers.get('location');
    const body = loc === null ? await res.text() : '';
    expect(loc === null ? body : new URL(loc).searchParams.get('error_description')).toMatch(
      /code_challenge|PKCE/i,
    );
  });

  it('a wrong password is a 401 sign-in page keeping the username; a GET to the submit URL is 405', async () => {
    const browser = new Browser();
    let res = await browser.fetch(authorize());
    const page = new URL(res.headers.get('location')!, base).href;
    res = await browser.fetch(page);
    const html = await res.text();
    const action = formAction(html, page);
    res = await browser.post(action, { username: 'alice', password: 'wrong' });
    expect(res.status).toBe(401);
    const again = await res.text();
    expect(again).toContain('Unknown user or wrong password.');
    expect(again).toContain('value="alice"');
    expect((await browser.fetch(action)).status).toBe(405);
    // Another browser (no interaction cookie) cannot use this interaction id.
    expect((await new Browser().fetch(page)).status).toBe(400);
  });

  it("signs in a demo user and issues an ID token with the user's claims", async () => {
    const { location } = await drive(new Browser(), authorize(), redirectUri, { user: 'carol' });
    expect(location.searchParams.get('state')).toBe('s');
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${DEV_IDP_CLIENT_ID}:${clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      }),
    });
    expect(res.status).toBe(200);
    const claims = decodeJwt(((await res.json()) as { id_token: string }).id_token);
    expect(claims).toMatchObject({
      iss: idp.issuer,
      aud: 'mandate',
      sub: 'carol',
      nonce: 'n',
      email: 'carol@example.com',
      department: 'Engineering',
      groups: ['engineering'],
    });
  });
});
