// What replay counts as a change: enforced allow, scopes, lifetime, obligations and reason codes;
// a reworded message is not a change.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOutcomes } from '../../../src/policy/replay/compare.js';
import type { Outcome } from '../../../src/policy/replay/compare.js';

const allow = (over: Partial<Outcome> = {}): Outcome => ({
  allow: true,
  scopes: ['crm.read', 'crm.write'],
  ttl_seconds: 300,
  reasons: [],
  obligations: { require_dpop: false },
  ...over,
});

describe('compareOutcomes', () => {
  it('finds no change in an identical outcome, a reworded reason or a defaulted obligation', () => {
    expect(compareOutcomes(allow(), allow())).toBeUndefined();
    expect(
      compareOutcomes(
        allow({ reasons: [{ code: 'scope_dropped', message: 'scope x: not allowed' }] }),
        allow({ reasons: [{ code: 'scope_dropped', message: 'scope x: no longer allowed' }] }),
      ),
    ).toBeUndefined();
    expect(compareOutcomes(allow({ obligations: {} }), allow())).toBeUndefined();
  });

  it('names each kind of change', () => {
    expect(
      compareOutcomes(
        allow(),
        allow({
          allow: false,
          scopes: [],
          ttl_seconds: 0,
          reasons: ['scope_not_allowed', { code: 'scope_dropped', message: '' }],
          obligations: { require_dpop: true },
        }),
      ),
    ).toEqual({
      allow: { before: true, after: false },
      scopes: { added: [], removed: ['crm.read', 'crm.write'] },
      ttl_seconds: { before: 300, after: 0 },
      reasons: { added: ['scope_not_allowed', 'scope_dropped'], removed: [] },
      obligations: { before: { require_dpop: false }, after: { require_dpop: true } },
    });
  });

  it('counts repeated reason codes', () => {
    const dropped = { code: 'scope_dropped', message: 'm' };
    expect(compareOutcomes(allow({ reasons: [dropped] }), allow({ reasons: [dropped, dropped] }))).toEqual({
      reasons: { added: ['scope_dropped'], removed: [] },
    });
  });

  it('is symmetric: a change one way is the same change the other way round', () => {
    const outcome = fc.record({
      allow: fc.boolean(),
      scopes: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd')),
      ttl_seconds: fc.nat(600),
      reasons: fc.array(fc.constantFrom('x', 'y', 'z'), { maxLength: 4 }),
      obligations: fc.record({ require_dpop: fc.boolean() }),
    });
    fc.assert(
      fc.property(outcome, outcome, (a, b) => {
        const ab = compareOutcomes(a, b);
        const ba = compareOutcomes(b, a);
        expect(ab === undefined).toBe(ba === undefined);
        expect(compareOutcomes(a, a)).toBeUndefined();
        if (ab?.scopes) expect(ba?.scopes).toEqual({ added: ab.scopes.removed, removed: ab.scopes.added });
        if (ab?.reasons)
          expect(ba?.reasons).toEqual({ added: ab.reasons.removed, removed: ab.reasons.added });
      }),
    );
  });
});
