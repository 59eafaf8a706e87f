import { describe, expect, it } from 'vitest';
import { codeRedirect, errorRedirect } from '../../../src/oauth/authorize/authorization-response.js';

const issuer = 'https://as.example';

describe('authorization responses', () => {
  it('add code, state and iss to the redirect URI, keeping its own query (RFC 6749 §4.1.2, RFC 9207)', () => {
    const url = new URL(
      codeRedirect({ redirectUri: 'https://app.example/cb?x=1', state: 's&t=1' }, 'c0de', issuer),
    );
    expect(url.origin + url.pathname).toBe('https://app.example/cb');
    expect([...url.searchParams]).toEqual([
      ['x', '1'],
      ['code', 'c0de'],
      ['state', 's&t=1'],
      ['iss', issuer],
    ]);
  });

  it('omit state when the request had none, never iss', () => {
    const url = new URL(
      codeRedirect({ redirectUri: 'http://127.0.0.1:8000/cb', state: undefined }, 'c', issuer),
    );
    expect(url.searchParams.has('state')).toBe(false);
    expect(url.searchParams.get('iss')).toBe(issuer);
  });

  it('carry the error, a description of the allowed characters only, state and iss (§4.1.2.1)', () => {
    const url = new URL(
      errorRedirect(
        { redirectUri: 'https://app.example/cb', state: 'st' },
        'access_denied',
        'the "user" said no\\\r\nSet-Cookie: é',
        issuer,
      ),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'the  user  said no   Set-Cookie:  ',
      state: 'st',
      iss: issuer,
    });
  });

  it('cut a long description to 500 characters', () => {
    const url = new URL(
      errorRedirect(
        { redirectUri: 'https://app.example/cb', state: undefined },
        'invalid_request',
        'x'.repeat(900),
        issuer,
      ),
    );
    expect(url.searchParams.get('error_description')).toHaveLength(500);
  });
});
