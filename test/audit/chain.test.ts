import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  computeHash,
  formatSequence,
  prepare,
  seal,
  sealPrepared,
} from '../../src/audit/chain.js';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import { auditEventSchema } from '../../src/audit/events.js';
import { buildEvents } from '../../src/audit/outbox.js';
import { exchangeEntry } from './fixtures.js';

describe('hash chain', () => {
  it('hash = SHA-256(prevhash || canonical JSON of the event without hash), and the text is the canonical event', () => {
    const [decision, token] = buildEvents(exchangeEntry(), 'https://mandate.example');
    const first = sealPrepared(prepare(decision!), 1, GENESIS_HASH);
    const { hash, ...rest } = first.event;
    expect(hash).toBe(
      createHash('sha256')
        .update(GENESIS_HASH + canonicalize(rest))
        .digest('hex'),
    );
    expect(first.text).toBe(canonicalize(first.event));
    expect(computeHash(first.event)).toBe(hash);
    const second = sealPrepared(prepare(token!), 2, hash);
    expect(second.event).toMatchObject({ sequence: '0000000000000002', prevhash: hash });
    expect(computeHash(second.event)).toBe(second.event.hash);
    expect(seal(token!, 2, hash).hash).toBe(second.event.hash);
    for (const e of [first.event, second.event]) auditEventSchema.parse(e);
  });

  it('uses only valid CloudEvents extension names (lowercase letters and digits, at most 20)', () => {
    const e = seal(buildEvents(exchangeEntry(), 'https://mandate.example')[0]!, 1, GENESIS_HASH);
    for (const name of Object.keys(e)) expect(name).toMatch(/^[a-z0-9]{1,20}$/);
  });

  it('pads sequences so that string order is numeric order', () => {
    expect(formatSequence(9) < formatSequence(10)).toBe(true);
    expect(formatSequence(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(() => formatSequence(0)).toThrow(RangeError);
    expect(() => formatSequence(1.5)).toThrow(RangeError);
  });
});
