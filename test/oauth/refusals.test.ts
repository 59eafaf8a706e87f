/**
 * The catalogue of refusal reasons: each entry is one meaning sent as one wire error (one reason
 * sent as a second, documented), and the constructors of OAuthError and AuthorizeError refuse, at
 * compile time, a reason the catalogue lacks or files under another wire error (the
 * `@ts-expect-error` lines fail `npm run typecheck` if it stops).
 */
import { DPOP_REASONS } from '@mandate/mcp-kit';
import { describe, expect, it } from 'vitest';
import { refusedFact } from '../../src/oauth/audit-record.js';
import { auditReason, OAuthError, toOAuthError } from '../../src/oauth/errors.js';
import { AuthorizeError } from '../../src/oauth/authorize/authorization-request.js';
import {
  FETCH_FAILURES,
  isCatalogued,
  JWT_FAILURES,
  REFUSAL_FAMILIES,
  REFUSALS,
} from '../../src/oauth/refusals.js';

describe('refusal reasons', () => {
  it('gives every reason one wire error and a meaning, and every family its wire errors', () => {
    for (const [reason, r] of Object.entries({ ...REFUSALS, ...JWT_FAILURES })) {
      expect(typeof r.error, reason).toBe('string');
      expect(r.meaning.length, reason).toBeGreaterThan(10);
    }
    for (const [family, r] of Object.entries(REFUSAL_FAMILIES)) {
      expect(r.errors.length, family).toBeGreaterThan(0);
      expect(r.meaning.length, family).toBeGreaterThan(10);
    }
    for (const meaning of Object.values(FETCH_FAILURES)) expect(meaning.length).toBeGreaterThan(10);
  });

  it('sends only dpop_required as a second wire error, and says why', () => {
    const twoWays = Object.entries(REFUSALS).flatMap(([reason, r]) =>
      'alsoSentAs' in r ? [{ reason, ...r.alsoSentAs }] : [],
    );
    expect(twoWays).toEqual([
      { reason: 'dpop_required', error: 'invalid_grant', why: expect.stringMatching(/jwt-bearer/) },
    ]);
    expect(REFUSALS.dpop_required.error).toBe('invalid_request');
  });

  it('names no reason twice, but four of the kit’s DPoP reasons documented as the same failure of the proof', () => {
    expect(Object.keys(REFUSALS).filter((r) => r in JWT_FAILURES)).toEqual([]);
    const mine = new Set([...Object.keys(REFUSALS), ...Object.keys(JWT_FAILURES)]);
    expect(Object.keys(DPOP_REASONS).filter((r) => mine.has(r))).toEqual([
      'not_jws',
      'alg_not_allowed',
      'claim_invalid',
      'dpop_required',
    ]);
  });

  it('gives an unknown client, a redirect URI and a client mismatch one reason per place they fail', () => {
    expect(
      Object.fromEntries(
        (
          [
            'unknown_client',
            'authorize_unknown_client',
            'workload_unknown_client',
            'redirect_uri_mismatch',
            'redirect_uri_unregistered',
            'client_mismatch',
            'workload_client_mismatch',
            'response_type',
            'authorize_response_type',
          ] as const
        ).map((r) => [r, REFUSALS[r].error]),
      ),
    ).toEqual({
      unknown_client: 'invalid_client',
      authorize_unknown_client: 'invalid_request',
      workload_unknown_client: 'invalid_grant',
      redirect_uri_mismatch: 'invalid_grant',
      redirect_uri_unregistered: 'invalid_request',
      client_mismatch: 'invalid_grant',
      workload_client_mismatch: 'invalid_grant',
      response_type: 'invalid_client_metadata',
      authorize_response_type: 'unsupported_response_type',
    });
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
    expect(new OAuthError('invalid_request', 'x', { reason: 'dpop_required' }).reason).toBe('dpop_required');
    expect(new OAuthError('invalid_grant', 'x', { reason: 'dpop_required' }).reason).toBe('dpop_required');
  });

  it('does not compile an unknown reason, or one filed under another wire error', () => {
    // @ts-expect-error 'no_such_reason' is not in the catalogue
    expect(new OAuthError('invalid_grant', 'x', { reason: 'no_such_reason' }).reason).toBe('no_such_reason');
    // @ts-expect-error bad_secret is catalogued as invalid_client, not invalid_grant
    expect(new OAuthError('invalid_grant', 'x', { reason: 'bad_secret' }).error).toBe('invalid_grant');
    // @ts-expect-error an authorization endpoint reason must be catalogued too
    expect(new AuthorizeError('invalid_request', 'x', undefined, 'pkce_typo').reason).toBe('pkce_typo');
    // @ts-expect-error unknown_client is the token endpoint's (invalid_client); the page's has its own
    expect(new OAuthError('invalid_request', 'x', { reason: 'unknown_client' }).error).toBe(
      'invalid_request',
    );
    // @ts-expect-error and so is an authorization endpoint reason filed under another wire error
    expect(new AuthorizeError('access_denied', 'x', undefined, 'pkce_missing').error).toBe('access_denied');
  });

  it('does not compile a refusal without a reason, nor a refusal fact whose reason is free text', () => {
    // @ts-expect-error every refusal Mandate constructs names its catalogued reason
    expect(new OAuthError('invalid_request', 'x').reason).toBeUndefined();
    // @ts-expect-error a description is no reason
    expect(refusedFact({ kind: 'refused', action: 'x', reason: 'missing required parameter' }).kind).toBe(
      'refused',
    );
  });

  it('audits a refusal by its reason, and the kit’s generic server_error as internal_error', () => {
    expect(auditReason(new OAuthError('invalid_scope', 'x', { reason: 'scope_malformed' }))).toBe(
      'scope_malformed',
    );
    expect(auditReason(toOAuthError(new Error('boom')))).toBe('internal_error');
  });

  it('isCatalogued knows the catalogue and its families, and no description', () => {
    for (const r of [
      'parameter_missing',
      'internal_error',
      'policy:scope_not_allowed',
      'expired',
      'claim_aud',
      'assertion_bad_signature',
      'cimd_timeout',
      'cimd_status_503',
      Object.keys(DPOP_REASONS)[0]!,
    ])
      expect(isCatalogued(r), r).toBe(true);
    for (const r of [
      "missing required parameter 'resource' or 'audience'",
      'policy: denied',
      'cimd_status_abc',
      'assertion_nope',
      '',
      undefined,
      7,
      'toString',
    ])
      expect(isCatalogued(r), String(r)).toBe(false);
  });

  it('is the kit’s very class, so one instanceof check covers the kit’s refusals too', async () => {
    const kit = await import('@mandate/mcp-kit');
    expect(new OAuthError('invalid_request', 'x', { reason: 'malformed_request' })).toBeInstanceOf(
      kit.OAuthError,
    );
    expect(new kit.OAuthError('invalid_dpop_proof', 'x')).toBeInstanceOf(OAuthError);
  });
});
