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
    expect((await getIssuedToken(fh.svc.db.db, String(decodeJwt(at).jti)))?.revoked_at).toBeTypeOf('number');
  });
});
