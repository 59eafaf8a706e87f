/**
 * Issuing the authorization code (RFC 6749 §4.1.2, RFC 9207) against the real code store and audit
 * outbox (Postgres), decided by a real policy: 256 random bits, stored hashed with everything the
 * token request is checked against and redeemable once; the decision recorded before the code
 * leaves; the redirect with code, state and iss; temporarily_unavailable when the audit log is down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAuthorize } from '../../../src/oauth/authorize/authorize-decision.js';
import { issueCode } from '../../../src/oauth/authorize/issue-code.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { opaqueHash } from '../../../src/oauth/tokens/opaque-secret.js';
import {
  CHALLENGE,
  ISSUER,
  MCP,
  REDIRECT,
  request,
  session,
  startAuthorizeStack,
  type AuthorizeStack,
} from './authorize-stack.js';

const NOW = Math.floor(Date.now() / 1000);
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
let s: AuthorizeStack;
beforeAll(async () => {
  s = await startAuthorizeStack(() => NOW);
}, 60_000);
afterAll(async () => s?.close());

const codeOf = (location: string) => new URL(location).searchParams.get('code') ?? '';

describe('issueCode', () => {
  it('stores the code hashed with the request, the user and the decided scopes, and redirects with it', async () => {
    const req = request({ dpopJkt: JKT });
    const decided = await decideAuthorize(req, session, s.ctx, undefined);
    await s.events();
    const location = await issueCode(req, session, decided, s.ctx);
    const url = new URL(location);
    const code = codeOf(location);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
    expect(Object.fromEntries(url.searchParams)).toEqual({ code, state: 'xyz', iss: ISSUER });

    const consumed = await s.ctx.firstHop.codes.consume(opaqueHash(code), NOW);
    expect(consumed.status).toBe('consumed');
    const stored = consumed.status === 'consumed' ? consumed.code : undefined;
    expect(stored).toEqual({
      codeHash: opaqueHash(code),
      grantId: stored?.grantId,
      clientId: 'app',
      redirectUri: REDIRECT,
      redirectUriSent: true,
      codeChallenge: CHALLENGE,
      resource: MCP,
      scope: 'read',
      subject: session.subject,
      authTime: 1_000,
      dpopJkt: JKT,
      decisionId: decided.decision.decision_id,
      createdAt: NOW,
      expiresAt: NOW + 60,
    });
    expect(stored?.grantId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect((await s.ctx.firstHop.codes.consume(opaqueHash(code), NOW)).status).toBe('replayed');
    // The decision is in the audit log, with no token event: a code is not a token.
    const events = await s.events();
    expect(events.map((e) => e.type)).toEqual(['dev.mandate.decision']);
    expect(events[0]?.data).toMatchObject({
      decision_id: decided.decision.decision_id,
      enforced: { allow: true },
    });
  });

  it('issues a fresh code each time, without state when the client sent none, unbound without a key', async () => {
    const req = request({ state: undefined, redirectUriSent: false });
    const decided = await decideAuthorize(req, session, s.ctx, undefined);
    const a = await issueCode(req, session, decided, s.ctx);
    const b = await issueCode(req, session, decided, s.ctx);
    expect(codeOf(a)).not.toBe(codeOf(b));
    expect(Object.fromEntries(new URL(a).searchParams)).toEqual({ code: codeOf(a), iss: ISSUER });
    const consumed = await s.ctx.firstHop.codes.consume(opaqueHash(codeOf(a)), NOW);
    expect(consumed.status === 'consumed' && consumed.code).toMatchObject({
      dpopJkt: null,
      redirectUriSent: false,
    });
  });

  it('answers temporarily_unavailable, and no code, when the decision cannot be recorded', async () => {
    const down = await s.auditDown();
    const decided = await decideAuthorize(request(), session, down, undefined);
    const err = await issueCode(request(), session, decided, down).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the audit log is unavailable; try again shortly',
    });
    expect((err as OAuthError).status).toBe(503);
  });
});
