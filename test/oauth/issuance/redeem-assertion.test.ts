/**
 * Redeeming a checked JWT bearer assertion (RFC 7523 §2.1, §3 item 7) with a real policy compiled
 * with opa and the real replay store (Postgres): the policy decides, the token never outlives the
 * assertion, Mandate's ceiling or the policy's ttl, the jti is single use per namespace and is not
 * used up by a refusal; the response, the token and its audit entry exactly.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../src/log.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { redeemAssertion, type Assertion } from '../../../src/oauth/issuance/redeem-assertion.js';
import type { Trace } from '../../../src/oauth/token-request.js';
import { mandateMint } from '../../../src/oauth/tokens/mint.js';
import type { DecisionInput } from '../../../src/policy/contract.js';
import { createDecisionService, type PolicyDecisionService } from '../../../src/policy/engine.js';
import { createReplayStore } from '../../../src/store/replay-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg.js';
import { buildBundle, input, tempDir, writePolicy } from '../../policy/helpers.js';

// Near the database's clock: a replay record that has expired by it may be written again.
const NOW = Math.floor(Date.now() / 1000);
const ISSUER = 'https://mandate.example';
const API = 'https://api.example';
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const POLICY = `package mcp.authz

allow(obligations) := {"allow": true, "scopes": input.scopes, "ttl_seconds": 600, "reasons": [],
  "obligations": obligations}

decision := allow({}) if input.scopes == ["read"]

decision := allow({"require_dpop": true}) if input.scopes == ["bound"]

decision := {"allow": false, "reasons": [{"code": "client_not_allowed", "message": "not this agent"}]} if {
  input.scopes == ["denied"]
}
`;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let t: TestDatabase;
let decisions: PolicyDecisionService;
let ctx: OAuthContext;

beforeAll(async () => {
  t = await createTestDatabase();
  const bundlePath = await buildBundle(join(tempDir(), 'redeem.tar.gz'), { src: writePolicy(POLICY) });
  decisions = await createDecisionService({ bundlePath, log: createMemoryLogger() });
  ctx = {
    issuer: ISSUER,
    decisions,
    replay: createReplayStore(t.db),
    mint: mandateMint({ signingKey: () => ({ kid: 'k1', alg: 'ES256' as const, privateKey }) }),
    maxTokenTtl: 900,
    clockSkew: 30,
  } as unknown as OAuthContext;
}, 60_000);
afterAll(async () => {
  await decisions?.close();
  await t?.drop();
});

// The grant puts the proved key in the input (the policy and require_dpop read it there).
const asked = (scope: string, jkt?: string): DecisionInput =>
  input({
    action: 'jwt_bearer',
    now: NOW,
    scopes: [scope],
    subject: { sub: 'alice', iss: 'https://idp.example', groups: [], claims: {}, exp: NOW + 3600 },
    actor: undefined,
    context: jkt === undefined ? {} : { dpop_jkt: jkt },
  });
const assertion = (over: Partial<Assertion> = {}): Assertion => ({
  replayKey: 'id_jag:https://idp.example',
  claims: { sub: 'alice', jti: randomUUID(), exp: NOW + 300 },
  resource: API,
  clientId: 'agent',
  jkt: undefined,
  now: NOW,
  ...over,
});

async function refusal(a: Assertion, scope = 'read', trace: Trace = {}) {
  const err = await redeemAssertion(ctx, trace, asked(scope), a).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return { ...e.toJSON(), reason: e.reason };
}

describe('redeemAssertion', () => {
  it('issues a token for the subject, the resource and the decided scopes, until the assertion expires', async () => {
    const a = assertion({ extra: { auth_time: NOW - 10, acr: 'mfa' } });
    const trace: Trace = {};
    const { response, audit } = await redeemAssertion(ctx, trace, asked('read'), a);
    const token = response.body.access_token as string;
    expect(response).toEqual({
      body: { access_token: token, token_type: 'Bearer', expires_in: 300, scope: 'read' },
      headers: {},
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: API,
      currentDate: new Date(NOW * 1000),
    });
    expect(payload).toEqual({
      iss: ISSUER,
      sub: 'alice',
      aud: API,
      client_id: 'agent',
      scope: 'read',
      iat: NOW,
      exp: NOW + 300,
      jti: payload.jti,
      auth_time: NOW - 10,
      acr: 'mfa',
    });
    expect(trace.decision?.input).toEqual(asked('read'));
    expect(audit.decision).toBe(trace.decision);
    expect(audit.tokens).toEqual([
      {
        kind: 'issued',
        action: 'jwt_bearer',
        client_id: 'agent',
        sub: 'alice',
        jti: payload.jti,
        aud: API,
        scope: 'read',
        token_type: 'Bearer',
        iat: NOW,
        exp: NOW + 300,
        decision_id: trace.decision?.decision.decision_id,
        subject_jti: a.claims.jti,
      },
    ]);
    expect(audit.issued).toMatchObject({
      jti: payload.jti,
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    });
  });

  it("lives no longer than the policy's ttl and Mandate's ceiling", async () => {
    const long = assertion({ claims: { sub: 'alice', jti: randomUUID(), exp: NOW + 3600 } });
    expect((await redeemAssertion(ctx, {}, asked('read'), long)).response.body.expires_in).toBe(600);
    const capped = { ...ctx, maxTokenTtl: 120 } as OAuthContext;
    const again = assertion({ claims: { sub: 'alice', jti: randomUUID(), exp: NOW + 3600 } });
    expect((await redeemAssertion(capped, {}, asked('read'), again)).response.body.expires_in).toBe(120);
  });

  it('binds the token to the proved DPoP key', async () => {
    const { response } = await redeemAssertion(ctx, {}, asked('bound', JKT), assertion({ jkt: JKT }));
    expect(response.body.token_type).toBe('DPoP');
    expect(decodeJwt(response.body.access_token as string).cnf).toEqual({ jkt: JKT });
  });

  it('uses a jti once per namespace, remembered until the assertion expires (plus skew)', async () => {
    const a = assertion();
    await redeemAssertion(ctx, {}, asked('read'), a);
    expect(await refusal(a)).toEqual({
      error: 'invalid_grant',
      error_description: 'assertion has already been used',
      reason: 'jti_replay',
    });
    const row = await t.db.query<{ expires_at: string }>(
      'SELECT expires_at FROM replay WHERE namespace = $1 AND key = $2',
      [a.replayKey, a.claims.jti],
    );
    expect(Number(row.rows[0]?.expires_at)).toBe(NOW + 330);
    // Another issuer's assertion may carry the same jti.
    const other = await redeemAssertion(ctx, {}, asked('read'), {
      ...a,
      replayKey: 'workload:https://k8s.example',
    });
    expect(other.response.body.scope).toBe('read');
  });

  it('refuses a denial with the policy error, and does not use the assertion up', async () => {
    const a = assertion();
    const trace: Trace = {};
    expect(await refusal(a, 'denied', trace)).toEqual({
      error: 'unauthorized_client',
      error_description: 'not this agent',
      reason: 'policy:client_not_allowed',
    });
    expect(trace.decision?.decision.allow).toBe(false);
    expect((await redeemAssertion(ctx, {}, asked('read'), a)).response.body.scope).toBe('read');
  });

  it('refuses an unmet require_dpop as invalid_grant, and does not use the assertion up', async () => {
    const a = assertion();
    expect(await refusal(a, 'bound')).toEqual({
      error: 'invalid_grant',
      error_description: 'this target requires a DPoP-bound token: send a DPoP proof',
      reason: 'dpop_required',
    });
    expect(
      (await redeemAssertion(ctx, {}, asked('bound', JKT), { ...a, jkt: JKT })).response.body.token_type,
    ).toBe('DPoP');
  });

  it('refuses an assertion that expires before a token could live, and does not use it up', async () => {
    for (const exp of [NOW, NOW - 10]) {
      const a = assertion({ claims: { sub: 'alice', jti: randomUUID(), exp } });
      expect(await refusal(a)).toEqual({
        error: 'invalid_grant',
        error_description: 'assertion expires too soon',
        reason: 'ttl',
      });
      expect(await ctx.replay.remember(a.replayKey, a.claims.jti, NOW + 60)).toBe(true);
    }
  });
});
