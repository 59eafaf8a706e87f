/**
 * The relying party against a real OpenID Provider: the development IdP (oidc-provider) on its own
 * HTTP server. Discovery, the authorization URL (PKCE S256, state, nonce, prompt=login), a whole
 * login as a demo user redeemed into subject attributes, and the refusals of a callback that does
 * not belong to the login (state) or repeats one (code reuse).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevIdp, DEV_IDP_CLIENT_ID, type DevIdp } from '../../src/federation/dev-idp/provider.js';
import {
  createRelyingParty,
  IdpUnavailableError,
  type RelyingParty,
} from '../../src/federation/relying-party.js';
import { Browser, drive } from '../helpers/browser.js';

let server: Server;
let idp: DevIdp;
let rp: RelyingParty;
let redirectUri: string;

beforeAll(async () => {
  server = createServer((req, res) => void idp.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redirectUri = `${base}/login/callback`;
  const clientSecret = randomBytes(32).toString('base64url');
  idp = createDevIdp({
    mandateIssuer: base,
    clientSecret,
    cookieKey: randomBytes(32).toString('base64url'),
    redirectUri,
  });
  rp = createRelyingParty({
    issuer: idp.issuer,
    clientId: DEV_IDP_CLIENT_ID,
    clientSecret,
    tokenAuthMethod: 'client_secret_basic',
    scopes: ['openid', 'profile', 'email', 'groups'],
    groupsClaim: 'groups',
    claims: { mail: 'email', department: 'department' },
    redirectUri,
    now: () => 1_000,
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function login(user = 'alice') {
  const secrets = rp.newSecrets();
  const { location } = await drive(new Browser(), await rp.authorizationUrl(secrets), redirectUri, { user });
  return { secrets, location };
}

describe('createRelyingParty', () => {
  it('builds the authorization URL with PKCE S256, state and nonce; prompt=login when forced', async () => {
    const s = rp.newSecrets();
    expect(new Set([s.state, s.nonce, s.verifier]).size).toBe(3);
    const url = new URL(await rp.authorizationUrl(s));
    expect(url.href.startsWith(`${idp.issuer}/`)).toBe(true);
    const p = url.searchParams;
    expect(Object.fromEntries(p)).toMatchObject({
      client_id: 'mandate',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid profile email groups',
      code_challenge_method: 'S256',
      code_challenge: createHash('sha256').update(s.verifier).digest('base64url'),
      state: s.state,
      nonce: s.nonce,
    });
    expect(p.has('prompt')).toBe(false);
    expect(new URL(await rp.authorizationUrl(s, { forceLogin: true })).searchParams.get('prompt')).toBe(
      'login',
    );
  });

  it('a login redeems into the subject attributes, claims mapped as configured', async () => {
    const { secrets, location } = await login('alice');
    const { subject, authTime } = await rp.callback(location, secrets);
    expect(subject).toEqual({
      sub: 'alice',
      iss: idp.issuer,
      groups: ['sales'],
      claims: { mail: 'alice@example.com', department: 'Sales' },
    });
    // The development IdP sends no auth_time: the login's time is the relying party's clock.
    expect(authTime).toBe(1_000);
  });

  it("refuses a callback with another login's state, and a code redeemed twice", async () => {
    const { secrets, location } = await login('bob');
    await expect(rp.callback(location, { ...secrets, state: rp.newSecrets().state })).rejects.toThrow(
      'invalid response encountered',
    );
    // Refused before the code was sent: the login it belongs to still redeems it, once.
    expect((await rp.callback(location, secrets)).subject.sub).toBe('bob');
    await expect(rp.callback(location, secrets)).rejects.toThrow();
  });

  it('an IdP that cannot be discovered is IdpUnavailableError, tried again at the next login', async () => {
    const dead = createRelyingParty({
      issuer: 'http://127.0.0.1:9/nowhere',
      clientId: 'x',
      clientSecret: undefined,
      tokenAuthMethod: 'client_secret_basic',
      scopes: ['openid'],
      groupsClaim: 'groups',
      claims: {},
      redirectUri,
      now: () => 0,
    });
    for (let i = 0; i < 2; i++) {
      const err = await dead.authorizationUrl(dead.newSecrets()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IdpUnavailableError);
      expect((err as Error).message).toMatch(/^cannot discover http:\/\/127\.0\.0\.1:9\/nowhere: /);
    }
  });
});
