/**
 * Refusals of the first hop with their exact wire errors: at the authorization endpoint (redirected
 * with error, state and iss, or shown as a page when the redirect target is not trusted) and at the
 * token and revocation endpoints (RFC 6749 §5.2 JSON).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getIssuedToken } from '../../../src/store/tokens.js';
import { basic, form, MCP, startTestService, type TestService } from '../../helpers/service.js';
import { decodeJwt } from 'jose';
import {
  authorizeUrl,
  Browser,
  CONFIDENTIAL_CLIENT,
  CONFIDENTIAL_SECRET,
  drive,
  pkce,
  PUBLIC_CLIENT,
  RESOURCES,
} from '../../helpers/browser.js';
import {
  authorizeParams,
  loggedIn,
  newCode,
  REDIRECT,
  type CodeGrant,
} from '../../helpers/first-hop-session.js';

let offset = 0;
const now = () => Math.floor(Date.now() / 1000) + offset;

async function token(
  svc: TestService,
  body: Record<string, string | undefined>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(svc.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

function redeem(svc: TestService, g: CodeGrant, extra: Record<string, string | undefined> = {}) {
  return token(svc, {
    grant_type: 'authorization_code',
    client_id: PUBLIC_CLIENT.client_id,
    code: g.code,
    code_verifier: g.pkce.verifier,
    redirect_uri: REDIRECT,
    resource: MCP.salesforce,
    ...extra,
  });
}

describe('first hop refusals', () => {
  let svc: TestService;
  let browser: Browser;
  beforeAll(async () => {
    svc = await startTestService({
      clients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT],
      resources: RESOURCES,
      now,
    });
    browser = await loggedIn(svc.issuer);
  });
  afterAll(async () => svc?.close());

  const authorizeCases: {
    name: string;
    params: Record<string, string | undefined>;
    error: string;
    description: string;
  }[] = [
    {
      name: 'missing PKCE',
      params: { code_challenge: undefined, code_challenge_method: undefined },
      error: 'invalid_request',
      description: 'code_challenge is required (PKCE)',
    },
    {
      name: 'plain PKCE',
      params: { code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) },
      error: 'invalid_request',
      description: "code_challenge_method must be S256 ('plain' is not allowed)",
    },
    {
      name: 'unknown resource',
      params: { resource: 'https://mcp.unknown.example/mcp' },
      error: 'invalid_target',
      description: 'resource is not a protected resource served by this authorization server',
    },
    {
      name: 'missing resource',
      params: { resource: undefined },
      error: 'invalid_target',
      description: "missing required parameter 'resource' (RFC 8707): name the MCP server",
    },
    {
      name: 'implicit flow',
      params: { response_type: 'token' },
      error: 'unsupported_response_type',
      description: "only response_type 'code' is supported (OAuth 2.1)",
    },
  ];
  for (const c of authorizeCases)
    it(`authorize: ${c.name} → redirect with ${c.error}`, async () => {
      const res = await browser.fetch(authorizeUrl(svc.issuer, authorizeParams(pkce(), c.params)));
      expect(res.status).toBe(302);
      const loc = new URL(res.headers.get('location')!);
      expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
      expect(Object.fromEntries(loc.searchParams)).toEqual({
        error: c.error,
        error_description: c.description,
        state: 'xyz',
        iss: svc.issuer,
      });
    });

  it('authorize: a redirect_uri that is not registered is shown as a page, never redirected', async () => {
    for (const uri of [
      'https://evil.example/cb',
      'http://127.0.0.1:8080/other',
      'https://app.example/cb/',
      // Issue 10 §7: a loopback URI matches on any port, and on nothing else.
      'http://evil.example@127.0.0.1:4000/callback',
      'http://127.0.0.1:4000/x/../callback',
    ]) {
      const res = await browser.fetch(
        authorizeUrl(svc.issuer, authorizeParams(pkce(), { redirect_uri: uri })),
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('redirect_uri is not registered for this client');
    }
  });

  it('authorize: an unknown client is shown as a page', async () => {
    const res = await browser.fetch(
      authorizeUrl(svc.issuer, authorizeParams(pkce(), { client_id: 'nobody' })),
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('unknown client_id');
  });

  it('authorize: loopback redirect URIs match on any port (RFC 8252 §7.3)', async () => {
    for (const port of [1024, 50000, 65535]) {
      const uri = `http://127.0.0.1:${port}/callback`;
      const g = await newCode(browser, svc.issuer, { redirect_uri: uri }, {}, uri);
      expect(g.code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('authorize: policy refuses bob (hr) the Salesforce MCP server with access_denied and its reason', async () => {
    const b = new Browser();
    const { location } = await drive(b, authorizeUrl(svc.issuer, authorizeParams(pkce())), REDIRECT, {
      user: 'bob',
    });
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description:
        "none of the requested scopes may be granted; scope crm.write: not allowed for the subject's groups; scope crm.read: not allowed for the subject's groups",
      state: 'xyz',
      iss: svc.issuer,
    });
  });

  it('token: wrong PKCE verifier', async () => {
    const g = await newCode(browser, svc.issuer);
    const r = await redeem(svc, g, { code_verifier: pkce().verifier });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'invalid_grant',
      error_description: 'code_verifier does not match the code_challenge',
    });
  });

  it('token: redirect_uri differing from the authorization request', async () => {
    const g = await newCode(browser, svc.issuer);
    const r = await redeem(svc, g, { redirect_uri: 'http://127.0.0.1:49153/callback' });
    expect(r.body).toEqual({
      error: 'invalid_grant',
      error_description: 'redirect_uri does not match the authorization request',
    });
  });

  it('token: redirect_uri left out although the authorization request sent it (RFC 6749 §4.1.3)', async () => {
    // The confidential client has exactly one registered URI, so only the rule itself refuses this.
    const conf = { authorization: basic(CONFIDENTIAL_CLIENT.client_id, CONFIDENTIAL_SECRET) };
    const sent = await newCode(
      browser,
      svc.issuer,
      { redirect_uri: 'https://conf.example/cb' },
      { client_id: CONFIDENTIAL_CLIENT.client_id },
      'https://conf.example/cb',
    );
    const r = await token(
      svc,
      { grant_type: 'authorization_code', code: sent.code, code_verifier: sent.pkce.verifier },
      conf,
    );
    expect(r.body).toEqual({
      error: 'invalid_grant',
      error_description: 'redirect_uri does not match the authorization request',
    });
    // Left out at both steps (one registered URI): accepted.
    const omitted = await newCode(
      browser,
      svc.issuer,
      { redirect_uri: undefined },
      { client_id: CONFIDENTIAL_CLIENT.client_id },
      'https://conf.example/cb',
    );
    const ok = await token(
      svc,
      { grant_type: 'authorization_code', code: omitted.code, code_verifier: omitted.pkce.verifier },
      conf,
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('token: resource changed at token time', async () => {
    const g = await newCode(browser, svc.issuer);
    const r = await redeem(svc, g, { resource: MCP.workday });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'invalid_target',
      error_description: 'resource differs from the authorization request',
    });
  });

  it('token: a replayed code is refused and revokes everything the first redemption issued', async () => {
    const g = await newCode(browser, svc.issuer);
    const first = await redeem(svc, g);
    expect(first.status).toBe(200);
    const replay = await redeem(svc, g);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the authorization code is invalid, expired or already used',
    });
    const jti = String(decodeJwt(String(first.body.access_token)).jti);
    expect((await getIssuedToken(svc.db.db, jti))?.revoked_at).toBeTypeOf('number');
    const refresh = await token(svc, {
      grant_type: 'refresh_token',
      client_id: PUBLIC_CLIENT.client_id,
      refresh_token: String(first.body.refresh_token),
    });
    expect(refresh.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the refresh token has been revoked',
    });
  });

  it('token: an expired code', async () => {
    const g = await newCode(browser, svc.issuer);
    offset += 61;
    try {
      const r = await redeem(svc, g);
      expect(r.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the authorization code has expired',
      });
    } finally {
      offset -= 61;
    }
  });

  it('token: bad client credentials are invalid_client (401, WWW-Authenticate)', async () => {
    const g = await newCode(
      browser,
      svc.issuer,
      { redirect_uri: 'https://conf.example/cb' },
      { client_id: CONFIDENTIAL_CLIENT.client_id },
      'https://conf.example/cb',
    );
    const r = await token(
      svc,
      {
        grant_type: 'authorization_code',
        code: g.code,
        code_verifier: g.pkce.verifier,
        redirect_uri: 'https://conf.example/cb',
      },
      { authorization: basic(CONFIDENTIAL_CLIENT.client_id, 'wrong-secret-0123456789abcdef0123456789') },
    );
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="mandate", charset="UTF-8"');
    expect(r.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    const ok = await token(
      svc,
      {
        grant_type: 'authorization_code',
        code: g.code,
        code_verifier: g.pkce.verifier,
        redirect_uri: 'https://conf.example/cb',
      },
      { authorization: basic(CONFIDENTIAL_CLIENT.client_id, CONFIDENTIAL_SECRET) },
    );
    expect(ok.status).toBe(200);
  });

  describe('refresh', () => {
    async function fresh() {
      const r = await redeem(svc, await newCode(browser, svc.issuer));
      expect(r.status).toBe(200);
      return String(r.body.refresh_token);
    }
    const refresh = (rt: string, extra: Record<string, string> = {}) =>
      token(svc, {
        grant_type: 'refresh_token',
        client_id: PUBLIC_CLIENT.client_id,
        refresh_token: rt,
        ...extra,
      });

    it('a wider scope is invalid_scope', async () => {
      const g = await newCode(browser, svc.issuer, { scope: 'crm.read' });
      const rt = String((await redeem(svc, g)).body.refresh_token);
      expect((await refresh(rt, { scope: 'crm.read crm.write' })).body).toEqual({
        error: 'invalid_scope',
        error_description: 'scope exceeds what was granted: crm.write',
      });
      const narrowed = await refresh(rt, { scope: 'crm.read' });
      expect(narrowed.status).toBe(200);
    });

    it('a narrower scope is granted, and the audience stays the original resource', async () => {
      const r = await refresh(await fresh(), { scope: 'crm.read' });
      expect(r.body.scope).toBe('crm.read');
      expect(decodeJwt(String(r.body.access_token)).aud).toBe(MCP.salesforce);
    });

    it('another resource is invalid_target', async () => {
      expect((await refresh(await fresh(), { resource: MCP.workday })).body).toEqual({
        error: 'invalid_target',
        error_description: 'a refresh token cannot be used for another resource',
      });
    });

    it('after the family was revoked (RFC 7009) it is invalid_grant', async () => {
      const rt = await fresh();
      const rev = await fetch(`${svc.issuer}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ token: rt, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT.client_id }),
      });
      expect(rev.status).toBe(200);
      expect((await refresh(rt)).body).toEqual({
        error: 'invalid_grant',
        error_description: 'the refresh token has been revoked',
      });
    });

    it('revocation answers 200 for unknown tokens and revokes access tokens by jti', async () => {
      const unknown = await fetch(`${svc.issuer}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ token: 'no-such-token', client_id: PUBLIC_CLIENT.client_id }),
      });
      expect(unknown.status).toBe(200);
      const r = await redeem(svc, await newCode(browser, svc.issuer));
      const at = String(r.body.access_token);
      await fetch(`${svc.issuer}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ token: at, client_id: PUBLIC_CLIENT.client_id }),
      });
      expect((await getIssuedToken(svc.db.db, String(decodeJwt(at).jti)))?.revoked_at).toBeTypeOf('number');
    });

    it('two simultaneous refreshes get the same successor; reuse after the grace window revokes the family', async () => {
      const rt = await fresh();
      const [a, b] = await Promise.all([refresh(rt), refresh(rt)]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.body.refresh_token).toBe(b.body.refresh_token);
      expect(a.body.access_token).toBe(b.body.access_token);
      const successor = String(a.body.refresh_token);
      offset += 31;
      try {
        expect((await refresh(rt)).body).toEqual({
          error: 'invalid_grant',
          error_description: 'the refresh token was already used; the grant has been revoked',
        });
        expect((await refresh(successor)).body).toEqual({
          error: 'invalid_grant',
          error_description: 'the refresh token has been revoked',
        });
        const jti = String(decodeJwt(String(a.body.access_token)).jti);
        expect((await getIssuedToken(svc.db.db, jti))?.revoked_at).toBeTypeOf('number');
      } finally {
        offset -= 31;
      }
    });
  });
});
