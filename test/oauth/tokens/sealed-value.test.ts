import { describe, expect, it } from 'vitest';
import { deriveKey, seal, unseal } from '../../../src/oauth/tokens/sealed-value.js';

describe('sealed values', () => {
  const key = deriveKey(Buffer.alloc(32, 7), 'test');
  it('open for their purpose until they expire, never when altered or for another purpose', () => {
    const sealed = seal(key, 'a', { x: 1 }, 100);
    expect(unseal(key, 'a', sealed, 99)).toEqual({ x: 1 });
    expect(unseal(key, 'a', sealed, 100)).toBeUndefined();
    expect(unseal(key, 'b', sealed, 99)).toBeUndefined();
    expect(unseal(deriveKey(Buffer.alloc(32, 8), 'test'), 'a', sealed, 99)).toBeUndefined();
    const bytes = Buffer.from(sealed, 'base64url');
    bytes[14] = bytes[14]! ^ 1;
    expect(unseal(key, 'a', bytes.toString('base64url'), 99)).toBeUndefined();
  });
});
