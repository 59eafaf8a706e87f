import { describe, expect, it } from 'vitest';
import { redirectUriMatches } from '../../../src/oauth/authorize/redirect-match.js';

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
