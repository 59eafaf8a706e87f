/**
 * The group commit's queue (src/audit/group-commit.ts), over a scripted batch writer (a unit test:
 * the real chain writer is test/audit/outbox-write.test.ts, the outbox over Postgres
 * test/audit/outbox.test.ts): batches merge, a failing batch is retried unit by unit, an
 * unavailable database fails everything waiting at once, the writer's counts are shared out
 * so that each batch is counted once, and a writer that orders batches itself (a cluster
 * worker's primary) gets the next batch while the last is still being written.
 */
import { describe, expect, it } from 'vitest';
import type { SealableEvent } from '../../src/audit/chain.js';
import {
  createGroupCommit,
  type BatchWriter,
  type CommitShare,
  type CommitUnit,
} from '../../src/audit/group-commit.js';
import { createMemoryLogger } from '../../src/log.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';

const event = (id: string): SealableEvent => ({ id, subject: 'token.issued', runs: ['', '', '', ''] });
const unit = (id: string): CommitUnit => ({ issued: [], events: [event(id)] });

/**
 * A writer that records each batch's event ids (when it starts), fails a batch holding `bad` or
 * every batch, and remembers the most batches it was writing at once.
 */
function scripted(opts: { bad?: string; down?: boolean; conflictsPerBatch?: number; ms?: number } = {}) {
  const batches: string[][] = [];
  const stats = { batches: 0, conflicts: 0, locked: 0 };
  const overlap = { now: 0, max: 0 };
  const writer: BatchWriter = {
    stats: () => ({ ...stats }),
    async write(_issued, events) {
      const ids = events.map((e) => e.id);
      batches.push(ids);
      overlap.max = Math.max(overlap.max, ++overlap.now);
      await new Promise((r) => setTimeout(r, opts.ms ?? 5));
      overlap.now--;
      const conflicts = opts.conflictsPerBatch ?? 0;
      stats.conflicts += conflicts;
      if (opts.down) throw new DatabaseUnavailableError('connection', 'database: Connection terminated');
      if (opts.bad !== undefined && ids.includes(opts.bad)) throw new Error('duplicate key');
      stats.batches++;
      return { batches: 1, conflicts, locked: 0 };
    },
  };
  return { writer, batches, overlap };
}

/** Submits `unit(prefix + i)` for i < n, one a millisecond; resolves with how each settled. */
async function trickle(g: ReturnType<typeof createGroupCommit>, n: number, prefix = 'e') {
  const done: Promise<PromiseSettledResult<CommitShare>>[] = [];
  for (let i = 0; i < n; i++) {
    done.push(
      g.submit(unit(`${prefix}${i}`)).then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      ),
    );
    await new Promise((r) => setTimeout(r, 1));
  }
  return Promise.all(done);
}

describe('group commit', () => {
  it('merges what queued together into one batch and counts each batch once among its units', async () => {
    const { writer, batches } = scripted({ conflictsPerBatch: 1 });
    const g = createGroupCommit(writer, createMemoryLogger());
    const shares = await Promise.all(Array.from({ length: 10 }, (_, i) => g.submit(unit(`e${i}`))));
    expect(batches).toEqual([Array.from({ length: 10 }, (_, i) => `e${i}`)]);
    expect(shares[0]).toEqual({ batches: 1, conflicts: 1, locked: 0 });
    expect(shares.slice(1).every((s) => s.batches === 0 && s.conflicts === 0)).toBe(true);
    expect(g.stats()).toMatchObject({
      committed_total: 10,
      flushes_total: 1,
      max_batch: 10,
      conflicts_total: 1,
    });
  });

  it('retries a failed batch unit by unit, so that only the bad unit is refused', async () => {
    const { writer, batches } = scripted({ bad: 'e2' });
    const log = createMemoryLogger();
    const g = createGroupCommit(writer, log);
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => g.submit(unit(`e${i}`))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([['e0', 'e1', 'e2', 'e3'], ['e0'], ['e1'], ['e2'], ['e3']]);
    expect(log.lines.some((l) => l.msg.includes('retrying entries one by one'))).toBe(true);
    // The shares of the units that committed sum to the writer's batches.
    const shares = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.batches] : []));
    expect(shares.reduce((a, b) => a + b, 0)).toBe(writer.stats().batches);
    expect(g.stats()).toMatchObject({ committed_total: 3, failed_total: 1 });
  });

  it('fails the batch and everything queued behind it at once when the database is unavailable', async () => {
    const { writer, batches } = scripted({ down: true });
    const g = createGroupCommit(writer, createMemoryLogger(), { maxBatch: 2 });
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => g.submit(unit(`e${i}`))));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // One attempt, not one per unit: the first batch of two; the three behind it fail with it.
    expect(batches).toEqual([['e0', 'e1']]);
  });

  it('refuses units once closed, after the flush in progress', async () => {
    const { writer } = scripted();
    const g = createGroupCommit(writer, createMemoryLogger());
    const first = g.submit(unit('a'));
    await g.close();
    await expect(first).resolves.toBeDefined();
    await expect(g.submit(unit('b'))).rejects.toThrow(/closed/);
  });

  it('writes one batch at a time by default, merging what arrives meanwhile', async () => {
    const { writer, batches, overlap } = scripted({ ms: 10 });
    const g = createGroupCommit(writer, createMemoryLogger());
    const results = await trickle(g, 20);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(overlap.max).toBe(1);
    expect(batches.length).toBeLessThan(20);
  });

  it('with maxInFlight, sends the next batch before the last is answered, never more than that', async () => {
    const { writer, batches, overlap } = scripted({ ms: 10 });
    const g = createGroupCommit(writer, createMemoryLogger(), { maxInFlight: 3 });
    const results = await trickle(g, 30);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(overlap.max).toBe(3);
    // Every unit written exactly once, and each batch counted once among its units.
    expect(batches.flat().sort()).toEqual(Array.from({ length: 30 }, (_, i) => `e${i}`).sort());
    const shares = results.map((r) =>
      r.status === 'fulfilled' ? (r.value as { batches: number }).batches : 0,
    );
    expect(shares.reduce((a, b) => a + b, 0)).toBe(batches.length);
    expect(g.stats()).toMatchObject({ committed_total: 30, flushes_total: batches.length });
  });

  it('with maxInFlight, a bad unit is still refused alone', async () => {
    const { writer } = scripted({ bad: 'e7', ms: 10 });
    const g = createGroupCommit(writer, createMemoryLogger(), { maxInFlight: 2 });
    const results = await trickle(g, 12);
    expect(results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []))).toEqual([7]);
    expect(g.stats()).toMatchObject({ committed_total: 11, failed_total: 1 });
  });

  it('with maxInFlight, close waits for every flush in flight', async () => {
    const { writer, overlap } = scripted({ ms: 20 });
    const g = createGroupCommit(writer, createMemoryLogger(), { maxInFlight: 3 });
    let settled = 0;
    const units = Array.from({ length: 3 }, (_, i) => g.submit(unit(`c${i}`)).then(() => settled++));
    await new Promise((r) => setTimeout(r, 2));
    units.push(g.submit(unit('c3')).then(() => settled++));
    await new Promise((r) => setTimeout(r, 2));
    expect(overlap.now).toBe(2);
    await g.close();
    expect(settled).toBe(4);
    await Promise.all(units);
  });
});
