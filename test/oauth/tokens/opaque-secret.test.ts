import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newOpaqueValue, opaqueHash } from '../../../src/oauth/tokens/opaque-secret.js';

describe('opaque secrets', () => {
  it('are 256 random bits in base64url, different every time', () => {
    const values = new Set(Array.from({ length: 100 }, () => newOpaqueValue()));
    expect(values.size).toBe(100);
    for (const v of values) {
      expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(v, 'base64url')).toHaveLength(32);
    }
  });

  it('are stored as base64url(SHA-256(value)), never the value itself', () => {
    const v = newOpaqueValue();
    const h = opaqueHash(v);
    expect(h).toBe(createHash('sha256').update(v).digest('base64url'));
    expect(h).not.toBe(v);
    expect(opaqueHash(v)).toBe(h);
    expect(opaqueHash(`${v}x`)).not.toBe(h);
    // A known vector: the hash of the empty string.
    expect(opaqueHash('')).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
