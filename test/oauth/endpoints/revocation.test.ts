/** Token revocation (RFC 7009) of first-hop tokens over real HTTP. */
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { getIssuedToken } from '../../../src/store/tokens.js';
import { form } from '../../helpers/service.js';
import { PUBLIC_CLIENT } from '../../helpers/browser.js';
import { newCode, redeem, useFirstHop } from '../../helpers/first-hop-session.js';

const now = () => Math.floor(Date.now() / 1000);

describe('revocation (RFC 7009)', () => {
  const fh = useFirstHop(now);

  it('answers 200 for unknown tokens and revokes access tokens by jti', async () => {
    const unknown = await fetch(`${fh.svc.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: 'no-such-token', client_id: PUBLIC_CLIENT.client_id }),
    });
    expect(unknown.status).toBe(200);
    const r = await redeem(fh.svc, await newCode(fh.browser, fh.svc.issuer));
    const at = String(r.body.access_token);
    await fetch(`${fh.svc.issuer}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token: at, client_id: PUBLIC_CLIENT.client_id }),
    });
    const jti = String(decodeJwt(at).jti);
    expect((await getIssuedToken(fh.svc.db.db, jti))?.revoked_at).toBeTypeOf('number');
    // The revocation is recorded: one token.revoked event naming the token, its client and why.
    const { rows } = await fh.svc.db.db.query<{ event: { type: string; data: Record<string, unknown> } }>(
      'SELECT event FROM outbox ORDER BY sequence',
    );
    const revoked = rows.map((r) => r.event).filter((e) => e.type === 'dev.mandate.token.revoked');
    expect(revoked.map((e) => e.data)).toEqual([
      expect.objectContaining({
        kind: 'revoked',
        action: 'revocation',
        client_id: PUBLIC_CLIENT.client_id,
        jti,
        reason: 'access_token',
      }),
    ]);
  });
});
