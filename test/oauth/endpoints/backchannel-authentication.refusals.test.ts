/**
 * The backchannel authentication endpoint's refusals of the request itself (OpenID CIBA Core 1.0
 * §7.1, §13, this profile's login_hint_token) and of the client, each with its exact error,
 * description and reason, and each recorded (token.refused, action backchannel_authentication)
 * with the client, authenticated or only claimed, before it is answered. Every recorded reason is
 * a member of the catalogue (src/oauth/refusals.ts), never the description: each kind of bad
 * request below is checked so, through the endpoint's one recording path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleBackchannelAuthentication } from '../../../src/oauth/endpoints/backchannel-authentication.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { isCatalogued } from '../../../src/oauth/refusals.js';
import { basic } from '../../helpers/service.js';
import { startBackchannelStack, type BackchannelStack } from './backchannel-stack.js';

let s: BackchannelStack;
beforeAll(async () => {
  s = await startBackchannelStack();
}, 120_000);
afterAll(async () => s?.close());

type Send = Record<string, string | string[] | undefined>;
async function refusal(params: Send, authorization?: string | null, ctx = s.ctx) {
  await s.events();
  const hint =
    params.login_hint_token === undefined && !('login_hint_token' in params)
      ? await s.subjectToken()
      : undefined;
  const req = s.request(
    { scope: 'crm.write', ...(hint === undefined ? {} : { login_hint_token: hint }), ...params },
    authorization,
  );
  const err = await handleBackchannelAuthentication(req, ctx).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  const events = await s.events();
  // One refusal, and the decision when the policy was asked.
  const refused = events.filter((ev) => ev.type === 'dev.mandate.token.refused');
  expect(refused).toHaveLength(1);
  expect(events.length - refused.length).toBe(
    events.some((ev) => ev.type === 'dev.mandate.decision') ? 1 : 0,
  );
  const reason = refused[0]!.data.reason;
  expect(isCatalogued(reason), `recorded reason ${JSON.stringify(reason)}`).toBe(true);
  expect(reason).toBe(e.reason);
  expect(reason).not.toBe(e.message);
  return { wire: { ...e.toJSON(), status: e.status, reason: e.reason }, recorded: refused[0]!.data };
}
const wire = (error: string, error_description: string, reason?: string, status = 400) => ({
  error,
  error_description,
  status,
  reason,
});

describe('handleBackchannelAuthentication refuses the client', () => {
  it('when this instance serves no approvals, recording the client it claims to be', async () => {
    const { approvals: _, ...without } = s.ctx;
    const { wire: w, recorded } = await refusal({}, undefined, without);
    expect(w).toEqual(
      wire('invalid_request', 'approvals are not served by this instance', 'approvals_unavailable'),
    );
    expect(recorded).toMatchObject({
      action: 'backchannel_authentication',
      claimed_client_id: 'mcp-salesforce',
    });
    expect(recorded).not.toHaveProperty('client_id');
  });

  it('that fails authentication: invalid_client, the claimed client recorded', async () => {
    const { wire: w, recorded } = await refusal({}, basic('mcp-salesforce', 'wrong'));
    expect(w).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(recorded).toMatchObject({ error: 'invalid_client', claimed_client_id: 'mcp-salesforce' });
  });

  it('that may not exchange tokens (a public client): unauthorized_client', async () => {
    const { wire: w, recorded } = await refusal({ client_id: 'demo-mcp-client' }, null);
    expect(w).toEqual(
      wire(
        'unauthorized_client',
        'only a client that may exchange tokens may ask for approvals',
        'grant_type',
      ),
    );
    expect(recorded).toMatchObject({
      client_id: 'demo-mcp-client',
      error: 'unauthorized_client',
      reason: 'grant_type',
    });
  });
});

describe('handleBackchannelAuthentication refuses the request', () => {
  const hintOnly = "name the user with login_hint_token alone: the access token the user's client presented";
  it.each([
    [
      'a binding_message over 200 characters',
      { binding_message: 'x'.repeat(201) },
      wire(
        'invalid_binding_message',
        'binding_message must be at most 200 characters, without control characters',
        'binding_message',
      ),
    ],
    [
      'a binding_message with a line break',
      { binding_message: 'ok\nApproved by security' },
      wire(
        'invalid_binding_message',
        'binding_message must be at most 200 characters, without control characters',
        'binding_message',
      ),
    ],
    [
      'requested_expiry 0',
      { requested_expiry: '0' },
      wire('invalid_request', 'requested_expiry must be a positive number of seconds', 'requested_expiry'),
    ],
    [
      'a fractional requested_expiry',
      { requested_expiry: '1.5' },
      wire('invalid_request', 'requested_expiry must be a positive number of seconds', 'requested_expiry'),
    ],
    [
      'a ten-digit requested_expiry',
      { requested_expiry: '1234567890' },
      wire('invalid_request', 'requested_expiry must be a positive number of seconds', 'requested_expiry'),
    ],
    ['login_hint beside it', { login_hint: 'alice' }, wire('invalid_request', hintOnly, 'login_hint')],
    ['id_token_hint beside it', { id_token_hint: 'a.b.c' }, wire('invalid_request', hintOnly, 'login_hint')],
    ['subject_token beside it', { subject_token: 'a.b.c' }, wire('invalid_request', hintOnly, 'login_hint')],
    [
      'no login_hint_token',
      { login_hint_token: undefined },
      wire('invalid_request', "missing required parameter 'login_hint_token'", 'parameter_missing'),
    ],
    [
      'no resource or audience',
      { resource: undefined },
      wire('invalid_request', "missing required parameter 'resource' or 'audience'", 'parameter_missing'),
    ],
    [
      'two resources',
      { resource: ['https://api.salesforce.example', 'https://api.workday.example'] },
      wire('invalid_target', 'request a token for one target service at a time', 'resource_many'),
    ],
    [
      'a resource with a fragment',
      { resource: 'https://api.salesforce.example/#x' },
      wire('invalid_target', 'resource must be an absolute URI without a fragment', 'resource_malformed'),
    ],
    [
      'a repeated binding_message',
      { binding_message: ['one', 'two'] },
      wire('invalid_request', "parameter 'binding_message' must not be repeated", 'parameter_repeated'),
    ],
    [
      'a malformed scope',
      { scope: 'crm.write "quoted"' },
      wire('invalid_scope', "malformed scope token '?quoted?'", 'scope_malformed'),
    ],
    [
      'actor_token_type without actor_token',
      { actor_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
      wire(
        'invalid_request',
        "'actor_token_type' must not be sent without 'actor_token'",
        'actor_token_type_unused',
      ),
    ],
    [
      'an unsupported requested_token_type',
      { requested_token_type: 'urn:example:saml' },
      wire(
        'invalid_request',
        "requested_token_type 'urn:example:saml' is not supported",
        'requested_token_type',
      ),
    ],
    [
      'a scope the policy denies',
      { scope: 'denied' },
      wire('access_denied', 'not for you', 'policy:scope_not_allowed', 403),
    ],
    [
      'a scope that needs no approval',
      { scope: 'crm.read' },
      wire(
        'invalid_request',
        'no approval is needed: exchange the token at the token endpoint',
        'approval_not_required',
      ),
    ],
    [
      'a scope whose token must be DPoP-bound, without a proof',
      { scope: 'bound' },
      wire('invalid_request', 'this target requires a DPoP-bound token: send a DPoP proof', 'dpop_required'),
    ],
    [
      'a login_hint_token that is no JWT',
      { login_hint_token: 'garbage' },
      wire(
        'unknown_user_id',
        'login_hint_token refused: subject_token is not a signed JWT',
        'login_hint_token_refused',
      ),
    ],
  ])('with %s', async (_, params, expected) => {
    const { wire: w, recorded } = await refusal(params);
    expect(w).toEqual(expected);
    expect(recorded).toMatchObject({
      kind: 'refused',
      action: 'backchannel_authentication',
      client_id: 'mcp-salesforce',
      error: expected.error,
      reason: expected.reason,
    });
  });

  it('with a login_hint_token issued to another client: unknown_user_id, the user recorded', async () => {
    const { wire: w, recorded } = await refusal({
      login_hint_token: await s.subjectToken({ aud: 'https://other.example' }),
    });
    expect(w).toEqual(
      wire(
        'unknown_user_id',
        'login_hint_token refused: subject_token was not issued to this client',
        'login_hint_token_refused',
      ),
    );
    expect(recorded).toMatchObject({ sub: 'alice', reason: 'login_hint_token_refused' });
  });

  it('with an expired login_hint_token: expired_login_hint_token', async () => {
    const expired = await s.subjectToken({ now: s.ctx.now() - 700 });
    const { wire: w } = await refusal({ login_hint_token: expired });
    expect(w).toEqual(
      wire(
        'expired_login_hint_token',
        'login_hint_token refused: subject_token has expired',
        'login_hint_token_expired',
      ),
    );
  });
});
