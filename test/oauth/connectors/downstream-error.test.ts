import { describe, expect, it } from 'vitest';
import { downstreamError, downstreamFactOf } from '../../../src/oauth/connectors/downstream-error.js';
import { OAuthError } from '../../../src/oauth/errors.js';

describe('downstream refusals', () => {
  it('are OAuthErrors on the wire, carrying their downstream fact for the audit event only', () => {
    const fact = { service: 'crm', kind: 'salesforce', subject: 'a@crm', error: 'invalid_grant' };
    const e = downstreamError('invalid_target', 'no crm identity is mapped for alice', fact, {
      reason: 'downstream_subject_missing',
    });
    expect(e).toBeInstanceOf(OAuthError);
    expect(e.reason).toBe('downstream_subject_missing');
    expect(e.toJSON()).toEqual({
      error: 'invalid_target',
      error_description: 'no crm identity is mapped for alice',
    });
    expect(JSON.stringify(e.toJSON())).not.toContain('a@crm');
    expect(downstreamFactOf(e)).toBe(fact);
  });

  it('finds no fact on any other error or value', () => {
    expect(
      downstreamFactOf(new OAuthError('invalid_request', 'x', { reason: 'malformed_request' })),
    ).toBeUndefined();
    expect(downstreamFactOf(new Error('x'))).toBeUndefined();
    expect(downstreamFactOf(null)).toBeUndefined();
    expect(downstreamFactOf('invalid_target')).toBeUndefined();
    expect(downstreamFactOf(undefined)).toBeUndefined();
  });
});
