/**
 * One chain writer per machine (src/audit/cluster-writer.ts): workers' outboxes write through the
 * primary's group commit over a channel. Here the channel is in memory but carries JSON, as
 * node:cluster's does, and the database is a real Postgres; the real two-worker process is
 * test/e2e/cluster-writer.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerClusterWrite,
  createClusterWriterClient,
  type PrimaryChannel,
} from '../../src/audit/cluster-writer.js';
import { createGroupCommit, type GroupCommit } from '../../src/audit/group-commit.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { createChainWriter } from '../../src/audit/outbox-write.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import { createLogger } from '../../src/log.js';
import { isDatabaseUnavailable } from '../../src/store/errors.js';
import { openPostgres } from '../../src/store/pg.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { exchangeEntry } from './fixtures.js';

const log = createLogger('error');
const SOURCE = 'https://mandate.example';

/** A worker's channel to a primary that answers with `group`; `cut()` closes it as a dead primary. */
function channelTo(primary: GroupCommit | 'silent'): PrimaryChannel & { cut(): void; sent: unknown[] } {
  const listeners: ((m: unknown) => void)[] = [];
  const closers: (() => void)[] = [];
  let open = true;
  const wire = (m: unknown): unknown => JSON.parse(JSON.stringify(m));
  const sent: unknown[] = [];
  return {
    sent,
    send(message, failed) {
      if (!open) {
        setImmediate(() => failed(new Error('channel closed')));
        return;
      }
      sent.push(message);
      if (primary === 'silent') return;
      setImmediate(() =>
        answerClusterWrite(primary, log, wire(message), (answer) =>
          setImmediate(() => {
            if (open) for (const l of listeners) l(wire(answer));
          }),
        ),
      );
    },
    onMessage: (l) => listeners.push(l),
    onDisconnect: (l) => closers.push(l),
    cut() {
      open = false;
      for (const c of closers) c();
    },
  };
}

describe('one chain writer for the workers of a machine', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('writes two workers’ entries into one chain without a single conflict, and counts each commit once', async () => {
    const primary = createGroupCommit(createChainWriter(t.db), log);
    const workers = [0, 1].map(() =>
      createOutboxAudit({
        source: SOURCE,
        log,
        writer: createClusterWriterClient(channelTo(primary), { timeoutMs: 5_000 }),
      }),
    );
    const entries = Array.from({ length: 400 }, (_, i) => ({
      worker: i % 2,
      entry: exchangeEntry({ sub: `u${i}` }),
    }));
    await Promise.all(entries.map(({ worker, entry }) => workers[worker]!.commit(entry)));

    const p = primary.stats();
    expect(p.committed_total).toBeGreaterThan(0);
    expect(p.conflicts_total).toBe(0);
    expect(p.locked_total).toBe(0);
    // The workers' counts sum to the primary's writer's: each commit counted once, cluster-wide.
    const w = workers.map((a) => a.stats());
    expect(w[0]!.flushes_total + w[1]!.flushes_total).toBe(p.flushes_total);
    expect(w[0]!.committed_total + w[1]!.committed_total).toBe(400);
    // Batches were merged across workers: fewer commits than the workers handed over.
    expect(p.flushes_total).toBeLessThan(p.committed_total);

    const stored = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(stored.rows[0]!.n).toBe(800);
    const tokens = await t.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM issued_tokens WHERE jti = ANY($1)',
      [entries.map((e) => e.entry.jti)],
    );
    expect(tokens.rows[0]!.n).toBe(400);
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('refuses a bad entry alone: the other worker’s entries in the same primary batch commit', async () => {
    const primary = createGroupCommit(createChainWriter(t.db), log);
    const a = createOutboxAudit({
      source: SOURCE,
      log,
      writer: createClusterWriterClient(channelTo(primary), { timeoutMs: 5_000 }),
    });
    const b = createOutboxAudit({
      source: SOURCE,
      log,
      writer: createClusterWriterClient(channelTo(primary), { timeoutMs: 5_000 }),
    });
    const first = exchangeEntry();
    await a.commit(first);
    const clash = exchangeEntry();
    clash.issued = { ...clash.issued!, jti: first.jti };
    const good = Array.from({ length: 20 }, () => exchangeEntry());
    const results = await Promise.allSettled([
      b.commit(clash),
      ...good.map((e, i) => (i % 2 ? a : b).commit(e)),
    ]);
    expect(results[0]!.status).toBe('rejected');
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
    expect(isDatabaseUnavailable((results[0] as PromiseRejectedResult).reason)).toBe(false);
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('answers a worker "unavailable" of the same kind when the primary’s database cannot write', async () => {
    const db = await openPostgres(t.url, { max: 1 });
    const primary = createGroupCommit(createChainWriter(db), log);
    const worker = createOutboxAudit({
      source: SOURCE,
      log,
      writer: createClusterWriterClient(channelTo(primary), { timeoutMs: 5_000 }),
    });
    await worker.commit(exchangeEntry());
    await db.close();
    const err: unknown = await worker.commit(exchangeEntry()).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(String(err)).toMatch(/audit writer: /);
  });

  it('fails waiting batches as unavailable, at once, when the primary is gone, and every later one', async () => {
    const channel = channelTo('silent');
    const worker = createOutboxAudit({
      source: SOURCE,
      log,
      writer: createClusterWriterClient(channel, { timeoutMs: 60_000 }),
    });
    const pending = worker.commit(exchangeEntry()).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    expect(channel.sent).toHaveLength(1);
    const t0 = Date.now();
    channel.cut();
    expect(isDatabaseUnavailable(await pending)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1_000);
    const later: unknown = await worker.commit(exchangeEntry()).catch((e: unknown) => e);
    expect(String(later)).toMatch(/cluster primary .* is gone/);
    expect(isDatabaseUnavailable(later)).toBe(true);
  });

  it('fails a batch as a timeout when a frozen primary does not answer in time', async () => {
    const worker = createOutboxAudit({
      source: SOURCE,
      log,
      writer: createClusterWriterClient(channelTo('silent'), { timeoutMs: 150 }),
    });
    const t0 = Date.now();
    const err: unknown = await worker.commit(exchangeEntry()).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(isDatabaseUnavailable(err)).toBe(true);
    expect(String(err)).toMatch(/did not answer within 150 ms/);
  });

  it('answers a malformed batch with an error, writing nothing, and ignores other messages', async () => {
    const primary = createGroupCommit(createChainWriter(t.db), log);
    const answers: unknown[] = [];
    const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(
      answerClusterWrite(primary, log, { type: 'mandate:metrics:ask', id: 'x' }, (a) => answers.push(a)),
    ).toBe(false);
    expect(answerClusterWrite(primary, log, null, (a) => answers.push(a))).toBe(false);
    const bad = {
      type: 'mandate:audit:write',
      id: 7,
      issued: [],
      events: [{ id: 'e', subject: 's', runs: ['a', 'b'] }],
    };
    expect(answerClusterWrite(primary, log, bad, (a) => answers.push(a))).toBe(true);
    expect(answers).toEqual([{ type: 'mandate:audit:written', id: 7, error: 'malformed batch' }]);
    const after = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});
