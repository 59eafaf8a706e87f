import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enforceInvariants } from '../../src/policy/invariants.js';
import type { PolicyResult } from '../../src/policy/contract.js';

const result = (r: Partial<PolicyResult>): PolicyResult => ({
  allow: true,
  scopes: [],
  ttl_seconds: 300,
  reasons: [],
  obligations: {},
  ...r,
});
const NOW = 1_000_000;

describe('enforceInvariants', () => {
  it('keeps request order, drops duplicates and unrequested scopes', () => {
    const out = enforceInvariants(
      { now: NOW, scopes: ['b', 'a', 'b'], subject: {} },
      result({ scopes: ['a', 'b', 'z', 'a'] }),
    );
    expect(out.scopes).toEqual(['b', 'a']);
    expect(out.reasons).toContainEqual({
      code: 'invariant_enforced',
      message: 'policy granted unrequested scope z; removed',
    });
  });

  it('holds back an allow needing an approval an action cannot wait for only after every other invariant', () => {
    const approval = { require_approval: { binding_message: 'ok?', ttl_seconds: 60 } };
    const codes = (out: ReturnType<typeof enforceInvariants>) =>
      out.reasons.map((r) => (typeof r === 'string' ? r : r.code));
    // Everything else holds: the approval is the one thing missing (an approved tool call is allowed).
    const held = enforceInvariants(
      { action: 'tool_call', now: NOW, scopes: ['a'], subject: { scopes: ['a'] } },
      result({ scopes: ['a'], obligations: approval }),
    );
    expect(held).toMatchObject({ allow: false, scopes: [], ttl_seconds: 0 });
    expect(codes(held)).toEqual(['approval_unsupported']);
    // No scope left, or no lifetime: that denial, which no approval can lift.
    const noScope = enforceInvariants(
      { action: 'tool_call', now: NOW, scopes: ['a'], subject: { scopes: ['b'] } },
      result({ scopes: ['a'], obligations: approval }),
    );
    expect(codes(noScope)).toEqual(['scope_dropped', 'scope_not_allowed']);
    const noTtl = enforceInvariants(
      { action: 'tool_call', now: NOW, scopes: [], subject: { exp: NOW } },
      result({ obligations: approval }),
    );
    expect(codes(noTtl)).toEqual(['ttl_exhausted']);
    // A token exchange may wait: allowed here, the approval started by the grant.
    const exchange = enforceInvariants(
      { action: 'token_exchange', now: NOW, scopes: ['a'], subject: {} },
      result({ scopes: ['a'], obligations: approval }),
    );
    expect(exchange.allow).toBe(true);
  });

  it('denies an allow with nothing left when scopes were requested', () => {
    const out = enforceInvariants(
      { now: NOW, scopes: ['a'], subject: { scopes: ['b'] } },
      result({ scopes: ['a'] }),
    );
    expect(out).toMatchObject({ allow: false, scopes: [], ttl_seconds: 0 });
    expect(out.reasons.map((r) => (typeof r === 'string' ? r : r.code))).toEqual([
      'scope_dropped',
      'scope_not_allowed',
    ]);
  });

  it('allows an empty request when the policy allows it', () => {
    expect(enforceInvariants({ now: NOW, scopes: [], subject: {} }, result({}))).toMatchObject({
      allow: true,
      scopes: [],
    });
  });

  it('caps the lifetime by the subject token and denies when none is left', () => {
    expect(
      enforceInvariants({ now: NOW, scopes: [], subject: { exp: NOW + 10 } }, result({})).ttl_seconds,
    ).toBe(10);
    const expired = enforceInvariants({ now: NOW, scopes: [], subject: { exp: NOW } }, result({}));
    expect(expired.allow).toBe(false);
    expect(expired.reasons).toContainEqual(expect.objectContaining({ code: 'ttl_exhausted' }));
    expect(enforceInvariants({ now: NOW, scopes: [], subject: {} }, result({ ttl_seconds: 0 })).allow).toBe(
      false,
    );
  });

  it('a deny always carries a reason and grants nothing', () => {
    const out = enforceInvariants(
      { now: NOW, scopes: ['a'], subject: {} },
      result({ allow: false, scopes: ['a'] }),
    );
    expect(out).toEqual({
      allow: false,
      scopes: [],
      ttl_seconds: 0,
      reasons: [{ code: 'policy_denied', message: 'denied by policy' }],
      obligations: { require_dpop: false },
    });
  });

  it('property: granted ⊆ requested ∩ subject scopes, unique, ttl within bounds', () => {
    const scope = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    fc.assert(
      fc.property(
        fc.array(scope, { maxLength: 6 }),
        fc.option(fc.array(scope, { maxLength: 5 }), { nil: undefined }),
        fc.option(fc.integer({ min: NOW - 100, max: NOW + 10_000 }), { nil: undefined }),
        fc.boolean(),
        fc.array(scope, { maxLength: 6 }),
        fc.nat({ max: 100_000 }),
        (requested, subjectScopes, exp, allow, policyScopes, ttl) => {
          const subject = {
            ...(subjectScopes ? { scopes: subjectScopes } : {}),
            ...(exp !== undefined ? { exp } : {}),
          };
          const out = enforceInvariants(
            { now: NOW, scopes: requested, subject },
            result({ allow, scopes: policyScopes, ttl_seconds: ttl }),
          );
          for (const s of out.scopes) {
            expect(requested).toContain(s);
            expect(policyScopes).toContain(s);
            if (subjectScopes) expect(subjectScopes).toContain(s);
          }
          expect(new Set(out.scopes).size).toBe(out.scopes.length);
          expect(out.ttl_seconds).toBeLessThanOrEqual(ttl);
          if (exp !== undefined) expect(out.ttl_seconds).toBeLessThanOrEqual(Math.max(0, exp - NOW));
          if (out.allow) {
            expect(allow).toBe(true);
            expect(out.ttl_seconds).toBeGreaterThan(0);
            if (requested.length > 0) expect(out.scopes.length).toBeGreaterThan(0);
          } else {
            expect(out.scopes).toEqual([]);
            expect(out.ttl_seconds).toBe(0);
            expect(out.reasons.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
