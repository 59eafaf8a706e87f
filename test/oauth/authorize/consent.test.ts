/**
 * The consent form's submission (RFC 6749 §10.12, RFC 9700 §4.7) against the real code and consent
 * stores and audit outbox (Postgres) and a real policy: a form is honoured only with the login
 * session, its CSRF token and the request sealed to that session; the sealed request is validated
 * and decided again; approval remembers the decided scopes and issues the code, a decline is
 * recorded and answered access_denied. The login port is a stand-in (src/federation has the real one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleConsent } from '../../../src/oauth/authorize/consent.js';
import type { LoginPort, LoginSession } from '../../../src/oauth/authorize/login-port.js';
import { Params } from '../../../src/oauth/params.js';
import { opaqueHash } from '../../../src/oauth/tokens/opaque-secret.js';
import {
  CHALLENGE,
  ISSUER,
  MCP,
  REDIRECT,
  session,
  startAuthorizeStack,
  type AuthorizeStack,
} from './authorize-stack.js';

const NOW = Math.floor(Date.now() / 1000);
let s: AuthorizeStack;
beforeAll(async () => {
  s = await startAuthorizeStack(() => NOW);
}, 60_000);
afterAll(async () => s?.close());

const bob: LoginSession = { ...session, sid: 'sid-2', subject: { ...session.subject, sub: 'bob' } };
const sessions = new Map([
  ['s=1', session],
  ['s=2', bob],
]);
const sealed = new Map<string, { sid: string; query: string }>();
const login: LoginPort = {
  session: (cookie) => (cookie === undefined ? undefined : sessions.get(cookie)),
  begin: () => Promise.reject(new Error('no login in these tests')),
  csrfToken: (sid) => `csrf-${sid}`,
  csrfValid: (sid, token) => token === `csrf-${sid}`,
  sealRequest(sid, query) {
    const key = `sealed-${sealed.size}`;
    sealed.set(key, { sid, query });
    return key;
  },
  openRequest: (key) => sealed.get(key),
};

const query = (over: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: 'app',
    redirect_uri: REDIRECT,
    response_type: 'code',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    resource: MCP,
    state: 'xyz',
    scope: 'read admin',
    ...over,
  }).toString();
/** The form as the consent page posts it, for the session `who`. */
const form = (who: LoginSession, decision: string, over: Record<string, string | undefined> = {}) => {
  const fields = { request: login.sealRequest(who.sid, query()), csrf: `csrf-${who.sid}`, decision, ...over };
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.append(k, v);
  return Params.parse(body.toString());
};
const page = (status: number, description: string) => ({
  kind: 'page',
  status,
  error: 'invalid_request',
  description,
});
const redirect = (outcome: Awaited<ReturnType<typeof handleConsent>>) => {
  expect(outcome.kind).toBe('redirect');
  const url = new URL(outcome.kind === 'redirect' ? outcome.location : '');
  expect(`${url.origin}${url.pathname}`).toBe(REDIRECT);
  return Object.fromEntries(url.searchParams);
};
const key = (sub: string) => ({ iss: 'https://idp.example', sub, clientId: 'app', resource: MCP });

describe('handleConsent', () => {
  it('on approval remembers the decided scopes and redirects with a code for them', async () => {
    await s.events();
    const params = redirect(await handleConsent(form(session, 'approve'), 's=1', s.ctx, login, '192.0.2.1'));
    expect(params).toEqual({ code: params.code, state: 'xyz', iss: ISSUER });
    expect(await s.ctx.firstHop.consents.get(key('alice'))).toEqual(['read']);
    const consumed = await s.ctx.firstHop.codes.consume(opaqueHash(params.code ?? ''), NOW);
    expect(consumed.status === 'consumed' && consumed.code).toMatchObject({ clientId: 'app', scope: 'read' });
    const events = await s.events();
    expect(events.map((e) => e.type)).toEqual(['dev.mandate.decision']);
    expect(events[0]?.data).toMatchObject({ input: { context: { ip: '192.0.2.1' } } });
  });

  it.each(['deny', ''])(
    'on anything but approve (%j) records the decline and answers access_denied',
    async (choice) => {
      await s.events();
      const outcome = await handleConsent(form(bob, choice), 's=2', s.ctx, login, undefined);
      expect(redirect(outcome)).toEqual({
        error: 'access_denied',
        error_description: 'the user declined the request',
        state: 'xyz',
        iss: ISSUER,
      });
      expect(await s.ctx.firstHop.consents.get(key('bob'))).toBeUndefined();
      const events = await s.events();
      expect(events.map((e) => e.type)).toEqual(['dev.mandate.token.refused']);
      expect(events[0]?.data).toMatchObject({
        kind: 'refused',
        action: 'authorize',
        client_id: 'app',
        sub: 'bob',
        aud: MCP,
        error: 'access_denied',
        reason: 'consent_declined',
      });
    },
  );

  it('answers a decline the audit log cannot take temporarily_unavailable', async () => {
    const outcome = await handleConsent(form(bob, 'deny'), 's=2', await s.auditDown(), login, undefined);
    expect(redirect(outcome)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the audit log is unavailable; try again shortly',
      state: 'xyz',
      iss: ISSUER,
    });
  });

  it('decides the sealed request again: a request the policy now denies is access_denied', async () => {
    const request = login.sealRequest(session.sid, query({ client_id: 'blocked' }));
    const outcome = await handleConsent(
      form(session, 'approve', { request }),
      's=1',
      s.ctx,
      login,
      undefined,
    );
    expect(redirect(outcome)).toMatchObject({
      error: 'access_denied',
      error_description: 'this client may not reach this server; nor with these scopes',
    });
  });

  it('validates the sealed request again: a page or a redirect as at the authorization endpoint', async () => {
    const unknown = login.sealRequest(session.sid, query({ client_id: 'nobody' }));
    expect(
      await handleConsent(form(session, 'approve', { request: unknown }), 's=1', s.ctx, login, undefined),
    ).toEqual(page(400, 'unknown client_id'));
    const badScope = login.sealRequest(session.sid, query({ scope: 'read "x"' }));
    const outcome = await handleConsent(
      form(session, 'approve', { request: badScope }),
      's=1',
      s.ctx,
      login,
      undefined,
    );
    expect(redirect(outcome)).toMatchObject({ error: 'invalid_scope', state: 'xyz' });
  });

  it.each([
    [
      'a repeated field',
      () => Params.parse('csrf=a&csrf=b&decision=approve'),
      's=1',
      page(400, 'the consent form is malformed'),
    ],
    [
      'no login session',
      () => form(session, 'approve'),
      undefined,
      page(400, 'your login session has expired: start again from the application'),
    ],
    [
      'an unknown session',
      () => form(session, 'approve'),
      's=9',
      page(400, 'your login session has expired: start again from the application'),
    ],
    [
      'no CSRF token',
      () => form(session, 'approve', { csrf: undefined }),
      's=1',
      page(403, 'the consent form is not valid for this session (CSRF check failed)'),
    ],
    [
      'a wrong CSRF token',
      () => form(session, 'approve', { csrf: 'csrf-forged' }),
      's=1',
      page(403, 'the consent form is not valid for this session (CSRF check failed)'),
    ],
    [
      "another session's CSRF token",
      () => form(session, 'approve', { csrf: 'csrf-sid-2' }),
      's=1',
      page(403, 'the consent form is not valid for this session (CSRF check failed)'),
    ],
    [
      'no sealed request',
      () => form(session, 'approve', { request: undefined }),
      's=1',
      page(400, 'the consent form has expired: start again from the application'),
    ],
    [
      'a request that does not open',
      () => form(session, 'approve', { request: 'forged' }),
      's=1',
      page(400, 'the consent form has expired: start again from the application'),
    ],
    [
      "another session's request",
      () => form(bob, 'approve', { csrf: 'csrf-sid-1' }),
      's=1',
      page(400, 'the consent form has expired: start again from the application'),
    ],
  ])('refuses a form with %s, issuing nothing', async (_, body, cookie, outcome) => {
    await s.events();
    expect(await handleConsent(body(), cookie, s.ctx, login, undefined)).toEqual(outcome);
    expect(await s.events()).toEqual([]);
  });
});
