/**
 * The RFC 7523 jwt-bearer grant with ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant
 * §4.4), over real HTTP against a real Mandate (Postgres, compiled default policy): what is
 * accepted (the hostile assertions and their exact wire errors: jwt-bearer.refusals.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { dpopKey, nowSeconds } from '../id-jag/fixtures.js';
import { RESOURCE, SCOPE, useJwtBearer } from './jwt-bearer-harness.js';

describe('jwt-bearer grant with an ID-JAG', () => {
  const h = useJwtBearer();
  const { jag, redeem, verifyAccessToken } = h;

  it('issues an access token for the asserted resource, with no refresh token', async () => {
    const assertion = await jag({ auth_time: nowSeconds() - 30, acr: 'phr' });
    const res = await redeem(assertion);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: SCOPE });
    expect(res.body.expires_in).toBeGreaterThan(0);
    expect(res.body.expires_in).toBeLessThanOrEqual(300);
    const { payload } = await verifyAccessToken(String(res.body.access_token));
    expect(payload).toMatchObject({ sub: 'alice', client_id: 'ai-client', scope: SCOPE, acr: 'phr' });
    expect(payload.aud).toBe(RESOURCE);
    expect(payload.cnf).toBeUndefined();

    // RFC 7523 §3 item 7: the jti is remembered, in the shared Postgres store, until the ID-JAG expires.
    const { jti, exp } = JSON.parse(Buffer.from(assertion.split('.')[1]!, 'base64url').toString()) as {
      jti: string;
      exp: number;
    };
    const rows = await h.svc.db.db.query<{ expires_at: string }>(
      'SELECT expires_at FROM replay WHERE namespace = $1 AND key = $2',
      [`id_jag:${h.partner.issuer}`, jti],
    );
    expect(rows.rows.map((r) => Number(r.expires_at))).toEqual([exp + h.svc.service.ctx.clockSkew]);
  });

  it('accepts aud as an array holding only this issuer', async () => {
    const res = await redeem(await jag({ aud: [h.svc.issuer] }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('grants requested ∩ the assertion: a narrower request, and scopes the assertion lacks dropped', async () => {
    const narrow = await redeem(await jag(), { scope: 'hr.timeoff.read' });
    expect(narrow.status, JSON.stringify(narrow.body)).toBe(200);
    expect(narrow.body.scope).toBe('hr.timeoff.read');
    const wider = await redeem(await jag(), { scope: 'hr.profile.read hr.records.read' });
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);
    expect(wider.body.scope).toBe('hr.profile.read');
  });

  it('binds the token to the key of a cnf.jkt assertion when the proof uses that key', async () => {
    const key = await dpopKey();
    const res = await redeem(
      await jag({ cnf: { jkt: key.jkt } }),
      {},
      { dpop: await key.proof(h.svc.tokenEndpoint) },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.token_type).toBe('DPoP');
    const { payload } = await verifyAccessToken(String(res.body.access_token));
    expect(payload.cnf).toEqual({ jkt: key.jkt });
  });

  it("accepts a multi-tenant issuer's ID-JAG for the configured tenant", async () => {
    const res = await redeem(await jag({ tenant: 'acme' }, h.tenanted));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it('does not use up an assertion that was refused', async () => {
    const assertion = await jag();
    expect((await redeem(assertion, { scope: 'hr.records.read' })).body.error).toBe('invalid_scope');
    expect((await redeem(assertion)).status).toBe(200);
  });
});
