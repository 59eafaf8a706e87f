/**
 * The catalogue of refusal reasons: each entry is a wire error the endpoints send with a meaning,
 * and the constructor of OAuthError refuses, at compile time, a reason the catalogue lacks or files
 * under another wire error (the `@ts-expect-error` lines fail `npm run typecheck` if it stops).
 */
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/oauth/errors.js';
import { AuthorizeError } from '../../src/oauth/authorize/authorization-request.js';
import { FETCH_FAILURES, JWT_FAILURES, REFUSAL_FAMILIES, REFUSALS } from '../../src/oauth/refusals.js';

describe('refusal reasons', () => {
  it('gives every reason at least one wire error and a meaning', () => {
    for (const [reason, r] of Object.entries({ ...REFUSALS, ...REFUSAL_FAMILIES, ...JWT_FAILURES })) {
      expect(r.errors.length, reason).toBeGreaterThan(0);
      expect(r.meaning.length, reason).toBeGreaterThan(10);
    }
    for (const meaning of Object.values(FETCH_FAILURES)) expect(meaning.length).toBeGreaterThan(10);
  });

  it('names no reason twice across the catalogue and the JWT failures', () => {
    const twice = Object.keys(REFUSALS).filter((r) => r in JWT_FAILURES);
    expect(twice).toEqual([]);
  });

  it('accepts a catalogued reason for its wire error and the families with any', () => {
    expect(new OAuthError('invalid_grant', 'x', { reason: 'may_act' }).reason).toBe('may_act');
    expect(new OAuthError('invalid_client', 'x', { reason: 'assertion_expired' }).reason).toBe(
      'assertion_expired',
    );
    expect(new OAuthError('access_denied', 'x', { reason: 'policy:scope_not_allowed' }).reason).toBe(
      'policy:scope_not_allowed',
    );
    expect(new AuthorizeError('invalid_request', 'x', undefined, 'pkce_missing').reason).toBe('pkce_missing');
  });

  it('does not compile an unknown reason, or one filed under another wire error', () => {
    // @ts-expect-error 'no_such_reason' is not in the catalogue
    expect(new OAuthError('invalid_grant', 'x', { reason: 'no_such_reason' }).reason).toBe('no_such_reason');
    // @ts-expect-error bad_secret is catalogued as invalid_client, not invalid_grant
    expect(new OAuthError('invalid_grant', 'x', { reason: 'bad_secret' }).error).toBe('invalid_grant');
    // @ts-expect-error an authorization endpoint reason must be catalogued too
    expect(new AuthorizeError('invalid_request', 'x', undefined, 'pkce_typo').reason).toBe('pkce_typo');
  });

  it('is the kit’s very class, so one instanceof check covers the kit’s refusals too', async () => {
    const kit = await import('@mandate/mcp-kit');
    expect(new OAuthError('invalid_request', 'x')).toBeInstanceOf(kit.OAuthError);
    expect(new kit.OAuthError('invalid_dpop_proof', 'x')).toBeInstanceOf(OAuthError);
  });
});
