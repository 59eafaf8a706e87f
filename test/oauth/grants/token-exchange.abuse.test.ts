/**
 * Abuse cases against a running Mandate over real HTTP: each row sends one hostile or malformed
 * token request and asserts the exact wire answer (status, `{ error, error_description }`, and the
 * headers that matter). Real Postgres, real compiled policy (a copy of the default policy whose only
 * change is that the private_key_jwt test client is an allowed actor for Salesforce).
 */
import { createHmac, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, basic, form, MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import {
  ACCESS_TOKEN,
  buildPolicyVariant,
  nowSeconds,
  post,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
  type WireResult,
} from '../../helpers/exchange.js';

const PKJ_CLIENT = 'mcp-reports';
const PKJ_MCP = 'https://mcp.reports.example/mcp';
const pkjKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

interface Row {
  name: string;
  send: (svc: TestService) => Promise<WireResult>;
  status: number;
  error: string;
  description: string;
  /** Exact WWW-Authenticate value, or null when the header must be absent. */
  wwwAuthenticate?: string | null;
}

const BASIC_CHALLENGE = 'Basic realm="mandate", charset="UTF-8"';

/** An exchange whose subject token is `claims` minted by the test IdP (ES256, typ at+jwt). */
function subjectRow(
  claims: (svc: TestService) => Record<string, unknown>,
  params: Record<string, string | string[] | undefined> = {},
): (svc: TestService) => Promise<WireResult> {
  return async (svc) =>
    salesforceExchange(svc, {
      subject_token: await svc.idp.mint(claims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
      ...params,
    });
}

async function goodSubject(svc: TestService, overrides: Record<string, unknown> = {}): Promise<string> {
  return svc.idp.mint(subjectClaims(svc, overrides), { typ: 'at+jwt' });
}

/** A workday exchange by mcp-workday (client_secret_post). */
async function workdayExchange(
  svc: TestService,
  params: Record<string, string | undefined>,
  subject: Record<string, unknown> = {},
): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      client_id: 'mcp-workday',
      client_secret: SECRETS.workday,
      subject_token: await goodSubject(svc, {
        aud: MCP.workday,
        groups: [],
        scope: 'hr.profile.read hr.timeoff.read',
        ...subject,
      }),
      subject_token_type: ACCESS_TOKEN,
      resource: API.workday,
      scope: 'hr.profile.read',
      ...params,
    }),
  );
}

function clientAssertion(
  svc: TestService,
  opts: { aud?: string; exp?: number; iat?: number; jti?: string; key?: KeyObject } = {},
): Promise<string> {
  const now = nowSeconds();
  return new SignJWT({ jti: opts.jti ?? randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'reports-1' })
    .setIssuer(PKJ_CLIENT)
    .setSubject(PKJ_CLIENT)
    .setAudience(opts.aud ?? svc.tokenEndpoint)
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 60)
    .sign(opts.key ?? pkjKey.privateKey);
}

async function pkjExchange(svc: TestService, assertion: string): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      subject_token: await goodSubject(svc, { aud: PKJ_MCP }),
      subject_token_type: ACCESS_TOKEN,
      resource: API.salesforce,
      scope: 'crm.read',
    }),
  );
}

/** Mandate's own signing key, for tokens that carry Mandate as issuer. */
function mandateKey(svc: TestService): { kid: string; privateKey: KeyObject } {
  return svc.service.ctx.signer.signingKey();
}

async function mandatePublicPem(svc: TestService): Promise<{ kid: string; pem: string }> {
  const jwks = (await (await fetch(`${svc.issuer}/jwks`)).json()) as { keys: Record<string, string>[] };
  const jwk = jwks.keys[0]!;
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  return { kid: jwk.kid!, pem };
}

function hs256(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string): string {
  const input = `${b64({ alg: 'HS256', ...header })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function nestedAct(depth: number): Record<string, unknown> | undefined {
  let act: Record<string, unknown> | undefined;
  for (let i = depth; i >= 1; i--) act = { sub: `agent-${i}`, ...(act === undefined ? {} : { act }) };
  return act;
}

const rows: Row[] = [
  // --- subject token validity (skew is 60 s; every offset below is beyond it) ---
  {
    name: 'expired subject token',
    send: subjectRow((s) => subjectClaims(s, { iat: nowSeconds() - 900, exp: nowSeconds() - 120 })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token has expired',
  },
  {
    name: 'not-yet-valid subject token (nbf beyond skew)',
    send: subjectRow((s) => subjectClaims(s, { nbf: nowSeconds() + 120 })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is not yet valid',
  },
  {
    name: 'future-dated subject token (iat beyond skew)',
    send: subjectRow((s) => subjectClaims(s, { iat: nowSeconds() + 120, exp: nowSeconds() + 900 })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is issued in the future',
  },
  {
    name: 'unknown issuer',
    send: subjectRow((s) => subjectClaims(s, { iss: 'https://idp.evil.example' })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is from an issuer that is not trusted',
  },
  {
    name: 'bad signature: another key under the issuer kid',
    send: async (svc) =>
      salesforceExchange(svc, {
        subject_token: await svc.idp.mint(subjectClaims(svc), {
          typ: 'at+jwt',
          kid: 'idp-es256',
          key: otherKey.privateKey,
        }),
        scope: 'crm.read',
      }),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token signature verification failed',
  },
  {
    name: 'alg none',
    send: async (svc) =>
      salesforceExchange(svc, { subject_token: svc.idp.unsigned(subjectClaims(svc)), scope: 'crm.read' }),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is signed with an algorithm that is not allowed',
  },
  {
    name: "HS256 MACed with the IdP's public key (PEM)",
    send: async (svc) =>
      salesforceExchange(svc, {
        subject_token: svc.idp.hs256(subjectClaims(svc), svc.idp.publicPem),
        scope: 'crm.read',
      }),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is signed with an algorithm that is not allowed',
  },
  {
    name: "HS256 MACed with Mandate's own JWKS public key, iss = Mandate, typ at+jwt",
    send: async (svc) => {
      const { kid, pem } = await mandatePublicPem(svc);
      const claims = subjectClaims(svc, { iss: svc.issuer, client_id: 'mcp-salesforce' });
      return salesforceExchange(svc, {
        subject_token: hs256({ kid, typ: 'at+jwt' }, claims, pem),
        scope: 'crm.read',
      });
    },
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token is signed with an algorithm that is not allowed',
  },
  {
    name: "HS256 MACed with Mandate's public key through the IdP helper (no typ)",
    send: async (svc) => {
      const { kid, pem } = await mandatePublicPem(svc);
      return salesforceExchange(svc, {
        subject_token: svc.idp.hs256(subjectClaims(svc, { iss: svc.issuer }), pem, kid),
        scope: 'crm.read',
      });
    },
    status: 400,
    error: 'invalid_grant',
    description: "subject_token issued by Mandate must have typ 'at+jwt'",
  },
  {
    name: 'Mandate-issued token whose typ is not at+jwt',
    send: async (svc) => {
      const { kid, privateKey } = mandateKey(svc);
      const token = await new SignJWT(subjectClaims(svc, { iss: svc.issuer }))
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .sign(privateKey);
      return salesforceExchange(svc, { subject_token: token, scope: 'crm.read' });
    },
    status: 400,
    error: 'invalid_grant',
    description: "subject_token issued by Mandate must have typ 'at+jwt'",
  },
  {
    name: 'subject token issued to another client (aud of the Workday MCP server)',
    send: subjectRow((s) => subjectClaims(s, { aud: MCP.workday })),
    status: 400,
    error: 'invalid_grant',
    description: 'subject_token was not issued to this client',
  },
  {
    name: 'delegation chain too deep',
    send: subjectRow((s) => subjectClaims(s, { act: nestedAct(5) })),
    status: 400,
    error: 'invalid_grant',
    description: 'delegation chain deeper than 5 actors',
  },
  {
    name: 'may_act naming someone else',
    send: subjectRow((s) => subjectClaims(s, { may_act: { sub: 'mcp-workday', client_id: 'mcp-workday' } })),
    status: 400,
    error: 'invalid_grant',
    description: 'the subject_token does not allow this actor',
  },
  // --- policy refusals ---
  {
    name: 'actor not allowed for the service (mcp-workday asking for Salesforce)',
    // alice is in sales, so the actor is the only problem.
    send: (svc) =>
      workdayExchange(
        svc,
        { resource: API.salesforce, scope: 'crm.read' },
        { groups: ['sales'], scope: 'crm.read' },
      ),
    status: 400,
    error: 'unauthorized_client',
    description: 'actor mcp-workday may not obtain tokens for salesforce',
  },
  {
    name: "scope not allowed for the user's groups",
    send: subjectRow((s) => subjectClaims(s, { groups: ['engineering'] }), { scope: 'crm.write' }),
    status: 400,
    error: 'invalid_scope',
    description:
      "none of the requested scopes may be granted; scope crm.write: not allowed for the subject's groups",
  },
  {
    name: 'unknown resource',
    send: subjectRow((s) => subjectClaims(s), { resource: 'https://api.unknown.example' }),
    status: 400,
    error: 'invalid_target',
    description: 'https://api.unknown.example is not a registered downstream service',
  },
  {
    name: 'resource and audience naming different services',
    send: subjectRow((s) => subjectClaims(s), { resource: API.salesforce, audience: 'workday' }),
    status: 400,
    error: 'invalid_target',
    description: 'resource and audience name different services',
  },
  {
    name: 'two resources',
    send: subjectRow((s) => subjectClaims(s), { resource: [API.salesforce, API.workday] }),
    status: 400,
    error: 'invalid_target',
    description: 'request a token for one target service at a time',
  },
  {
    name: 'workday exchange without DPoP (the policy requires it)',
    send: (svc) => workdayExchange(svc, {}),
    status: 400,
    error: 'invalid_request',
    description: 'workday requires a DPoP-bound token; present a DPoP proof',
  },
  // --- token types ---
  {
    name: 'missing subject_token_type',
    send: subjectRow((s) => subjectClaims(s), { subject_token_type: undefined }),
    status: 400,
    error: 'invalid_request',
    description: "missing required parameter 'subject_token_type'",
  },
  {
    name: 'unsupported subject_token_type',
    send: subjectRow((s) => subjectClaims(s), {
      subject_token_type: 'urn:ietf:params:oauth:token-type:saml2',
    }),
    status: 400,
    error: 'invalid_request',
    description: "unsupported subject_token_type 'urn:ietf:params:oauth:token-type:saml2'",
  },
  {
    name: 'actor_token without actor_token_type',
    send: subjectRow((s) => subjectClaims(s), { actor_token: 'a.b.c' }),
    status: 400,
    error: 'invalid_request',
    description: "missing required parameter 'actor_token_type' (actor_token is present)",
  },
  {
    name: 'actor_token_type without actor_token',
    send: subjectRow((s) => subjectClaims(s), { actor_token_type: ACCESS_TOKEN }),
    status: 400,
    error: 'invalid_request',
    description: "'actor_token_type' must not be sent without 'actor_token'",
  },
  // --- repeated parameters ---
  {
    name: 'repeated grant_type',
    send: subjectRow((s) => subjectClaims(s), { grant_type: [TOKEN_EXCHANGE, TOKEN_EXCHANGE] }),
    status: 400,
    error: 'invalid_request',
    description: "parameter 'grant_type' must not be repeated",
  },
  {
    name: 'repeated scope',
    send: subjectRow((s) => subjectClaims(s), { scope: ['crm.read', 'crm.write'] }),
    status: 400,
    error: 'invalid_request',
    description: "parameter 'scope' must not be repeated",
  },
  // --- client authentication ---
  {
    name: 'wrong client secret (client_secret_basic)',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
        { authorization: basic('mcp-salesforce', `${SECRETS.salesforce}x`) },
      ),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
    wwwAuthenticate: BASIC_CHALLENGE,
  },
  {
    name: 'wrong client secret (client_secret_post)',
    send: (svc) => workdayExchange(svc, { client_secret: `${SECRETS.workday}x` }),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
    wwwAuthenticate: null,
  },
  {
    name: 'unknown client',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
        { authorization: basic('mcp-nobody', SECRETS.salesforce) },
      ),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication failed',
    wwwAuthenticate: BASIC_CHALLENGE,
  },
  {
    name: 'two authentication methods at once (Basic and client_secret)',
    send: subjectRow((s) => subjectClaims(s), { client_secret: SECRETS.salesforce }),
    status: 400,
    error: 'invalid_request',
    description: 'use exactly one client authentication method',
  },
  {
    name: 'no client authentication',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
      ),
    status: 401,
    error: 'invalid_client',
    description: 'client authentication is required',
    wwwAuthenticate: null,
  },
  // --- grant type ---
  {
    name: 'unsupported grant type',
    send: subjectRow((s) => subjectClaims(s), { grant_type: 'password' }),
    status: 400,
    error: 'unsupported_grant_type',
    description: "grant_type 'password' is not supported",
  },
  {
    name: 'missing grant_type',
    send: subjectRow((s) => subjectClaims(s), { grant_type: undefined }),
    status: 400,
    error: 'invalid_request',
    description: "missing required parameter 'grant_type'",
  },
  // --- bodies ---
  {
    name: 'oversize body (> 64 KiB)',
    send: async (svc) =>
      salesforceExchange(svc, { subject_token: await goodSubject(svc), padding: 'x'.repeat(70 * 1024) }),
    status: 413,
    error: 'invalid_request',
    description: 'request body is too large',
  },
  {
    name: 'JSON body',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        JSON.stringify({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
        }),
        { 'content-type': 'application/json', authorization: basic('mcp-salesforce', SECRETS.salesforce) },
      ),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  {
    name: 'form parameters sent as text/plain',
    send: async (svc) =>
      post(
        svc.tokenEndpoint,
        form({
          grant_type: TOKEN_EXCHANGE,
          subject_token: await goodSubject(svc),
          subject_token_type: ACCESS_TOKEN,
          resource: API.salesforce,
          scope: 'crm.read',
        }),
        { 'content-type': 'text/plain', authorization: basic('mcp-salesforce', SECRETS.salesforce) },
      ),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  {
    name: 'malformed JSON body',
    send: (svc) => post(svc.tokenEndpoint, '{"grant_type": ', { 'content-type': 'application/json' }),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  {
    name: 'garbage form body',
    send: (svc) =>
      post(svc.tokenEndpoint, '%%%&&&===\u0000\u00ff', {
        authorization: basic('mcp-salesforce', SECRETS.salesforce),
      }),
    status: 400,
    error: 'invalid_request',
    // The raw U+0000 lands in the value of a parameter with an empty name.
    description: "parameter '' contains a NUL character",
  },
  {
    name: 'unknown content type',
    send: (svc) => post(svc.tokenEndpoint, 'grant_type=x', { 'content-type': 'application/octet-stream' }),
    status: 415,
    error: 'invalid_request',
    description: 'unsupported content type: use application/x-www-form-urlencoded',
  },
  // --- private_key_jwt client authentication (RFC 7523) ---
  {
    name: 'private_key_jwt: replayed jti',
    send: async (svc) => {
      const assertion = await clientAssertion(svc);
      const first = await pkjExchange(svc, assertion);
      expect(first.status, first.text).toBe(200);
      return pkjExchange(svc, assertion);
    },
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion has already been used',
    wwwAuthenticate: null,
  },
  {
    name: 'private_key_jwt: wrong aud',
    send: async (svc) => pkjExchange(svc, await clientAssertion(svc, { aud: 'https://as.other.example' })),
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion aud claim has an unexpected value',
    wwwAuthenticate: null,
  },
  {
    name: 'private_key_jwt: expired assertion',
    send: async (svc) =>
      pkjExchange(svc, await clientAssertion(svc, { iat: nowSeconds() - 600, exp: nowSeconds() - 120 })),
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion has expired',
    wwwAuthenticate: null,
  },
  {
    name: 'private_key_jwt: assertion signed by another key',
    send: async (svc) => pkjExchange(svc, await clientAssertion(svc, { key: otherKey.privateKey })),
    status: 401,
    error: 'invalid_client',
    description: 'client_assertion signature verification failed',
    wwwAuthenticate: null,
  },
];

describe('token exchange abuse cases (exact wire errors)', () => {
  let svc: TestService;
  beforeAll(async () => {
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), 'mandate-abuse-')), 'bundle.tar.gz'),
      (data) => {
        data.actors[PKJ_CLIENT] = { services: ['salesforce'] };
      },
      'abuse-test',
    );
    const jwk = { ...(await exportJWK(pkjKey.publicKey)), kid: 'reports-1', alg: 'ES256', use: 'sig' };
    svc = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle },
      clients: [
        {
          client_id: PKJ_CLIENT,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [jwk] },
          audiences: [PKJ_MCP],
        },
      ],
    });
  });
  afterAll(async () => svc?.close());

  it('private_key_jwt: a valid assertion authenticates the client', async () => {
    const res = await pkjExchange(svc, await clientAssertion(svc));
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', issued_token_type: ACCESS_TOKEN });
    // The assertion may also name the issuer as its audience (RFC 7523 §3, point 3).
    const byIssuer = await pkjExchange(svc, await clientAssertion(svc, { aud: svc.issuer }));
    expect(byIssuer.status, byIssuer.text).toBe(200);
  });

  it.each(rows)('$name → $status $error', async (row) => {
    const res = await row.send(svc);
    expect({ status: res.status, body: res.body }, res.text).toEqual({
      status: row.status,
      body: { error: row.error, error_description: row.description },
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    if (row.wwwAuthenticate !== undefined)
      expect(res.headers.get('www-authenticate')).toBe(row.wwwAuthenticate);
    // Never a stack trace or internal detail on the wire.
    expect(res.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  });
});
