/**
 * The kit's policy client as a unit (src/policy/tool-policy.ts, authzen.ts): the exact AuthZEN
 * 1.0 §6.1 request it sends, how it reads decisions, the fail-closed timeout (its decision cache:
 * tool-policy.cache.test.ts). The PDP is a fetch stand-in; the same client against a
 * real Mandate is test/oauth/authzen/kit-policy.test.ts in the repository.
 */
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/index.js';
import { access, call, json, pdp, policy } from './tool-policy-harness.js';

describe('the AuthZEN request (§6.1)', () => {
  it('names the user with the token and its facts, the tool with its arguments and attributes', async () => {
    const { sent, fetch } = pdp(() => json({ decision: true }));
    const p = policy(fetch, {
      attributes: { update_opportunity_stage: async () => ({ owner: 'alice', amount: 10 }) },
    });
    const act = { sub: 'mcp-a', client_id: 'mcp-a' };
    const a = access();
    expect(await p.decide({ ...a, claims: { ...a.claims, act } }, call)).toEqual({
      allow: true,
      decisionId: undefined,
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe('https://mandate.example/access/v1/evaluation');
    expect(sent[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from('mcp-crm:s3cret%3Awith%2Fchars').toString('base64')}`,
      'x-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(sent[0]!.body).toEqual({
      subject: {
        type: 'user',
        id: 'alice',
        properties: {
          token: 'eyJ.token.sig',
          client_id: 'claude-desktop',
          scopes: ['crm.read'],
          jti: 'jti-1',
          act,
        },
      },
      action: { name: 'tool_call' },
      resource: {
        type: 'mcp_tool',
        id: 'update_opportunity_stage',
        properties: { owner: 'alice', amount: 10, arguments: { id: 'opp-1', stage: 'Won' } },
      },
    });
  });
});

describe('the trace context', () => {
  it('sends the call’s traceparent on as a header, outside the decision and its cache key', async () => {
    const { sent, fetch } = pdp(() => json({ decision: true }));
    const p = policy(fetch);
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await p.decide(access(), { ...call, traceparent: tp });
    expect(sent[0]!.headers).toMatchObject({ traceparent: tp });
    expect(JSON.stringify(sent[0]!.body)).not.toContain('4bf92f35');
    await p.decide(access(), { ...call, traceparent: tp.replace('00f067aa', '11f067aa') });
    expect(p.evaluations).toBe(1);
    const none = pdp(() => json({ decision: true }));
    await policy(none.fetch).decide(access(), call);
    expect(none.sent[0]!.headers).not.toHaveProperty('traceparent');
  });
});

describe('reading the decision', () => {
  it('a step-up only when insufficient_scope is the only reason', async () => {
    const stepUp = {
      decision: false,
      context: {
        id: 'd-1',
        reason_admin: { en: 'insufficient_scope' },
        reason_user: { en: 'tool update_opportunity_stage needs crm.write' },
        scope: 'crm.read crm.write',
      },
    };
    expect(await policy(pdp(() => json(stepUp)).fetch).decide(access(), call)).toEqual({
      allow: false,
      decisionId: 'd-1',
      codes: ['insufficient_scope'],
      message: 'tool update_opportunity_stage needs crm.write',
      stepUpScopes: ['crm.read', 'crm.write'],
    });
    const both = {
      ...stepUp,
      context: { ...stepUp.context, reason_admin: { en: 'insufficient_scope not_owner' } },
    };
    expect(await policy(pdp(() => json(both)).fetch).decide(access(), call)).toMatchObject({
      allow: false,
      codes: ['insufficient_scope', 'not_owner'],
      stepUpScopes: undefined,
    });
  });

  it('a call a person must approve (context.approval_required) is a refusal that says so', async () => {
    const deferred = {
      decision: false,
      context: {
        id: 'd-2',
        reason_admin: { en: 'approval_unsupported' },
        reason_user: { en: 'Time off of more than 5 days needs your approval' },
        approval_required: true,
        binding_message: 'Time off of more than 5 days needs your approval',
        ttl_seconds: 900,
      },
    };
    expect(await policy(pdp(() => json(deferred)).fetch).decide(access(), call)).toEqual({
      allow: false,
      decisionId: 'd-2',
      codes: ['approval_unsupported'],
      message: 'Time off of more than 5 days needs your approval',
      stepUpScopes: undefined,
      approval: { bindingMessage: 'Time off of more than 5 days needs your approval' },
    });
    // Only the boolean true marks it: a string is no approval.
    const stringly = { ...deferred, context: { ...deferred.context, approval_required: 'true' } };
    expect(await policy(pdp(() => json(stringly)).fetch).decide(access(), call)).not.toHaveProperty(
      'approval',
    );
  });

  it('a per-evaluation error (§7.2.1) is a refusal saying so', async () => {
    const err = {
      decision: false,
      context: { error: { status: 403, message: 'not issued for this client' } },
    };
    expect(await policy(pdp(() => json(err)).fetch).decide(access(), call)).toMatchObject({
      allow: false,
      codes: ['evaluation_error'],
      message: 'the policy could not decide: not issued for this client',
    });
  });
});

describe('fail closed', () => {
  const cases: [string, () => Response | Promise<Response>, string, number][] = [
    ['a 500', () => json('boom', 500), 'temporarily_unavailable', 503],
    ['a body that is no decision', () => json({ decision: 'yes' }), 'temporarily_unavailable', 503],
    ['no JSON', () => new Response('<html>', { status: 200 }), 'temporarily_unavailable', 503],
    ['a refused client (401)', () => new Response('bad client', { status: 401 }), 'server_error', 500],
    ['a network error', () => Promise.reject(new TypeError('fetch failed')), 'temporarily_unavailable', 503],
  ];
  it.each(cases)('%s refuses the call', async (_name, answer, error, status) => {
    const e = await policy(pdp(answer).fetch)
      .decide(access(), call)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OAuthError);
    expect(e).toMatchObject({ error, status });
  });

  it('no answer within timeoutMs: 503 with Retry-After, not a hang', async () => {
    const hang = ((_u: unknown, init?: RequestInit) =>
      new Promise((_r, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      )) as typeof globalThis.fetch;
    const started = Date.now();
    const e = await policy(hang, { timeoutMs: 50 })
      .decide(access(), call)
      .catch((x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(e).toMatchObject({
      error: 'temporarily_unavailable',
      status: 503,
      headers: { 'Retry-After': '2' },
      message: 'the policy did not answer within 50 ms; try again',
    });
  });

  it('attributes that cannot be read refuse the call', async () => {
    const p = policy(pdp(() => json({ decision: true })).fetch, {
      attributes: { update_opportunity_stage: () => Promise.reject(new Error('CRM down')) },
    });
    await expect(p.decide(access(), call)).rejects.toMatchObject({ error: 'temporarily_unavailable' });
  });
});
