import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { s256, verifyS256 } from '../../../src/oauth/pkce.js';
import { redirectUriMatches } from '../../../src/oauth/redirect-match.js';
import { deriveKey, seal, unseal } from '../../../src/oauth/sealed.js';

describe('redirect URI matching (OAuth 2.1 §4.1.1, RFC 8252 §7.3)', () => {
  const registered = [
    'https://app.example/cb',
    'http://127.0.0.1/callback',
    'http://[::1]:3000/cb',
    'myapp:/oauth',
  ];
  const table: [string, boolean][] = [
    ['https://app.example/cb', true],
    ['https://app.example/cb/', false],
    ['https://app.example/cb?x=1', false],
    ['https://APP.example/cb', false],
    ['https://app.example:443/cb', false],
    ['http://app.example/cb', false],
    ['http://127.0.0.1/callback', true],
    ['http://127.0.0.1:51234/callback', true],
    ['http://127.0.0.1:51234/callback2', false],
    ['https://127.0.0.1:51234/callback', false],
    ['http://127.0.0.1:51234/callback#x', false],
    ['http://[::1]:9/cb', true],
    ['http://localhost:51234/callback', false],
    ['myapp:/oauth', true],
    ['myapp:/oauth2', false],
    // Issue 10 §7: only the port of a loopback URI may differ; userinfo, dot segments, backslashes,
    // a bad port or anything else a URL parser repairs never match.
    ['http://evil.example@127.0.0.1:4000/callback', false],
    ['http://evil.example@127.0.0.1/callback', false],
    ['http://:@127.0.0.1:4000/callback', false],
    ['http://127.0.0.1:4000/x/../callback', false],
    ['http://127.0.0.1:4000\\callback', false],
    ['http://127.0.0.1:4000/callback?', false],
    ['http://127.0.0.1:0/callback', false],
    ['http://127.0.0.1:65536/callback', false],
    ['http://127.0.0.1:080/callback', false],
    ['http://127.0.0.1:65535/callback', true],
    ['HTTP://127.0.0.1:4000/callback', false],
    ['http://127.0.0.1.:4000/callback', false],
    ['http://[::1]:9/cb/', false],
  ];
  for (const [uri, ok] of table)
    it(`${uri} → ${ok}`, () => expect(redirectUriMatches(uri, registered)).toBe(ok));
});

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
