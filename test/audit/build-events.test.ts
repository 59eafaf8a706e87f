import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, computeHash, prepare, sealPrepared } from '../../src/audit/chain.js';
import { auditEventSchema } from '../../src/audit/events.js';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import { prepareEvents } from '../../src/audit/outbox.js';
import type { AuditEntry, TokenFact } from '../../src/audit/port.js';
import { exchangeEntry, fakeJws } from './fixtures.js';

const SOURCE = 'https://mandate.example';

/**
 * The events as sealed from their prepared form (data canonicalized by the masking walk) and as
 * the generic path seals the same event objects (every member canonicalized by canonicalize()):
 * the same bytes, the same hashes, and valid events.
 */
function expectSameAsGeneric(entry: AuditEntry, valid = true): void {
  let prev = GENESIS_HASH;
  for (const [i, p] of prepareEvents(entry, SOURCE).entries()) {
    const fast = sealPrepared(p, i + 1, prev);
    const generic = sealPrepared(prepare(p.event), i + 1, prev);
    expect(fast.text).toBe(generic.text);
    expect(fast.text).toBe(canonicalize(fast.event));
    expect(computeHash(fast.event)).toBe(fast.event.hash);
    if (valid) expect(auditEventSchema.safeParse(fast.event).success).toBe(true);
    prev = fast.event.hash;
  }
}

describe('audit events built and canonicalized in one walk', () => {
  it('seal to the bytes of canonicalize() for allowed and refused exchanges', () => {
    expectSameAsGeneric(exchangeEntry());
    expectSameAsGeneric(exchangeEntry({ allow: false }));
    const noClaims = exchangeEntry();
    noClaims.decision!.input.subject.claims = {};
    noClaims.decision!.decision.result = undefined;
    expectSameAsGeneric(noClaims);
  });

  it('seal to the bytes of canonicalize() for token facts the schema masks or drops', () => {
    const odd = {
      kind: 'refused',
      action: '',
      client_id: 42,
      sub: 12345,
      jti: ['a'],
      exp: 1.5,
      iat: 2 ** 60,
      aud: { x: 1 },
      act: 'agent',
      error: 'invalid_grant',
      reason: `saw ${fakeJws()}`,
      extra: 'not in the schema',
      masked: ['/forged'],
    } as unknown as TokenFact;
    expectSameAsGeneric({ tokens: [odd] });
    expectSameAsGeneric({ tokens: [{ kind: 'issued', action: 'a', client_id: 'c', extra: 1 } as TokenFact] });
  });

  it('seal to the bytes of canonicalize() whatever the claims, result and token fact hold', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const fact = fc.record(
      {
        kind: fc.constantFrom('issued', 'refused', 'revoked'),
        action: fc.oneof(fc.string(), json),
        client_id: fc.oneof(fc.string(), json),
        sub: fc.oneof(fc.string(), json),
        aud: fc.oneof(fc.string(), fc.array(fc.string()), json),
        exp: fc.oneof(fc.integer(), fc.double(), json),
        act: json,
        reason: fc.oneof(fc.string(), fc.constant(fakeJws())),
      },
      { requiredKeys: ['kind'] },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json), json, fact, (claims, result, token) => {
        const e = exchangeEntry();
        e.decision!.input.subject.claims = claims;
        e.decision!.decision.result = result as Record<string, unknown>;
        e.tokens.push(token as unknown as TokenFact);
        // A fact without client_id, say, makes an event the schema refuses: not this test's concern.
        expectSameAsGeneric(e, false);
      }),
      { numRuns: 500 },
    );
  });
});
