/**
 * The refresh token grant's refusals and rotation (RFC 6749 §6, RFC 9700 §4.14.2), with their
 * exact wire bodies: scope, resource, revoked families, the grace window and reuse.
 */
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { getIssuedToken } from '../../../src/store/tokens.js';
import { form, MCP } from '../../helpers/service.js';
import { PUBLIC_CLIENT } from '../../helpers/browser.js';
import { newCode, postToken, redeem, useFirstHop } from '../../helpers/first-hop-session.js';

let offset = 0;
const now = () => Math.floor(Date.now() / 1000) + offset;

describe('refresh token grant', () => {
  const fh = useFirstHop(now);

  async function fresh() {
    const r = await redeem(fh.svc, await newCode(fh.browser, fh.svc.issuer));
    expect(r.status).toBe(200);
    return String(r.body.refresh_token);
  }
  const refresh = (rt: string, extra: Record<string, string> = {}) =>
    postToken(fh.svc, {
      grant_type: 'refresh_token',
      client_id: PUBLIC_CLIENT.client_id,
      refresh_token: rt,
      ...extra,
    });

  it('a wider scope is invalid_scope', async () => {
    const g = await newCode(fh.browser, fh.svc.issuer, { scope: 'crm.read' });
    const rt = String((await redeem(fh.svc, g)).body.refresh_token);
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
    const rev = await fetch(`${fh.svc.issuer}/revoke`, {
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
      expect((await getIssuedToken(fh.svc.db.db, jti))?.revoked_at).toBeTypeOf('number');
    } finally {
      offset -= 31;
    }
  });
});
