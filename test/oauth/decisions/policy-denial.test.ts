import { describe, expect, it } from 'vitest';
import { denialError } from '../../../src/oauth/decisions/policy-denial.js';
import type { Decision } from '../../../src/policy/contract.js';

const deny = (reasons: Decision['reasons']): Decision => ({
  decision_id: 'd1',
  path: 'mandate/token_exchange',
  allow: false,
  scopes: [],
  ttl_seconds: 0,
  reasons,
  obligations: {},
  result: {},
  bundle: { revision: 'r', digest: 'd' },
  metrics: { timer_eval_ns: 0 },
  timestamp: '2026-01-01T00:00:00Z',
});

describe('denialError', () => {
  it.each([
    ['unknown_target', 'invalid_target'],
    ['unknown_resource', 'invalid_target'],
    ['downstream_subject_unmapped', 'invalid_target'],
    ['actor_not_allowed', 'unauthorized_client'],
    ['client_not_allowed', 'unauthorized_client'],
    ['scope_not_allowed', 'invalid_scope'],
    ['dpop_required', 'invalid_request'],
    ['some_custom_code', 'invalid_grant'],
  ])('maps the reason %s to %s', (code, error) => {
    const e = denialError(deny([{ code, message: `because ${code}` }]));
    expect(e.toJSON()).toEqual({ error, error_description: `because ${code}` });
    expect(e.reason).toBe(`policy:${code}`);
  });

  it('picks the most precise error when several reasons apply, and joins their messages', () => {
    const e = denialError(
      deny([
        { code: 'scope_not_allowed', message: 'no write' },
        { code: 'actor_not_allowed', message: 'not this agent' },
        { code: 'unknown_target', message: 'no such target' },
      ]),
    );
    expect(e.toJSON()).toEqual({
      error: 'invalid_target',
      error_description: 'no write; not this agent; no such target',
    });
    expect(e.reason).toBe('policy:scope_not_allowed,actor_not_allowed,unknown_target');
    expect(denialError(deny(['scope_not_allowed', 'dpop_required'])).error).toBe('invalid_request');
  });

  it('says "denied by policy" when the policy gave no text, and policy:deny without reasons', () => {
    expect(denialError(deny([])).toJSON()).toEqual({
      error: 'invalid_grant',
      error_description: 'denied by policy',
    });
    expect(denialError(deny([])).reason).toBe('policy:deny');
    expect(denialError(deny([{ code: 'x', message: '' }])).toJSON().error_description).toBe(
      'denied by policy',
    );
  });

  it('hides a failed policy behind a generic description, keeping the codes in the reason', () => {
    const e = denialError(
      deny([{ code: 'policy_error', message: 'rego: undefined ref data.secret' }]),
      'invalid_client',
    );
    expect(e.toJSON()).toEqual({ error: 'invalid_client', error_description: 'policy evaluation failed' });
    expect(e.reason).toBe('policy:policy_error');
    expect(denialError(deny(['unknown_target', 'policy_result_invalid'])).toJSON()).toEqual({
      error: 'invalid_grant',
      error_description: 'policy evaluation failed',
    });
  });

  it('uses the fallback for unmapped codes', () => {
    expect(denialError(deny(['nope']), 'access_denied').error).toBe('access_denied');
  });
});
