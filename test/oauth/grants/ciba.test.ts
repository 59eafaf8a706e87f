// OpenID CIBA poll mode for exchanges a policy wants approved (ADR 0014), over real HTTP against a
// real Mandate, real Postgres and a real policy compiled with opa.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalRepo } from '../../../src/store/approvals.js';
import { ACCESS_TOKEN, post, salesforceExchange, subjectClaims } from '../../helpers/exchange.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { buildBundle, tempDir, writePolicy } from '../../policy/helpers.js';

const CIBA = 'urn:openid:params:grant-type:ciba';
const POLICY = `package mcp.authz

writes if "crm.write" in input.scopes

known if input.target.resource != "https://unknown.example"

allowed := {"allow": true, "scopes": input.scopes, "ttl_seconds": 300, "reasons": []}

decision := object.union(allowed, {"obligations": {"require_approval": {
  "binding_message": "alice asks to write to the CRM", "ttl_seconds": 60}}}) if { known; writes }

decision := object.union(allowed, {"obligations": {}}) if { known; not writes }

decision := {"allow": false, "reasons": [{"code": "unknown_target", "message": "no such service"}]} if not known
`;

let svc: TestService;
let clock = Math.floor(Date.now() / 1000);
const bob = { sub: 'bob', iss: 'https://idp', groups: [] };

beforeAll(async () => {
  const bundle = await buildBundle(join(tempDir(), 'approval.tar.gz'), { src: writePolicy(POLICY) });
  svc = await startTestService({ env: { MANDATE_POLICY_BUNDLE: bundle }, now: () => clock });
}, 120_000);
afterAll(async () => svc?.close());

const sfAuth = { authorization: basic('mcp-salesforce', SECRETS.salesforce) };
const subjectToken = async (): Promise<string> =>
  svc.idp.mint(subjectClaims(svc, { iat: clock, exp: clock + 600 }), { typ: 'at+jwt' });

async function ask(params: Record<string, string> = {}) {
  return post(
    `${svc.issuer}/bc-authorize`,
    form({ login_hint_token: await subjectToken(), resource: API.salesforce, scope: 'crm.write', ...params }),
    sfAuth,
  );
}
const poll = (authReqId: string, auth = sfAuth) =>
  post(svc.tokenEndpoint, form({ grant_type: CIBA, auth_req_id: authReqId }), auth);

async function approvalIdOf(authReqId: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(authReqId).digest('base64url');
  const res = await svc.db.db.query<{ id: string }>('SELECT id FROM approvals WHERE auth_req_id_hash = $1', [
    hash,
  ]);
  return res.rows[0]!.id;
}

async function events(): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const res = await svc.db.db.query<{ event: { type: string; data: Record<string, unknown> } }>(
    'SELECT event FROM outbox ORDER BY sequence',
  );
  return res.rows.map((r) => r.event);
}

describe('an exchange the policy wants approved', () => {
  it('is not issued at the token endpoint: interaction_required', async () => {
    const res = await salesforceExchange(svc, { subject_token: await subjectToken(), scope: 'crm.write' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'interaction_required',
      error_description:
        'a person must approve this request (alice asks to write to the CRM): send it to the backchannel authentication endpoint',
    });
  });

  it('is advertised: backchannel endpoint, poll mode, the CIBA grant', async () => {
    const res = await fetch(`${svc.issuer}/.well-known/oauth-authorization-server`);
    const md = (await res.json()) as Record<string, unknown>;
    expect(md).toMatchObject({
      backchannel_authentication_endpoint: `${svc.issuer}/bc-authorize`,
      backchannel_token_delivery_modes_supported: ['poll'],
      backchannel_user_code_parameter_supported: false,
    });
    expect(md.grant_types_supported).toContain(CIBA);
  });

  it('waits, slows a hasty poller down, and issues exactly what was decided once approved; once', async () => {
    const started = await ask();
    expect(started.status).toBe(200);
    expect(started.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(started.body).sort()).toEqual([
      'approval_uri',
      'auth_req_id',
      'binding_message',
      'expires_in',
      'interval',
    ]);
    expect(started.body).toMatchObject({
      expires_in: 60,
      interval: 5,
      binding_message: 'alice asks to write to the CRM',
    });
    const id = started.body.auth_req_id as string;
    expect(started.body.approval_uri).toBe(`${svc.issuer}/approvals/${await approvalIdOf(id)}`);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await poll(id)).body).toMatchObject({ error: 'authorization_pending' });
    expect((await poll(id)).body).toMatchObject({ error: 'slow_down' });
    clock += 11; // the interval is now 10 s
    expect((await poll(id)).body).toMatchObject({ error: 'authorization_pending' });

    const approvalId = await approvalIdOf(id);
    expect(await createApprovalRepo(svc.db.db).decide(approvalId, 'approved', bob, clock)).toBeDefined();
    clock += 10;
    const issued = await poll(id);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: ACCESS_TOKEN,
      expires_in: 300,
    });
    expect(issued.body).not.toHaveProperty('scope'); // as requested
    const claims = decodeJwt(issued.body.access_token as string);
    expect(claims).toMatchObject({
      sub: 'alice',
      aud: API.salesforce,
      client_id: 'mcp-salesforce',
      scope: 'crm.write',
      act: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce', act: { sub: 'claude-desktop' } },
    });

    // auth_req_id is single use.
    const replay = await poll(id);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'auth_req_id has already been used',
    });

    // decision → approval → issuance, chained by decision_id and approval_id.
    const all = await events();
    const requested = all.find(
      (e) => e.type === 'dev.mandate.token.approval_requested' && e.data.approval_id === approvalId,
    )!;
    const decisionId = requested.data.decision_id;
    const decision = all.find((e) => e.type === 'dev.mandate.decision' && e.data.decision_id === decisionId)!;
    expect((decision.data.enforced as { obligations: unknown }).obligations).toMatchObject({
      require_approval: { binding_message: 'alice asks to write to the CRM', ttl_seconds: 60 },
    });
    const token = all.find(
      (e) => e.type === 'dev.mandate.token.issued' && e.data.approval_id === approvalId,
    )!;
    expect(token.data).toMatchObject({
      decision_id: decisionId,
      approver: 'bob',
      jti: claims.jti,
      scope: 'crm.write',
      sub: 'alice',
    });
    expect(all.indexOf(decision)).toBeLessThan(all.indexOf(requested));
    expect(all.indexOf(requested)).toBeLessThan(all.indexOf(token));
  });

  it('a denial is access_denied, and stays so', async () => {
    const id = (await ask()).body.auth_req_id as string;
    await createApprovalRepo(svc.db.db).decide(await approvalIdOf(id), 'denied', bob, clock);
    for (let i = 0; i < 2; i++) {
      clock += 10;
      const res = await poll(id);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'access_denied', error_description: 'the request was denied' });
    }
  });

  it('an expired request is expired_token, approved or not', async () => {
    const id = (await ask()).body.auth_req_id as string;
    const late = (await ask({ requested_expiry: '30' })).body;
    expect(late.expires_in).toBe(30);
    clock += 61;
    expect((await poll(id)).body).toEqual({
      error: 'expired_token',
      error_description: 'the approval request has expired',
    });
    expect(
      await createApprovalRepo(svc.db.db).decide(await approvalIdOf(id), 'approved', bob, clock),
    ).toBeUndefined();
  });

  it('another client polling it, or an unknown auth_req_id, is invalid_grant', async () => {
    const id = (await ask()).body.auth_req_id as string;
    const other = await post(
      svc.tokenEndpoint,
      form({ grant_type: CIBA, auth_req_id: id, client_id: 'mcp-workday', client_secret: SECRETS.workday }),
    );
    const unknown = await poll('x'.repeat(43));
    for (const res of [other, unknown]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'auth_req_id is invalid or was issued to another client',
      });
    }
  });

  it.each([
    [
      { scope: 'crm.read' },
      400,
      'invalid_request',
      'no approval is needed: exchange the token at the token endpoint',
    ],
    [
      { login_hint: 'alice' },
      400,
      'invalid_request',
      "name the user with login_hint_token alone: the access token the user's client presented",
    ],
    [
      { binding_message: 'a\nb' },
      400,
      'invalid_binding_message',
      'binding_message must be at most 200 characters, without control characters',
    ],
    [
      { requested_expiry: '-1' },
      400,
      'invalid_request',
      'requested_expiry must be a positive number of seconds',
    ],
    [
      { login_hint_token: 'not-a-jwt' },
      400,
      'unknown_user_id',
      expect.stringMatching(/^login_hint_token refused: /),
    ],
  ])('a request %j is refused as CIBA says', async (params, status, error, description) => {
    const res = await ask(params as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: description });
  });

  it('a subject the policy denies is access_denied (403) at the backchannel endpoint', async () => {
    const res = await ask({ resource: 'https://unknown.example' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'access_denied', error_description: 'no such service' });
  });

  it('a DPoP-bound request is redeemed only with a proof of the same key, which nothing else uses up', async () => {
    const keyOf = async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      const proof = (url: string) =>
        new SignJWT({ htm: 'POST', htu: url, jti: randomUUID(), iat: clock })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
          .sign(privateKey);
      return { proof, jkt: await calculateJwkThumbprint(jwk) };
    };
    const key = await keyOf();
    const other = await keyOf();
    const started = await post(
      `${svc.issuer}/bc-authorize`,
      form({ login_hint_token: await subjectToken(), resource: API.salesforce, scope: 'crm.write' }),
      { ...sfAuth, dpop: await key.proof(`${svc.issuer}/bc-authorize`) },
    );
    expect(started.status).toBe(200);
    const id = started.body.auth_req_id as string;
    await createApprovalRepo(svc.db.db).decide(await approvalIdOf(id), 'approved', bob, clock);
    const mismatch = {
      error: 'invalid_grant',
      error_description: 'send a DPoP proof with the key the request was made with',
    };
    expect((await poll(id)).body).toEqual(mismatch);
    const wrongKey = await post(svc.tokenEndpoint, form({ grant_type: CIBA, auth_req_id: id }), {
      ...sfAuth,
      dpop: await other.proof(svc.tokenEndpoint),
    });
    expect(wrongKey.body).toEqual(mismatch);
    const issued = await post(svc.tokenEndpoint, form({ grant_type: CIBA, auth_req_id: id }), {
      ...sfAuth,
      dpop: await key.proof(svc.tokenEndpoint),
    });
    expect(issued.status).toBe(200);
    expect(issued.body.token_type).toBe('DPoP');
    expect(decodeJwt(issued.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
  });

  it('the client must authenticate', async () => {
    const res = await post(
      `${svc.issuer}/bc-authorize`,
      form({ login_hint_token: await subjectToken(), resource: API.salesforce, scope: 'crm.write' }),
    );
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
  });
});
