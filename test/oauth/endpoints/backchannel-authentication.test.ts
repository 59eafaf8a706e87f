/**
 * The backchannel authentication endpoint (OpenID CIBA Core 1.0 §7, poll mode; ADR 0014) on the
 * service's real protocol context, a real policy compiled with opa and the real audit outbox and
 * approval store (Postgres): an exchange the policy wants approved starts a pending approval whose
 * issuance is the exchange's token; the policy's other answers are refused, each recorded with its
 * decision. Parameter and client refusals: backchannel-authentication.refusals.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleBackchannelAuthentication } from '../../../src/oauth/endpoints/backchannel-authentication.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { opaqueHash } from '../../../src/oauth/tokens/opaque-secret.js';
import { API, MCP_SERVER, startBackchannelStack, type BackchannelStack } from './backchannel-stack.js';

let s: BackchannelStack;
beforeAll(async () => {
  s = await startBackchannelStack();
}, 120_000);
afterAll(async () => s?.close());

async function refusal(params: Record<string, string>, ctx = s.ctx) {
  const req = s.request({ login_hint_token: await s.subjectToken(), ...params });
  const err = await handleBackchannelAuthentication(req, ctx).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return { ...e.toJSON(), status: e.status, reason: e.reason };
}

describe('handleBackchannelAuthentication', () => {
  it('starts an approval of exactly the exchange asked for, recorded before the answer', async () => {
    await s.events();
    const subjectToken = await s.subjectToken();
    const req = s.request({
      login_hint_token: subjectToken,
      scope: 'crm.write',
      binding_message: 'ticket 7',
      requested_expiry: '60',
    });
    const body = await handleBackchannelAuthentication(req, s.ctx);
    const row = await s.parts.store.db.query<Record<string, unknown>>(
      'SELECT * FROM approvals WHERE auth_req_id_hash = $1',
      [opaqueHash(body.auth_req_id)],
    );
    const approval = row.rows[0]!;
    expect(body).toEqual({
      auth_req_id: body.auth_req_id,
      expires_in: 60,
      interval: 5,
      approval_uri: `${s.ctx.endpoints.approvals}/${String(approval.id)}`,
      // The policy's message (ADR 0014), not the client's.
      binding_message: 'alice asks to write to the CRM',
    });
    expect(body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(approval).toMatchObject({
      client_id: 'mcp-salesforce',
      sub: 'alice',
      iss: s.ctx.issuer,
      status: 'pending',
      client_binding_message: 'ticket 7',
      obligation: { binding_message: 'alice asks to write to the CRM', ttl_seconds: 120 },
      poll_interval: 5,
    });
    const act = {
      sub: 'mcp-salesforce',
      client_id: 'mcp-salesforce',
      act: { sub: 'demo-mcp-client', client_id: 'demo-mcp-client' },
    };
    expect(approval.issuance).toMatchObject({
      token: {
        issuer: s.ctx.issuer,
        sub: 'alice',
        aud: API,
        clientId: 'mcp-salesforce',
        scopes: ['crm.write'],
        act,
      },
      issuedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
      requestedScopes: ['crm.write'],
    });
    expect(approval.input).toMatchObject({
      action: 'token_exchange',
      actor: { sub: 'mcp-salesforce', client_id: 'mcp-salesforce', act: act.act },
      target: { resource: API },
      scopes: ['crm.write'],
      context: { ip: '192.0.2.7' },
    });
    const events = await s.events();
    expect(events.map((e) => e.type)).toEqual([
      'dev.mandate.decision',
      'dev.mandate.token.approval_requested',
    ]);
    expect(events[1]?.data).toMatchObject({
      kind: 'approval_requested',
      action: 'token_exchange',
      client_id: 'mcp-salesforce',
      sub: 'alice',
      aud: API,
      scope: 'crm.write',
      approval_id: approval.id,
      decision_id: events[0]?.data.decision_id,
    });
    expect(JSON.stringify(events)).not.toContain(body.auth_req_id);
  });

  it('refuses what the policy denies as access_denied, recorded with its decision', async () => {
    await s.events();
    expect(await refusal({ scope: 'denied' })).toEqual({
      error: 'access_denied',
      error_description: 'not for you',
      status: 403, // CIBA §13
      reason: 'policy:scope_not_allowed',
    });
    const events = await s.events();
    expect(events.map((e) => e.type)).toEqual(['dev.mandate.decision', 'dev.mandate.token.refused']);
    expect(events[1]?.data).toMatchObject({
      kind: 'refused',
      action: 'backchannel_authentication',
      client_id: 'mcp-salesforce',
      sub: 'alice',
      error: 'access_denied',
      reason: 'policy:scope_not_allowed',
      decision_id: events[0]?.data.decision_id,
    });
  });

  it.each([
    [
      'an exchange the policy allows outright',
      'crm.read',
      'no approval is needed: exchange the token at the token endpoint',
      'approval_not_required',
    ],
    [
      'a DPoP-bound exchange asked without a proof',
      'bound',
      'this target requires a DPoP-bound token: send a DPoP proof',
      'dpop_required',
    ],
  ])('refuses %s as invalid_request, recorded', async (_, scope, description, reason) => {
    await s.events();
    expect(await refusal({ scope })).toEqual({
      error: 'invalid_request',
      error_description: description,
      status: 400,
      reason,
    });
    const events = await s.events();
    expect(events.map((e) => e.type)).toEqual(['dev.mandate.decision', 'dev.mandate.token.refused']);
    expect(events[1]?.data).toMatchObject({ client_id: 'mcp-salesforce', error: 'invalid_request', reason });
  });

  it('answers temporarily_unavailable when the audit log cannot take the approval, starting none', async () => {
    const before = await s.parts.store.db.query('SELECT id FROM approvals');
    expect(await refusal({ scope: 'crm.write' }, await s.auditDown())).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the audit log is unavailable; try again shortly',
      status: 503,
      reason: 'audit_unavailable',
    });
    expect((await s.parts.store.db.query('SELECT id FROM approvals')).rows).toHaveLength(before.rows.length);
  });

  it('stays open as long as the policy says without requested_expiry, for the API, not the MCP server', async () => {
    const body = await handleBackchannelAuthentication(
      s.request({ login_hint_token: await s.subjectToken(), scope: 'crm.write' }),
      s.ctx,
    );
    const row = await s.parts.store.db.query<{ issuance: Record<string, unknown> }>(
      'SELECT issuance FROM approvals WHERE auth_req_id_hash = $1',
      [opaqueHash(body.auth_req_id)],
    );
    expect(body.expires_in).toBe(120);
    expect(JSON.stringify(row.rows[0]?.issuance)).not.toContain(MCP_SERVER);
  });
});
