// The policy's /readyz entry: ready while a bundle is in force, the bundle named by revision and
// digest prefix, and a refused or failed reload explained without taking readiness away.
import { describe, expect, it } from 'vitest';
import { policyReadiness, type PolicyStatus } from '../../src/policy/status.js';

const digest = 'ab'.repeat(32);
const status: PolicyStatus = {
  source: '/etc/mandate/bundle.tar.gz',
  revision: 'r1',
  digest,
  loaded_at: '2026-01-01T00:00:00.000Z',
  signed: true,
};

describe('policyReadiness', () => {
  it('names the bundle in force and carries every status field', () => {
    expect(policyReadiness(true, status)).toEqual({
      ok: true,
      detail: 'revision "r1" (sha256 abababababab) from /etc/mandate/bundle.tar.gz',
      ...status,
    });
  });

  it('says nothing more after a loaded or unchanged reload', () => {
    for (const outcome of ['loaded', 'unchanged'] as const) {
      const r = policyReadiness(true, { ...status, last_reload: { at: 'T', outcome } });
      expect(r.detail).toBe('revision "r1" (sha256 abababababab) from /etc/mandate/bundle.tar.gz');
    }
  });

  it('explains a refused bundle by digest, revision and reason, and stays ready', () => {
    const r = policyReadiness(true, {
      ...status,
      last_reload: {
        at: '2026-01-02T00:00:00Z',
        outcome: 'refused',
        reason: 'bad signature',
        digest: 'cd'.repeat(32),
        revision: 'r2',
      },
    });
    expect(r.ok).toBe(true);
    expect(r.detail).toBe(
      'revision "r1" (sha256 abababababab) from /etc/mandate/bundle.tar.gz; the bundle offered at ' +
        '2026-01-02T00:00:00Z (sha256 cdcdcdcdcdcd, revision "r2") was refused: bad signature; ' +
        'the last good bundle stays in force',
    );
  });

  it('marks an unknown refused digest "?" and leaves out an unknown revision', () => {
    const r = policyReadiness(true, { ...status, last_reload: { at: 'T', outcome: 'refused', reason: 'x' } });
    expect(r.detail).toContain('(sha256 ?) was refused: x;');
  });

  it('explains a failed fetch', () => {
    const r = policyReadiness(false, {
      ...status,
      last_reload: { at: 'T', outcome: 'fetch_failed', reason: 'HTTP 503' },
    });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/; fetching at T failed: HTTP 503; the last good bundle stays in force$/);
  });

  it('quotes a revision so that odd characters cannot forge the detail', () => {
    const r = policyReadiness(true, { ...status, revision: 'r"; ok' });
    expect(r.detail.startsWith('revision "r\\"; ok" ')).toBe(true);
  });
});
