/**
 * The outbox writer's series (mandate_audit_commits_total, _chain_conflicts_total,
 * _chain_locked_total) follow its counters at scrape time, and are absent-valued (0) until the
 * outbox is attached.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/ops/metrics.js';

async function values(text: Promise<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await text).split('\n'))
    if (line.startsWith('mandate_audit_c')) out.set(line.split(' ')[0]!, Number(line.split(' ')[1]));
  return out;
}

describe('audit commit metrics', () => {
  it('follow the outbox counters between scrapes', async () => {
    const metrics = createMetrics();
    expect(await values(metrics.text())).toEqual(
      new Map([
        ['mandate_audit_commits_total', 0],
        ['mandate_audit_chain_conflicts_total', 0],
        ['mandate_audit_chain_locked_total', 0],
      ]),
    );
    const stats = { flushes_total: 5, conflicts_total: 2, locked_total: 0 };
    metrics.attach({ outboxStats: () => stats });
    expect(await values(metrics.text())).toEqual(
      new Map([
        ['mandate_audit_commits_total', 5],
        ['mandate_audit_chain_conflicts_total', 2],
        ['mandate_audit_chain_locked_total', 0],
      ]),
    );
    Object.assign(stats, { flushes_total: 9, conflicts_total: 6, locked_total: 1 });
    const after = await values(metrics.text());
    expect(after.get('mandate_audit_commits_total')).toBe(9);
    expect(after.get('mandate_audit_chain_conflicts_total')).toBe(6);
    expect(after.get('mandate_audit_chain_locked_total')).toBe(1);
  });
});
