/**
 * authenticateWorkload (MCP SEP-1933): a platform JWT sent as the jwt-bearer assertion without
 * client credentials authenticates its rule's client; a request with client credentials or an
 * ID-JAG is left to the usual client authentication; every refusal with its exact error and reason.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyObject } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log.js';
import type { OAuthClient } from '../../../src/oauth/clients/client.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { endpointUrls } from '../../../src/oauth/endpoint-urls.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { Params } from '../../../src/oauth/params.js';
import type { TokenRequest } from '../../../src/oauth/token-request.js';
import { authenticateWorkload } from '../../../src/oauth/workload/authenticate-workload.js';
import { workloadTrust, type WorkloadIssuer } from '../../../src/oauth/workload/trust.js';

const NOW = 1_700_000_000;
const ISSUER = 'https://mandate.example';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const agent: OAuthClient = {
  clientId: 'agent-ci',
  tokenEndpointAuthMethod: 'none',
  grantTypes: [JWT_BEARER],
  audiences: [],
  trust: 'registered',
};
let key: KeyObject;
let platform: WorkloadIssuer;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey as KeyObject;
  platform = {
    issuer: 'https://k8s.example',
    jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'p1', alg: 'ES256' }] },
    algorithms: ['ES256'],
    audiences: [],
    maxLifetimeSeconds: 3600,
    rules: [
      { clientId: 'agent-ci', sub: 'system:serviceaccount:ci:agent', claims: {}, groups: ['workloads'] },
      { clientId: 'gone', sub: 'system:serviceaccount:ci:gone', claims: {}, groups: [] },
    ],
  };
});

const sign = (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
  new SignJWT({
    iss: platform.issuer,
    sub: 'system:serviceaccount:ci:agent',
    aud: `${ISSUER}/token`,
    iat: NOW,
    exp: NOW + 600,
    jti: 'j1',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'p1', ...header })
    .sign(key);

const ctx = (over: Partial<OAuthContext> = {}): OAuthContext =>
  ({
    issuer: ISSUER,
    endpoints: endpointUrls(ISSUER),
    clients: { get: async (id: string) => (id === agent.clientId ? agent : undefined) },
    workloads: workloadTrust([platform]),
    clockSkew: 30,
    now: () => NOW,
    log: createMemoryLogger(),
    ...over,
  }) as OAuthContext;

const request = (params: Record<string, string>, authorization?: string): TokenRequest => ({
  params: Params.parse(new URLSearchParams({ grant_type: JWT_BEARER, ...params }).toString()),
  authorization,
  dpop: [],
  method: 'POST',
  url: `${ISSUER}/token`,
  ip: '127.0.0.1',
});

async function refusal(req: TokenRequest, c = ctx()) {
  const err = await authenticateWorkload(req, c).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return { ...e.toJSON(), reason: e.reason, headers: e.headers };
}

describe('authenticateWorkload', () => {
  it("authenticates a trusted platform JWT as its rule's client", async () => {
    const got = await authenticateWorkload(request({ assertion: await sign() }), ctx());
    expect(got?.client).toBe(agent);
    expect(got?.method).toBe('workload_assertion');
    expect(got?.workload?.issuer).toBe(platform);
    expect(got?.workload?.rule).toBe(platform.rules[0]);
    expect(got?.workload?.claims).toMatchObject({ sub: 'system:serviceaccount:ci:agent', jti: 'j1' });
    // A client_id naming that same client is fine.
    const named = await authenticateWorkload(
      request({ assertion: await sign(), client_id: 'agent-ci' }),
      ctx(),
    );
    expect(named?.client).toBe(agent);
  });

  it.each([
    ['HTTP Basic', {}, 'Basic YWdlbnQ6c2VjcmV0'],
    ['a bare Basic scheme', {}, 'basic'],
    ['client_secret', { client_secret: 's' }, undefined],
    ['client_assertion', { client_assertion: 'a.b.c' }, undefined],
    ['client_assertion_type', { client_assertion_type: 'urn:x' }, undefined],
  ])('leaves a request with %s to client authentication, unread', async (_, params, authorization) => {
    // The assertion is not even looked at: a garbage one is no refusal here.
    const req = request({ assertion: 'garbage', ...params }, authorization);
    expect(await authenticateWorkload(req, ctx())).toBeUndefined();
  });

  it('leaves an ID-JAG to client authentication', async () => {
    const idJag = await sign({ iss: 'https://idp.example' }, { typ: 'oauth-id-jag+jwt' });
    expect(await authenticateWorkload(request({ assertion: idJag }), ctx())).toBeUndefined();
    // Another scheme is not client credentials: the assertion is the workload's.
    expect(await authenticateWorkload(request({ assertion: idJag }, 'Bearer x'), ctx())).toBeUndefined();
  });

  it('refuses a request without assertion', async () => {
    expect(await refusal(request({}))).toEqual({
      error: 'invalid_request',
      error_description: "missing required parameter 'assertion'",
      reason: 'parameter_missing',
      headers: {},
    });
  });

  it('refuses a non-JWT assertion as malformed', async () => {
    expect(await refusal(request({ assertion: 'not-a-jwt' }))).toMatchObject({
      error: 'invalid_grant',
      error_description: 'assertion is not a well-formed JWT',
      reason: 'malformed',
    });
  });

  it('refuses an assertion from an issuer not trusted for workloads, or when none is', async () => {
    const untrusted = {
      error: 'invalid_grant',
      error_description: 'assertion is from an issuer that is not trusted',
      reason: 'untrusted_issuer',
      headers: {},
    };
    expect(await refusal(request({ assertion: await sign({ iss: 'https://evil.example' }) }))).toEqual(
      untrusted,
    );
    expect(await refusal(request({ assertion: await sign() }), ctx({ workloads: undefined }))).toEqual(
      untrusted,
    );
  });

  it("passes on the platform JWT's own refusal (verify-workload.ts)", async () => {
    expect(await refusal(request({ assertion: await sign({ exp: NOW - 31 }) }))).toEqual({
      error: 'invalid_grant',
      error_description: 'assertion has expired',
      reason: 'expired',
      headers: {},
    });
  });

  it('refuses a client_id naming another client than the rule does', async () => {
    expect(await refusal(request({ assertion: await sign(), client_id: 'someone-else' }))).toEqual({
      error: 'invalid_grant',
      error_description: 'client_id is not the client this workload is trusted as',
      reason: 'workload_client_mismatch',
      headers: {},
    });
  });

  it('refuses a workload whose client is no longer registered', async () => {
    const gone = await sign({ sub: 'system:serviceaccount:ci:gone' });
    expect(await refusal(request({ assertion: gone }))).toEqual({
      error: 'invalid_grant',
      error_description: 'the client this workload is trusted as is not registered',
      reason: 'workload_unknown_client',
      headers: {},
    });
  });

  it('answers an unreachable client registry temporarily_unavailable with Retry-After', async () => {
    const down = ctx({ clients: { get: () => Promise.reject(new Error('connection refused')) } });
    expect(await refusal(request({ assertion: await sign() }), down)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the client registry is unavailable; try again shortly',
      reason: 'client_store_unavailable',
      headers: { 'Retry-After': '2' },
    });
  });
});
