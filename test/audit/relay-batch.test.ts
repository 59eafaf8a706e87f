/**
 * One relay batch (src/audit/relay-batch.ts) on a real database, into an in-memory destination:
 * nothing without the destination's mark row, a new destination gets the outbox from its first
 * event, batches of at most batchSize move the mark once each, a mark held by another transaction
 * is 'busy', and a database that no longer continues the destination is a ForkDetected.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ForkDetected, NEVER, relayBatch, type RelayBatchState } from '../../src/audit/relay-batch.js';
import type { RelayRow, Sink } from '../../src/audit/sink.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { commit } from './relay-harness.js';

const TARGET = 'file:/memory';

/** A destination in memory: its events, as the relay appended them (position = their count). */
function memorySink(): Sink & { rows: (RelayRow & { hash?: string })[] } {
  const rows: (RelayRow & { hash?: string })[] = [];
  return {
    kind: 'file',
    target: TARGET,
    rows,
    open: async () => undefined,
    async tail() {
      const last = rows[rows.length - 1];
      return {
        position: rows.length,
        last: last === undefined ? undefined : { sequence: last.sequence, hash: last.hash ?? '' },
      };
    },
    async append(batch, position) {
      expect(position).toBe(rows.length);
      rows.push(...batch);
      return rows.length;
    },
    close: async () => undefined,
  };
}

let t: TestDatabase;
let sink: ReturnType<typeof memorySink>;
let state: RelayBatchState;

beforeEach(async () => {
  t = await createTestDatabase();
  sink = memorySink();
  state = {
    db: t.db,
    sink,
    where: 'memory',
    batchSize: 4,
    stats: { published_total: 0 },
    synced: false,
    checkedAt: 0,
  };
});
afterEach(async () => {
  await t.drop();
});

const markRow = (): Promise<void> =>
  t.db.exec(
    `INSERT INTO audit_relay (target, sequence, hash, position) VALUES ('${TARGET}', ${NEVER}, '', ${NEVER})`,
  );

async function mark(): Promise<{ sequence: number; position: number }> {
  const r = await t.db.query<{ sequence: number; position: number }>(
    'SELECT sequence, position FROM audit_relay WHERE target = $1',
    [TARGET],
  );
  return { sequence: Number(r.rows[0]!.sequence), position: Number(r.rows[0]!.position) };
}

describe('relayBatch', () => {
  it('is busy while the destination has no mark row', async () => {
    await commit(t.db, 1);
    expect(await relayBatch(state, false)).toBe('busy');
    expect(sink.rows).toEqual([]);
  });

  it('delivers the outbox from its first event in batches of batchSize, moving the mark once each', async () => {
    await markRow();
    expect(await relayBatch(state, false)).toBe(0);
    expect(await mark()).toEqual({ sequence: NEVER, position: NEVER });
    await commit(t.db, 3); // six events
    expect(await relayBatch(state, false)).toBe(4);
    expect(sink.rows.map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
    expect(await mark()).toEqual({ sequence: 4, position: 4 });
    expect(state.synced).toBe(true);
    expect(await relayBatch(state, false)).toBe(2);
    expect(await relayBatch(state, false)).toBe(0);
    expect(sink.rows.map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await mark()).toEqual({ sequence: 6, position: 6 });
    expect(state.stats.published_total).toBe(6);
  });

  it('is busy while another transaction holds the mark', async () => {
    await markRow();
    await commit(t.db, 1);
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    const holder = t.db.tx(async (q) => {
      await q.query('SELECT 1 FROM audit_relay WHERE target = $1 FOR UPDATE', [TARGET]);
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(await relayBatch(state, false)).toBe('busy');
    release();
    await holder;
    expect(await relayBatch(state, false)).toBe(2);
  });

  it('a database that lost delivered events is a fork, at the mark', async () => {
    await markRow();
    await commit(t.db, 3);
    await relayBatch(state, false);
    await relayBatch(state, false);
    // A failover to a standby that had only the first two events (the mark stays at 6).
    await t.db.tx(async (q) => {
      await q.query('DELETE FROM outbox WHERE sequence > 2');
      await q.query(
        'UPDATE audit_chain_head SET sequence = 2, hash = (SELECT hash FROM outbox WHERE sequence = 2) WHERE id = 1',
      );
    });
    state.synced = true;
    const err = await relayBatch(state, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForkDetected);
    expect((err as ForkDetected).sequence).toBe(6);
    expect((err as Error).message).toMatch(
      /^memory holds events up to 6, but the database's chain ends at 2: /,
    );
    expect(state.synced).toBe(false);
  });

  it('a destination whose last event the database holds with another hash is a fork', async () => {
    await markRow();
    await commit(t.db, 1);
    sink.rows.push({ sequence: 1, id: 'x', subject: 's', body: '{}', hash: 'f'.repeat(64) });
    const err = await relayBatch(state, false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForkDetected);
    expect((err as Error).message).toMatch(
      /^memory holds event 1 with hash f{16}…, but the database's event 1 has hash /,
    );
    expect(sink.rows).toHaveLength(1);
  });
});
