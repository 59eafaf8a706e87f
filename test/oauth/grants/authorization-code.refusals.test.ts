/**
 * Refusals of the authorization code grant at the token endpoint, with their exact wire bodies
 * (RFC 6749 §5.2): PKCE, redirect_uri, resource, replayed and expired codes, client credentials.
 */
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { getIssuedToken } from '../../../src/store/tokens.js';
import { basic, MCP } from '../../helpers/service.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, pkce, PUBLIC_CLIENT } from '../../helpers/browser.js';
import { newCode, postToken, redeem, useFirstHop } from '../../helpers/first-hop-session.js';

let offset = 0;
const now = () => Math.floor(Date.now() / 1000) + offset;

describe('authorization code grant refusals', () => {
  const fh = useFirstHop(now);

  it('wrong PKCE verifier', async () => {
    const g = await newCode(fh.browser, fh.svc.issuer);
    const r = await redeem(fh.svc, g, { code_verifier: pkce().verifier });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'invalid_grant',
      error_description: 'code_verifier does not match the code_challenge',
    });
  });

  it('redirect_uri differing from the authorization request', async () => {
    const g = await newCode(fh.browser, fh.svc.issuer);
    const r = await redeem(fh.svc, g, { redirect_uri: 'http://127.0.0.1:49153/callback' });
    expect(r.body).toEqual({
      error: 'invalid_grant',
      error_description: 'redirect_uri does not match the authorization request',
    });
  });

  it('redirect_uri left out although the authorization request sent it (RFC 6749 §4.1.3)', async () => {
    // The confidential client has exactly one registered URI, so only the rule itself refuses this.
    const conf = { authorization: basic(CONFIDENTIAL_CLIENT.client_id, CONFIDENTIAL_SECRET) };
    const sent = await newCode(
      fh.browser,
      fh.svc.issuer,
      { redirect_uri: 'https://conf.example/cb' },
      { client_id: CONFIDENTIAL_CLIENT.client_id },
      'https://conf.example/cb',
    );
    const r = await postToken(
      fh.svc,
      { grant_type: 'authorization_code', code: sent.code, code_verifier: sent.pkce.verifier },
      conf,
    );
    expect(r.body).toEqual({
      error: 'invalid_grant',
      error_description: 'redirect_uri does not match the authorization request',
    });
    // Left out at both steps (one registered URI): accepted.
    const omitted = await newCode(
      fh.browser,
      fh.svc.issuer,
      { redirect_uri: undefined },
      { client_id: CONFIDENTIAL_CLIENT.client_id },
      'https://conf.example/cb',
    );
    const ok = await postToken(
      fh.svc,
      { grant_type: 'authorization_code', code: omitted.code, code_verifier: omitted.pkce.verifier },
      conf,
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('resource changed at token time', async () => {
    const g = await newCode(fh.browser, fh.svc.issuer);
    const r = await redeem(fh.svc, g, { resource: MCP.workday });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'invalid_target',
      error_description: 'resource differs from the authorization request',
    });
  });

  it('a replayed code is refused and revokes everything the first redemption issued', async () => {
    const g = await newCode(fh.browser, fh.svc.issuer);
    const first = await redeem(fh.svc, g);
    expect(first.status).toBe(200);
    const replay = await redeem(fh.svc, g);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the authorization code is invalid, expired or already used',
    });
    const jti = String(decodeJwt(String(first.body.access_token)).jti);
    expect((await getIssuedToken(fh.svc.db.db, jti))?.revoked_at).toBeTypeOf('number');
    const refresh = await postToken(fh.svc, {
      grant_type: 'refresh_token',
      client_id: PUBLIC_CLIENT.client_id,
      refresh_token: String(first.body.refresh_token),
    });
    expect(refresh.body).toEqual({
      error: 'invalid_grant',
      error_description: 'the refresh token has been revoked',
    });
  });

  it('an expired code', async () => {
    const g = await newCode(fh.browser, fh.svc.issuer);
    offset += 61;
    try {
      const r = await redeem(fh.svc, g);
      expect(r.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the authorization code has expired',
      });
    } finally {
      offset -= 61;
    }
  });

  it('bad client credentials are invalid_client (401, WWW-Authenticate)', async () => {
    const g = await newCode(
      fh.browser,
      fh.svc.issuer,
      { redirect_uri: 'https://conf.example/cb' },
      { client_id: CONFIDENTIAL_CLIENT.client_id },
      'https://conf.example/cb',
    );
    const r = await postToken(
      fh.svc,
      {
        grant_type: 'authorization_code',
        code: g.code,
        code_verifier: g.pkce.verifier,
        redirect_uri: 'https://conf.example/cb',
      },
      { authorization: basic(CONFIDENTIAL_CLIENT.client_id, 'wrong-secret-0123456789abcdef0123456789') },
    );
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="mandate", charset="UTF-8"');
    expect(r.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    const ok = await postToken(
      fh.svc,
      {
        grant_type: 'authorization_code',
        code: g.code,
        code_verifier: g.pkce.verifier,
        redirect_uri: 'https://conf.example/cb',
      },
      { authorization: basic(CONFIDENTIAL_CLIENT.client_id, CONFIDENTIAL_SECRET) },
    );
    expect(ok.status).toBe(200);
  });
});
