import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { s256, verifyS256 } from '../../../src/oauth/grants/pkce.js';

describe('PKCE S256 (RFC 7636 §4.6)', () => {
  it('agrees with an independent implementation (oauth4webapi) and refuses anything else', async () => {
    const verifier = generateRandomCodeVerifier();
    const challenge = await calculatePKCECodeChallenge(verifier);
    expect(s256(verifier)).toBe(challenge);
    expect(verifyS256(verifier, challenge)).toBe(true);
    expect(verifyS256(`${verifier}x`, challenge)).toBe(false);
    expect(verifyS256(challenge, challenge)).toBe(false);
    expect(verifyS256('short', s256('short'))).toBe(false);
  });
});
