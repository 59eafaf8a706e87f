/**
 * Mandate as the enterprise IdP (draft-ietf-oauth-identity-assertion-authz-grant §4.3): token
 * exchange with requested_token_type id-jag, over real HTTP, against the compiled default policy
 * (rego/mandate/data.json `id_jag` entries), with the exact wire errors of refused requests.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, startTestService, type TestService } from '../../helpers/service.js';
import {
  dpopKey,
  ID_JAG,
  ID_JAG_TYP,
  ID_TOKEN,
  JWT_BEARER,
  nowSeconds,
  postForm,
  TOKEN_EXCHANGE,
  type Wire,
} from './fixtures.js';

const SECRET = 'claude-desktop-secret-0123456789abcdefgh';
const PARTNER_AS = 'https://as.partner-crm.example';
const PARTNER_API = 'https://api.partner-crm.example';

describe('token exchange for an ID-JAG (IdP role)', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      clients: [{ client_id: 'claude-desktop', client_secret: SECRET, grant_types: [TOKEN_EXCHANGE] }],
    });
  });
  afterAll(async () => svc?.close());

  function idToken(extra: Record<string, unknown> = {}, typ?: string): Promise<string> {
    const now = nowSeconds();
    const claims: JWTPayload & Record<string, unknown> = {
      iss: svc.idp.issuer,
      sub: 'alice',
      aud: 'claude-desktop',
      groups: ['sales'],
      email: 'alice@example.com',
      amr: ['pwd', 'mfa'],
      auth_time: now - 60,
      iat: now,
      exp: now + 600,
      jti: `idt-${now}-${Math.random()}`,
      ...extra,
    };
    return svc.idp.mint(claims, typ === undefined ? {} : { typ });
  }

  async function exchange(
    params: Record<string, string | string[] | undefined> = {},
    headers: Record<string, string> = {},
  ): Promise<Wire> {
    return postForm(
      svc.tokenEndpoint,
      {
        grant_type: TOKEN_EXCHANGE,
        requested_token_type: ID_JAG,
        subject_token: await idToken(),
        subject_token_type: ID_TOKEN,
        audience: PARTNER_AS,
        resource: PARTNER_API,
        scope: 'partner.read',
        ...params,
      },
      { authorization: basic('claude-desktop', SECRET), ...headers },
    );
  }

  async function verifyIdJag(token: string) {
    const jwks = createRemoteJWKSet(new URL(`${svc.url}/jwks`));
    return jwtVerify(token, jwks, { issuer: svc.issuer, audience: PARTNER_AS, typ: ID_JAG_TYP });
  }

  it('issues a signed ID-JAG for the other authorization server, token_type N_A, no refresh token', async () => {
    const res = await exchange();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual([
      'access_token',
      'expires_in',
      'issued_token_type',
      'scope',
      'token_type',
    ]);
    expect(res.body).toMatchObject({
      issued_token_type: ID_JAG,
      token_type: 'N_A',
      scope: 'partner.read',
      expires_in: 300,
    });
    const { payload, protectedHeader } = await verifyIdJag(String(res.body.access_token));
    expect(protectedHeader).toMatchObject({ typ: ID_JAG_TYP, alg: 'ES256' });
    expect(payload).toMatchObject({
      iss: svc.issuer,
      sub: 'alice',
      aud: PARTNER_AS,
      client_id: 'claude-desktop',
      resource: PARTNER_API,
      scope: 'partner.read',
      amr: ['pwd', 'mfa'],
      email: 'alice@example.com',
    });
    expect(typeof payload.aud).toBe('string');
    expect(typeof payload.jti).toBe('string');
    expect(typeof payload.auth_time).toBe('number');
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.cnf).toBeUndefined();
    expect(payload.groups).toBeUndefined();

    // Every issued ID-JAG is a decision and a token event in the audit outbox.
    const events = await svc.db.db.query<{ subject: string }>(
      'SELECT subject FROM outbox WHERE event::text LIKE $1 ORDER BY sequence',
      [`%${payload.jti}%`],
    );
    expect(events.rows.map((r) => r.subject)).toEqual([expect.stringMatching(/(^|\.)token\.issued$/)]);
    const decisions = await svc.db.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM outbox WHERE subject LIKE '%decision.id_jag'",
    );
    expect(Number(decisions.rows[0]?.n)).toBeGreaterThan(0);
  });

  it('binds the ID-JAG to the DPoP key proven on the exchange (cnf.jkt)', async () => {
    const key = await dpopKey();
    const res = await exchange({}, { dpop: await key.proof(svc.tokenEndpoint) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.token_type).toBe('N_A');
    const { payload } = await verifyIdJag(String(res.body.access_token));
    expect(payload.cnf).toEqual({ jkt: key.jkt });
  });

  it('advertises both roles in its metadata', async () => {
    const res = await fetch(`${svc.url}/.well-known/oauth-authorization-server`);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata.identity_chaining_requested_token_types_supported).toEqual([ID_JAG]);
    expect(metadata.authorization_grant_profiles_supported).toEqual([
      'urn:ietf:params:oauth:grant-profile:id-jag',
    ]);
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining([TOKEN_EXCHANGE, JWT_BEARER]));
  });

  const refused = (error: string, error_description: string) => ({ error, error_description });
  const hostile: { name: string; request: () => Promise<Wire>; expected: ReturnType<typeof refused> }[] = [
    {
      name: 'a subject token issued to another client',
      request: async () => exchange({ subject_token: await idToken({ aud: 'cursor' }) }),
      expected: refused('invalid_grant', 'subject_token was not issued to this client'),
    },
    {
      name: 'a subject token for several audiences without azp naming the client',
      request: async () => exchange({ subject_token: await idToken({ aud: ['claude-desktop', 'cursor'] }) }),
      expected: refused('invalid_grant', 'subject_token was not issued to this client'),
    },
    {
      name: 'an access token presented as an ID token',
      request: async () => exchange({ subject_token: await idToken({}, 'at+jwt') }),
      expected: refused('invalid_grant', 'subject_token is an access token, not an id_token'),
    },
    {
      name: 'a subject token type other than id_token',
      request: () => exchange({ subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' }),
      expected: refused(
        'invalid_request',
        'subject_token_type must be urn:ietf:params:oauth:token-type:id_token for an ID-JAG',
      ),
    },
    {
      name: 'an actor token',
      request: async () => exchange({ actor_token: await idToken(), actor_token_type: ID_TOKEN }),
      expected: refused('invalid_request', 'actor_token is not used when requesting an ID-JAG'),
    },
    {
      name: 'a disallowed audience/resource pair',
      request: () => exchange({ resource: 'https://api.travel.example/bookings' }),
      expected: refused('invalid_target', 'audience and resource are not an allowed ID-JAG target'),
    },
    {
      name: 'an unknown audience',
      request: () => exchange({ audience: 'https://as.unknown.example', resource: undefined }),
      expected: refused('invalid_target', 'audience and resource are not an allowed ID-JAG target'),
    },
    {
      name: 'no audience',
      request: () => exchange({ audience: undefined }),
      expected: refused('invalid_request', "missing required parameter 'audience'"),
    },
    {
      name: 'two audiences',
      request: () => exchange({ audience: [PARTNER_AS, 'https://as.travel.example'] }),
      expected: refused(
        'invalid_target',
        'request an ID-JAG for one authorization server and resource at a time',
      ),
    },
    {
      name: 'this server as the audience',
      request: () => exchange({ audience: svc.issuer, resource: undefined }),
      expected: refused('invalid_target', 'an ID-JAG cannot be issued for this server itself'),
    },
    {
      name: "a subject outside the entry's groups",
      request: async () => exchange({ subject_token: await idToken({ groups: ['engineering'] }) }),
      expected: refused(
        'invalid_grant',
        "the subject's groups may not obtain an ID-JAG for https://as.partner-crm.example",
      ),
    },
    {
      name: 'a scope the entry does not allow',
      request: () => exchange({ scope: 'partner.admin' }),
      expected: refused(
        'invalid_scope',
        'none of the requested scopes may be granted; scope partner.admin: not a scope of https://as.partner-crm.example',
      ),
    },
  ];

  it.each(hostile)('refuses $name', async ({ request, expected }) => {
    const res = await request();
    expect(res.body).toEqual(expected);
    expect(res.status).toBe(400);
  });
});
