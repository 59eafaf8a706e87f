// One copy of the decision (issue 12 §3): raw members identical to `enforced` are stored there
// only and named in `result_shared`; the raw result reads back from new and old events alike, both
// verify on the chain, and replay reads both.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisionEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { ENFORCED_MEMBERS, rawResultOf, sameJson, splitResult } from '../../src/audit/decision-result.js';
import type { DecisionData, UnsealedEvent } from '../../src/audit/events.js';
import { auditEventSchema } from '../../src/audit/events.js';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import { mask } from '../../src/audit/mask.js';
import { toOcsf } from '../../src/audit/ocsf.js';
import { verifyEvents } from '../../src/audit/verify.js';
import { recordedDecisions } from '../../src/policy/cli/replay-sources.js';
import { exchangeEntry } from './fixtures.js';

const enforced = {
  allow: true,
  scopes: ['crm.read'],
  ttl_seconds: 300,
  reasons: [],
  obligations: { require_dpop: false },
};

describe('splitResult', () => {
  it('stores no result when the raw result is exactly what was enforced', () => {
    const s = splitResult({ ...enforced, scopes: ['crm.read'] }, enforced);
    expect(s).toEqual({});
    expect(rawResultOf({ enforced })).toEqual(enforced);
    // Every enforced member shared, and one more: that one is the result.
    const more = splitResult({ ...enforced, note: 1 }, enforced);
    expect(more).toEqual({ result: { note: 1 }, shared: [...ENFORCED_MEMBERS] });
  });

  it('keeps the members that differ and whatever else the policy returned', () => {
    const raw = { allow: true, scopes: ['crm.read', 'crm.write'], ttl_seconds: 3600, note: 'x' };
    const s = splitResult(raw, enforced);
    expect(s).toEqual({
      result: { scopes: ['crm.read', 'crm.write'], ttl_seconds: 3600, note: 'x' },
      shared: ['allow'],
    });
  });

  it('stores a missing result as null and a non-object whole, without result_shared', () => {
    expect(splitResult(undefined, enforced)).toEqual({ result: null });
    expect(splitResult(null, enforced)).toEqual({ result: null });
    expect(splitResult(['allow'], enforced)).toEqual({ result: ['allow'] });
    expect(splitResult({ scopes: [] }, enforced)).toEqual({ result: { scopes: [] } });
  });

  it('shares only strictly identical members (-0 is not 0, an array is not an object)', () => {
    expect(splitResult({ ttl_seconds: -0 }, { ...enforced, ttl_seconds: 0 }).shared).toBeUndefined();
    expect(splitResult({ obligations: [] }, { ...enforced, obligations: {} }).shared).toBeUndefined();
  });

  it('reads back every raw result exactly (property)', () => {
    const member = fc.oneof(fc.constantFrom(...Object.values(enforced)), fc.jsonValue({ maxDepth: 2 }));
    const raw = fc.dictionary(fc.oneof(fc.constantFrom(...ENFORCED_MEMBERS), fc.string()), member);
    fc.assert(
      fc.property(raw, (r) => {
        const s = splitResult(r, enforced);
        const back = rawResultOf({ result: s.result, result_shared: s.shared, enforced });
        expect(canonicalize(back)).toBe(canonicalize(r));
      }),
      { numRuns: 500 },
    );
  });
});

/** The event as a build before issue 12 §3 wrote it: the whole masked raw result, no result_shared. */
function oldForm(e: UnsealedEvent, raw: unknown): UnsealedEvent {
  const data = { ...(e.data as DecisionData) };
  delete data.result_shared;
  const m = mask(raw ?? null, '/result');
  data.result = m.value;
  const masked = [...(data.masked ?? []).filter((p) => !p.startsWith('/result')), ...m.masked];
  return { ...e, data: { ...data, ...(masked.length > 0 ? { masked } : {}) } } as UnsealedEvent;
}

describe('sameJson', () => {
  it('is true exactly for equal JSON values, member order aside', () => {
    expect(sameJson({ a: [1, { b: 'x' }], c: null }, { c: null, a: [1, { b: 'x' }] })).toBe(true);
    expect(sameJson([], [])).toBe(true);
    for (const [a, b] of [
      [0, -0],
      [{}, []],
      [
        [1, 2],
        [2, 1],
      ],
      [{ a: 1 }, { a: 1, b: 2 }],
      [{ a: undefined }, { b: undefined }],
      [null, {}],
      ['1', 1],
      [[1], [1, 1]],
    ] as const) {
      expect(sameJson(a, b)).toBe(false);
      expect(sameJson(b, a)).toBe(false);
    }
  });

  it('agrees with util.isDeepStrictEqual on JSON values (property)', () => {
    const v = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(v, v, (a, b) => {
        expect(sameJson(a, b)).toBe(isDeepStrictEqual(a, b));
        expect(sameJson(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('decision events', () => {
  it('hold the enforced decision once and the differing raw parts, masked', () => {
    const entry = exchangeEntry();
    const e = decisionEvent(entry.decision!, 'https://mandate.example');
    const data = e.data as DecisionData;
    // The fixture's policy allowed what was enforced, for 300 s, and added a debug member.
    expect(data.result_shared).toEqual(['allow', 'scopes', 'ttl_seconds']);
    expect(data.result).toEqual({ debug: { client_secret: '[masked]' } });
    expect(data.masked).toContain('/result/debug/client_secret');
    expect(rawResultOf(data)).toEqual({ ...(mask(entry.decision!.decision.result).value as object) });
    const refused = decisionEvent(exchangeEntry({ allow: false }).decision!, 'https://mandate.example');
    // Refused: the raw ttl (300) is not the enforced one (0), so it stays in `result`.
    expect((refused.data as DecisionData).result).toMatchObject({ ttl_seconds: 300 });
    expect((refused.data as DecisionData).result_shared).toEqual(['allow', 'scopes']);
  });

  it('of the old and the new form verify in one chain, validate, render to OCSF and replay alike', () => {
    const exact = exchangeEntry();
    const d = exact.decision!.decision;
    d.result = {
      allow: d.allow,
      scopes: d.scopes,
      ttl_seconds: d.ttl_seconds,
      reasons: d.reasons,
      obligations: d.obligations,
    };
    const entries = [exchangeEntry(), exchangeEntry({ allow: false }), exact];
    const built = entries.map((x) => decisionEvent(x.decision!, 'https://mandate.example'));
    const old = built.map((e, i) => oldForm(e, entries[i]!.decision!.decision.result));
    let prev = GENESIS_HASH;
    const chain = [...old, ...built].map((e, i) => {
      const s = seal(e, i + 1, prev);
      prev = s.hash;
      return s;
    });
    expect(verifyEvents(chain, 'file')).toMatchObject({ ok: true, checked: 6 });
    for (const e of chain) expect(auditEventSchema.safeParse(e).success).toBe(true);
    expect('result' in chain[5]!.data).toBe(false);
    expect(rawResultOf(chain[5]!.data as DecisionData)).toEqual(d.result);
    for (const i of [0, 1, 2]) {
      const [o, n] = [chain[i]!, chain[i + 3]!];
      expect(rawResultOf(n.data as DecisionData)).toEqual(rawResultOf(o.data as DecisionData));
      const unmapped = (x: typeof o): unknown => ({ ...toOcsf(x), metadata: undefined });
      expect(unmapped(n)).toEqual(unmapped(o));
    }
    const { decisions, unreadable } = recordedDecisions(chain, {});
    expect(unreadable).toBe(0);
    expect(decisions.map((x) => x.enforced)).toEqual(
      [...decisions.slice(3), ...decisions.slice(3)].map((x) => x.enforced),
    );
    expect(decisions[0]!.enforced.allow).toBe(true);
    expect(decisions[1]!.enforced.allow).toBe(false);
  });

  it('with a tampered result_shared break the chain', () => {
    const e = seal(decisionEvent(exchangeEntry().decision!, 'https://mandate.example'), 1, GENESIS_HASH);
    (e.data as DecisionData).result_shared = ['allow'];
    expect(verifyEvents([e], 'file').ok).toBe(false);
  });
});
