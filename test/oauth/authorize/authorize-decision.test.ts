/**
 * The `authorize` decision with a real policy compiled with opa and the real audit outbox
 * (Postgres): its exact input; an allow returned with its fact and nothing recorded; a denial
 * recorded (decision, then token.refused) before the client hears access_denied with the policy's
 * reasons; temporarily_unavailable instead when the audit log cannot take the refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizeError } from '../../../src/oauth/authorize/authorization-request.js';
import { decideAuthorize, recordRefusalOrRedirect } from '../../../src/oauth/authorize/authorize-decision.js';
import {
  client,
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

async function refusal(promise: Promise<unknown>) {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthorizeError);
  const e = err as AuthorizeError;
  return { error: e.error, description: e.message, target: e.target, reason: e.reason };
}
/** Where a refusal of the request goes back to, naming its client. */
const back = (clientId: string) => ({ redirectUri: REDIRECT, state: 'xyz', clientId });

describe('decideAuthorize', () => {
  it('asks for the user, the client, the server and the scopes, and returns the allow with its fact', async () => {
    await s.events();
    const decided = await decideAuthorize(request({ dpopJkt: JKT }), session, s.ctx, '192.0.2.1');
    expect(decided.fact).toEqual({
      decision: decided.decision,
      input: {
        action: 'authorize',
        now: NOW,
        subject: { sub: 'alice', iss: 'https://idp.example', groups: ['sales'], claims: { name: 'Alice' } },
        client: { client_id: 'app', trust: 'dynamic' },
        target: { resource: MCP },
        scopes: ['read', 'admin'],
        context: { auth_time: 1_000, dpop_jkt: JKT, ip: '192.0.2.1' },
      },
    });
    expect(decided.decision).toMatchObject({ allow: true, scopes: ['read'], ttl_seconds: 300 });
    // Recorded with the code or the consent that follows, not here.
    expect(await s.events()).toEqual([]);
    const bare = await decideAuthorize(request(), session, s.ctx, undefined);
    expect(bare.fact.input.context).toEqual({ auth_time: 1_000 });
  });

  it("records a denial, then answers access_denied with the policy's reasons", async () => {
    await s.events();
    const denied = decideAuthorize(request({ client: client('blocked') }), session, s.ctx, undefined);
    expect(await refusal(denied)).toEqual({
      error: 'access_denied',
      description: 'this client may not reach this server; nor with these scopes',
      target: back('blocked'),
      reason: 'policy',
    });
    const events = await s.events();
    expect(events.map((e) => e.type)).toEqual(['dev.mandate.decision', 'dev.mandate.token.refused']);
    expect(events[0]?.data).toMatchObject({
      enforced: { allow: false },
      input: { client: { client_id: 'blocked' } },
    });
    expect(events[1]?.data).toMatchObject({
      kind: 'refused',
      action: 'authorize',
      client_id: 'blocked',
      sub: 'alice',
      aud: MCP,
      error: 'access_denied',
      reason: 'policy:client_not_allowed,scope_not_allowed',
      decision_id: events[0]?.data.decision_id,
    });
  });

  it('says "denied by policy" when the policy gave no reasons (the engine says policy_denied)', async () => {
    await s.events();
    const denied = decideAuthorize(
      request({ client: client('silent'), state: undefined }),
      session,
      s.ctx,
      undefined,
    );
    expect(await refusal(denied)).toEqual({
      error: 'access_denied',
      description: 'denied by policy',
      target: { redirectUri: REDIRECT, state: undefined, clientId: 'silent' },
      reason: 'policy',
    });
    expect((await s.events())[1]?.data).toMatchObject({
      client_id: 'silent',
      reason: 'policy:policy_denied',
    });
  });

  it('answers temporarily_unavailable, not the denial, when the audit log cannot take it', async () => {
    const down = await s.auditDown();
    const denied = decideAuthorize(request({ client: client('blocked') }), session, down, undefined);
    expect(await refusal(denied)).toEqual({
      error: 'temporarily_unavailable',
      description: 'the audit log is unavailable; try again shortly',
      target: back('blocked'),
      reason: 'audit_unavailable',
    });
    // An allow does not need the audit log here.
    expect((await decideAuthorize(request(), session, down, undefined)).decision.allow).toBe(true);
  });
});

describe('recordRefusalOrRedirect', () => {
  const entry = {
    tokens: [
      {
        kind: 'refused' as const,
        action: 'authorize',
        client_id: 'app',
        error: 'access_denied',
        reason: 'consent_declined' as const,
      },
    ],
  };

  it('records the refusal', async () => {
    await s.events();
    await recordRefusalOrRedirect(s.ctx, entry, 'a test refusal', back('app'));
    expect((await s.events()).map((e) => [e.type, e.data.reason])).toEqual([
      ['dev.mandate.token.refused', 'consent_declined'],
    ]);
  });

  it('turns an audit outage into temporarily_unavailable for the client, logged', async () => {
    const down = await s.auditDown();
    expect(await refusal(recordRefusalOrRedirect(down, entry, 'a test refusal', back('app')))).toEqual({
      error: 'temporarily_unavailable',
      description: 'the audit log is unavailable; try again shortly',
      target: back('app'),
      reason: 'audit_unavailable',
    });
  });
});
