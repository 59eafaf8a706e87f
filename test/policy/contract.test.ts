// The decision contract: which inputs a policy may be given and which results are an allow or a
// deny. An allow must say what it grants and for how long; anything else is outside the contract.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENTRYPOINT,
  decisionActions,
  decisionInputSchema,
  policyResultSchema,
} from '../../src/policy/contract.js';
import { input } from './helpers.js';

const ok = (v: unknown): boolean => decisionInputSchema.safeParse(v).success;

describe('decision input', () => {
  it('accepts every action and the documented entrypoint is mcp/authz/decision', () => {
    expect(DEFAULT_ENTRYPOINT).toBe('mcp/authz/decision');
    for (const action of decisionActions) expect(ok(input({ action })), action).toBe(true);
    expect(decisionActions).toEqual([
      'token_exchange',
      'authorize',
      'jwt_bearer',
      'refresh',
      'tool_call',
      'id_jag',
    ]);
  });

  it('refuses an unknown action, a negative or fractional now, empty identities and unknown trust', () => {
    expect(ok({ ...input(), action: 'delete' })).toBe(false);
    expect(ok(input({ now: -1 }))).toBe(false);
    expect(ok(input({ now: 1.5 }))).toBe(false);
    expect(ok(input({ subject: { ...input().subject, sub: '' } }))).toBe(false);
    expect(ok(input({ client: { client_id: 'c', trust: 'trusted' as 'registered' } }))).toBe(false);
    expect(ok(input({ actor: { sub: '' } }))).toBe(false);
  });

  it('takes the optional parts, the actor chain and tool-call context', () => {
    const { actor: _actor, ...noActor } = input();
    expect(ok(noActor)).toBe(true);
    expect(
      ok(
        input({
          actor: { sub: 'b', act: { sub: 'a' } },
          context: {
            tool: 'crm_update',
            arguments: { id: 1 },
            attributes: { owner: 'x' },
            token_jti: 'j',
            auth_time: 1,
          },
        }),
      ),
    ).toBe(true);
    expect(ok(input({ context: { auth_time: 1.5 } }))).toBe(false);
  });
});

describe('policy result', () => {
  const parse = (v: unknown) => policyResultSchema.safeParse(v);

  it('requires an allow to state scopes and a whole non-negative ttl', () => {
    expect(parse({ allow: true }).success).toBe(false);
    expect(parse({ allow: true, scopes: [] }).success).toBe(false);
    expect(parse({ allow: true, scopes: [], ttl_seconds: -1 }).success).toBe(false);
    expect(parse({ allow: true, scopes: [], ttl_seconds: 1.5 }).success).toBe(false);
    expect(parse({ allow: true, scopes: ['a'], ttl_seconds: 60 }).data).toEqual({
      allow: true,
      scopes: ['a'],
      ttl_seconds: 60,
      reasons: [],
      obligations: {},
    });
  });

  it('completes a bare deny with nothing granted', () => {
    expect(parse({ allow: false }).data).toEqual({
      allow: false,
      scopes: [],
      ttl_seconds: 0,
      reasons: [],
      obligations: {},
    });
  });

  it('refuses a non-boolean allow and malformed reasons', () => {
    expect(parse({ allow: 'true', scopes: [], ttl_seconds: 1 }).success).toBe(false);
    expect(parse({ allow: false, reasons: [{ code: 'x' }] }).success).toBe(false);
    expect(parse({ allow: false, reasons: ['x', { code: 'y', message: 'z' }] }).success).toBe(true);
  });

  it('passes unknown obligations through and checks the known ones', () => {
    const r = parse({ allow: false, obligations: { require_dpop: true, notify: 'sec' } });
    expect(r.data?.obligations).toEqual({ require_dpop: true, notify: 'sec' });
    expect(parse({ allow: false, obligations: { require_dpop: 'yes' } }).success).toBe(false);
  });
});
