/** Workload platform JWTs (MCP SEP-1933, RFC 7523 §3): each refusal's wire error and reason. */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyObject } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../../src/oauth/errors.js';
import { classifyAssertion, verifyWorkload } from '../../../src/oauth/workload/verify-workload.js';
import { workloadTrust, type WorkloadIssuer } from '../../../src/oauth/workload/trust.js';

const NOW = 1_700_000_000;
const deps = {
  issuer: 'https://mandate.example',
  tokenEndpoint: 'https://mandate.example/token',
  clockSkew: 30,
  now: () => NOW,
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
      {
        clientId: 'agent-ci',
        subPattern: 'system:serviceaccount:*:agent',
        claims: { cluster: 'prod' },
        groups: ['workloads'],
      },
    ],
  };
});

const sign = (claims: JWTPayload, header: Record<string, unknown> = {}) =>
  new SignJWT({
    iss: 'https://k8s.example',
    sub: 'system:serviceaccount:ci:agent',
    aud: deps.tokenEndpoint,
    iat: NOW,
    exp: NOW + 600,
    jti: 'j1',
    cluster: 'prod',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'p1', ...header })
    .sign(key);

async function refusal(assertion: string, trusted = platform) {
  const err = await verifyWorkload(assertion, trusted, deps).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  return { ...(err as OAuthError).toJSON(), reason: (err as OAuthError).reason };
}

describe('classifyAssertion', () => {
  it('tells an ID-JAG by its typ, and a workload token by its issuer', async () => {
    const trust = workloadTrust([platform]);
    expect(classifyAssertion(await sign({}, { typ: 'oauth-id-jag+jwt' }), trust)).toEqual({ kind: 'id_jag' });
    expect(classifyAssertion(await sign({}, { typ: 'application/OAUTH-ID-JAG+JWT' }), trust)).toEqual({
      kind: 'id_jag',
    });
    expect(classifyAssertion(await sign({}), trust)).toEqual({ kind: 'workload', issuer: platform });
    expect(classifyAssertion(await sign({ iss: 'https://other.example' }), trust)).toEqual({
      kind: 'workload',
      issuer: undefined,
    });
    expect(classifyAssertion(await sign({}), undefined)).toEqual({ kind: 'workload', issuer: undefined });
  });

  it.each(['not.a.jwt', 'abc', ''])('refuses %j: not a JWT', (value) => {
    let err: unknown;
    try {
      classifyAssertion(value, undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).toJSON()).toEqual({
      error: 'invalid_grant',
      error_description: 'assertion is not a well-formed JWT',
    });
    expect((err as OAuthError).reason).toBe('malformed');
  });
});

describe('verifyWorkload', () => {
  it('verifies a platform token and names the client its matching rule trusts it as', async () => {
    const v = await verifyWorkload(await sign({}), platform, deps);
    expect(v.rule.clientId).toBe('agent-ci');
    expect(v.claims).toMatchObject({ sub: 'system:serviceaccount:ci:agent', jti: 'j1', iat: NOW });
    expect((await verifyWorkload(await sign({ aud: deps.issuer }), platform, deps)).rule.clientId).toBe(
      'agent-ci',
    );
  });

  it.each([
    ['an audience that is not Mandate', { aud: 'https://elsewhere.example' }, 'aud_mismatch'],
    ['an expired token', { exp: NOW - 31 }, 'expired'],
    ['a token without jti', { jti: undefined }, 'claim_jti'],
    ['a token issued in the future', { iat: NOW + 31 }, 'iat_future'],
    ['a token living longer than allowed', { exp: NOW + 3601 }, 'lifetime'],
    ['a workload no rule names', { sub: 'system:serviceaccount:ci:other' }, 'workload_not_trusted'],
    ['a rule claim with another value', { cluster: 'dev' }, 'workload_not_trusted'],
    ['a rule claim that is not a string', { cluster: ['prod'] }, 'workload_not_trusted'],
  ])('refuses %s as invalid_grant (%s)', async (_what, claims, reason) => {
    expect(await refusal(await sign(claims))).toMatchObject({ error: 'invalid_grant', reason });
  });

  it('refuses a token signed by another key, or with an algorithm not allowed', async () => {
    const other = await generateKeyPair('ES256');
    const forged = await new SignJWT({ sub: 's', aud: deps.tokenEndpoint, iat: NOW, exp: NOW + 60, jti: 'x' })
      .setIssuer('https://k8s.example')
      .setProtectedHeader({ alg: 'ES256', kid: 'p1' })
      .sign(other.privateKey);
    expect(await refusal(forged)).toMatchObject({ error: 'invalid_grant', reason: 'bad_signature' });
    expect(await refusal(await sign({}), { ...platform, algorithms: ['RS256'] })).toMatchObject({
      reason: 'alg_not_allowed',
    });
  });

  it('accepts only the configured audiences when there are some', async () => {
    const scoped = { ...platform, audiences: ['mandate-workloads'] };
    expect((await verifyWorkload(await sign({ aud: 'mandate-workloads' }), scoped, deps)).rule.clientId).toBe(
      'agent-ci',
    );
    expect(await refusal(await sign({}), scoped)).toMatchObject({ reason: 'aud_mismatch' });
  });

  it('refuses an assertion Mandate itself would have issued', async () => {
    expect(await refusal(await sign({}), { ...platform, issuer: deps.issuer })).toEqual({
      error: 'invalid_grant',
      error_description: 'assertion was issued by this server and cannot be redeemed here',
      reason: 'self_issued',
    });
  });

  it('answers an unreachable key set as temporarily_unavailable with Retry-After', async () => {
    const remote = { ...platform, jwks: undefined, jwksUri: 'http://127.0.0.1:9/jwks' };
    const err = (await verifyWorkload(await sign({}), remote, deps).catch((e: unknown) => e)) as OAuthError;
    expect(err.error).toBe('temporarily_unavailable');
    expect(err.headers['Retry-After']).toBe('5');
    expect(err.reason).toBe('jwks_unreachable');
  });
});
