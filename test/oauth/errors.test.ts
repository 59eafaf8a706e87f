import { describe, expect, it } from 'vitest';
import { OAuthError, toOAuthError, wireDescription } from '../../src/oauth/errors.js';

describe('OAuthError on the wire (RFC 6749 §5.2, RFC 6750 §3.1)', () => {
  it.each([
    ["grant_type 'x\u0000y' is not supported", "grant_type 'x?y' is not supported"],
    ['line\r\nSet-Cookie: a=b', 'line??Set-Cookie: a=b'],
    ['say "hi" \\ there', 'say ?hi? ? there'],
    ['caf\u00e9 \u{1F600} \ud800', 'caf? ?? ?'],
    ['tab\there', 'tab?here'],
  ])('error_description holds only the characters §5.2 allows: %j', (text, wire) => {
    expect(new OAuthError('invalid_request', text, { reason: 'malformed_request' }).toJSON()).toEqual({
      error: 'invalid_request',
      error_description: wire,
    });
  });

  it('cuts a long description (one that quotes a long parameter) to 300 characters', () => {
    const d = wireDescription(`client_id '${'x'.repeat(5000)}' is unknown`);
    expect(d).toHaveLength(300);
    expect(d.endsWith('...')).toBe(true);
  });

  it('keeps the full description for logs and audit', () => {
    const e = new OAuthError('invalid_request', 'a\u0000b', { reason: 'nul_in_parameter' });
    expect(e.message).toBe('a\u0000b');
  });

  it('sends a bare challenge with an empty body: no error code without credentials (RFC 6750 §3.1)', () => {
    const e = new OAuthError('invalid_token', 'authorization required', {
      reason: 'policy:test',
      status: 401,
      challengeOnly: true,
    });
    expect(e.toJSON()).toEqual({});
    expect(e.status).toBe(401);
  });

  it('turns anything else into a generic server_error', () => {
    expect(toOAuthError(new TypeError('secret internals')).toJSON()).toEqual({
      error: 'server_error',
      error_description: 'the server could not complete the request',
    });
  });
});
