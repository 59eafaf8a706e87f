import { describe, expect, it } from 'vitest';
import { DownstreamRefusal, DownstreamUnavailable } from '../../../src/oauth/connectors/downstream.js';

describe('downstream failures', () => {
  it('a refusal keeps the downstream error, description and status, and says them', () => {
    const r = new DownstreamRefusal('invalid_grant', 'user not approved', 400);
    expect(r).toMatchObject({
      error: 'invalid_grant',
      errorDescription: 'user not approved',
      status: 400,
      name: 'DownstreamRefusal',
    });
    expect(r.message).toBe('downstream refused: invalid_grant (user not approved)');
    expect(new DownstreamRefusal('invalid_client', undefined, 401).message).toBe(
      'downstream refused: invalid_client',
    );
  });

  it('an outage keeps its reason, detail and Retry-After', () => {
    const u = new DownstreamUnavailable('downstream_unavailable', 'HTTP 503', 7);
    expect(u).toMatchObject({
      reason: 'downstream_unavailable',
      detail: 'HTTP 503',
      retryAfter: 7,
      name: 'DownstreamUnavailable',
    });
    expect(u.message).toBe('downstream_unavailable: HTTP 503');
    expect(
      new DownstreamUnavailable('downstream_invalid_response', 'no access_token').retryAfter,
    ).toBeUndefined();
  });
});
