import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainWriter } from '../../src/audit/outbox-write.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import type { Db } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/pg.js';
import { openPglite } from '../../src/store/pglite.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { batch, counting, head, writeOne } from './chain-writer-harness.js';

describe('chain writer: a group commit in one statement', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('costs one statement per batch while it is the only writer, two when another moved the head', async () => {
    const c = counting(t.db);
    const w = createChainWriter(c.db);
    await writeOne(w); // learns the head first: SELECT, then the commit statement
    expect(c.statements).toEqual(['SELECT sequence,', 'WITH head']);
    c.statements.length = 0;
    for (let i = 0; i < 5; i++) await writeOne(w, 3);
    expect(c.statements).toEqual(Array(5).fill('WITH head'));

    // Another instance appends: this writer's next statement finds its head and retries on it.
    await writeOne(createChainWriter(t.db));
    c.statements.length = 0;
    const { sealed, ...mine } = await writeOne(w, 2);
    expect(c.statements).toEqual(['WITH head', 'WITH head']);
    expect(w.stats()).toMatchObject({ conflicts: 1, locked: 0 });
    expect(await head(t.db)).toEqual({
      sequence: Number(sealed.at(-1)!.sequence),
      hash: sealed.at(-1)!.hash,
    });
    const tokens = await t.db.query('SELECT jti FROM issued_tokens WHERE jti = ANY($1)', [
      mine.issued.map((r) => r.jti),
    ]);
    expect(tokens.rowCount).toBe(2);
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('a statement that fails writes nothing and leaves the head where it was', async () => {
    const c = counting(t.db);
    const w = createChainWriter(c.db);
    const first = await writeOne(w);
    const before = await head(t.db);
    const clash = batch(2);
    clash.issued[1] = { ...clash.issued[1]!, jti: first.issued[0]!.jti };
    await expect(w.write(clash.issued, clash.events)).rejects.toThrow(/duplicate key/);
    expect(await head(t.db)).toEqual(before);
    const jtis = await t.db.query('SELECT jti FROM issued_tokens WHERE jti = $1', [clash.issued[0]!.jti]);
    expect(jtis.rowCount).toBe(0);
    // The writer's memory of the head is still right: the next batch takes one statement.
    c.statements.length = 0;
    await writeOne(w);
    expect(c.statements).toEqual(['WITH head']);
    expect((await verifyPostgres(t.db)).ok).toBe(true);
  });

  it('waits for a writer holding the head, then seals again on the head that writer left', async () => {
    const w = createChainWriter(t.db);
    await writeOne(w);
    // A second connection locks the head and, while this writer's statement (sealed on the old
    // head) waits for that lock, appends a batch of its own: another instance's group commit.
    const db2 = await openPostgres(t.url, { max: 2 });
    try {
      let go!: () => void;
      const gate = new Promise<void>((r) => (go = r));
      let theirs: Awaited<ReturnType<typeof writeOne>> | undefined;
      const rivalTx = db2.tx(async (q) => {
        await q.query('SELECT 1 FROM audit_chain_head WHERE id = 1 FOR UPDATE');
        await gate;
        theirs = await writeOne(createChainWriter({ ...db2, query: q.query, exec: q.exec }));
      });
      await new Promise((r) => setTimeout(r, 100));
      const pending = writeOne(w, 2);
      await new Promise((r) => setTimeout(r, 300));
      go();
      await rivalTx;
      const { sealed } = await pending;
      expect(w.stats()).toMatchObject({ conflicts: 1, locked: 0 });
      // Sealed again after the rival's events, not beside them.
      expect(sealed[0]!.prevhash).toBe(theirs!.sealed.at(-1)!.hash);
      expect((await verifyPostgres(t.db)).ok).toBe(true);
      const seqs = await t.db.query<{ n: number; max: number }>(
        'SELECT count(*)::int AS n, max(sequence)::int AS max FROM outbox',
      );
      expect(seqs.rows[0]!.n).toBe(seqs.rows[0]!.max);
    } finally {
      await db2.close();
    }
  });

  it('many writers at once: every batch lands once, in one gap-free chain that verifies', async () => {
    const dbs = await Promise.all(Array.from({ length: 3 }, () => openPostgres(t.url, { max: 2 })));
    try {
      const writers = [t.db, ...dbs].map((d) => createChainWriter(d));
      const before = (await head(t.db)).sequence;
      let expected = 0;
      await Promise.all(
        writers.map(async (w) => {
          for (let i = 0; i < 25; i++) {
            const { events } = await writeOne(w, 1 + (i % 3));
            expected += events.length;
          }
        }),
      );
      expect((await head(t.db)).sequence - before).toBe(expected);
      const report = await verifyPostgres(t.db);
      expect(report.ok).toBe(true);
      const total = writers.map((w) => w.stats()).reduce((a, s) => a + s.batches, 0);
      expect(total).toBe(100);
      // With four writers contending, some found the head moved; whatever path each batch took,
      // the chain above is whole.
      expect(writers.some((w) => w.stats().conflicts > 0)).toBe(true);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });

  it('a writer that keeps losing the race writes under the head lock', async () => {
    const rival = createChainWriter(t.db);
    // Before each of its optimistic statements, the rival appends: the writer loses every time.
    const racing: Db = {
      ...t.db,
      query: async (sql, params, opts) => {
        if (sql.startsWith('WITH head')) await writeOne(rival);
        return t.db.query(sql, params, opts);
      },
    };
    const loser = createChainWriter(racing);
    const mine = batch(2);
    await loser.write(mine.issued, mine.events);
    expect(loser.stats()).toEqual({ batches: 1, conflicts: 3, locked: 1 });
    expect((await verifyPostgres(t.db)).ok).toBe(true);
    const tokens = await t.db.query('SELECT jti FROM issued_tokens WHERE jti = ANY($1)', [
      mine.issued.map((r) => r.jti),
    ]);
    expect(tokens.rowCount).toBe(2);
  });
});

describe('chain writer on embedded PGlite', () => {
  it('writes, conflicts and verifies as on a server', async () => {
    const db = await openPglite();
    try {
      await migrate(db);
      const a = createChainWriter(db);
      const b = createChainWriter(db);
      for (let i = 0; i < 6; i++) await writeOne(i % 2 ? a : b, 2);
      expect(a.stats().conflicts + b.stats().conflicts).toBeGreaterThan(0);
      expect(await verifyPostgres(db)).toMatchObject({ ok: true, checked: 24 });
      const tokens = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM issued_tokens');
      expect(tokens.rows[0]!.n).toBe(12);
    } finally {
      await db.close();
    }
    // PGlite's start-up (WebAssembly, migrations) takes most of a minute on a loaded machine.
  }, 120_000);
});
