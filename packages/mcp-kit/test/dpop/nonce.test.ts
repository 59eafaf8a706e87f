import { describe, expect, it } from 'vitest';
import { createNonceService } from '../../src/dpop/nonce.js';

const secret = new Uint8Array(32).fill(7);
const T = 1_764_140_000 - (1_764_140_000 % 60); // the start of a 60-second step

describe('createNonceService (RFC 9449 §8)', () => {
  const nonces = createNonceService({ secret });

  it('issues base64url nonces (NQCHAR only) that are stable within a step', () => {
    const nonce = nonces.issue(T);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(nonces.issue(T + 59)).toBe(nonce);
    expect(nonces.issue(T + 60)).not.toBe(nonce);
  });

  it.each([
    ['in the same step', 0, true],
    ['at the end of the same step', 59, true],
    ['in the next step (issued in the previous one)', 60, true],
    ['at the end of the next step', 119, true],
    ['two steps later', 120, false],
  ])('a nonce checked %s: %s', (_name, later, accepted) => {
    expect(nonces.check(nonces.issue(T), T + later)).toBe(accepted);
  });

  it('refuses a nonce from the future step (not yet issued)', () => {
    expect(nonces.check(nonces.issue(T + 60), T)).toBe(false);
  });

  it('agrees across instances sharing the secret, not with another secret', () => {
    const peer = createNonceService({ secret: Uint8Array.from(secret) });
    const stranger = createNonceService({ secret: new Uint8Array(32).fill(8) });
    expect(peer.check(nonces.issue(T), T + 30)).toBe(true);
    expect(stranger.check(nonces.issue(T), T + 30)).toBe(false);
  });

  it.each(['', 'short', `${'A'.repeat(42)}=`, `${nonces.issue(T).slice(0, 42)}!`, `${nonces.issue(T)}A`])(
    'refuses malformed nonce %j',
    (nonce) => {
      expect(nonces.check(nonce, T)).toBe(false);
    },
  );

  it('honours a custom step length', () => {
    const fast = createNonceService({ secret, stepSeconds: 10 });
    expect(fast.check(fast.issue(T), T + 19)).toBe(true);
    expect(fast.check(fast.issue(T), T + 20)).toBe(false);
  });

  it('refuses weak configuration', () => {
    expect(() => createNonceService({ secret: new Uint8Array(16) })).toThrow(
      'the DPoP nonce secret must be at least 32 bytes',
    );
    expect(() => createNonceService({ secret, stepSeconds: 0 })).toThrow(
      'stepSeconds must be a positive integer',
    );
  });
});
