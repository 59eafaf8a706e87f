import { describe, expect, it } from 'vitest';
import { listMigrations, migrate, migrationsDir } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite.js';
import { createReplayStore } from '../../src/store/replay-store.js';

describe('PGlite driver (in memory)', () => {
  it('runs the migrations, a replay round trip, transactions and LISTEN', async () => {
    const db = await openPglite();
    try {
      expect(db.kind).toBe('pglite');
      expect(await migrate(db)).toEqual(await listMigrations(migrationsDir()));
      expect(await migrate(db)).toEqual([]);

      const now = Math.floor(Date.now() / 1000);
      const replay = createReplayStore(db);
      expect(await replay.remember('ns', 'k', now + 60)).toBe(true);
      expect(await replay.remember('ns', 'k', now + 60)).toBe(false);
      expect(await replay.remember('ns', 'gone', now - 60)).toBe(true);
      expect(await replay.purgeExpired(now)).toBe(1);

      await expect(
        db.tx(async (q) => {
          await q.query(`INSERT INTO replay VALUES ('tx', 'a', $1)`, [now + 60]);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect((await db.query(`SELECT 1 FROM replay WHERE namespace = 'tx'`)).rowCount).toBe(0);

      const got: string[] = [];
      const stop = await db.listen('mandate_test', (p) => got.push(p));
      await db.query(`SELECT pg_notify('mandate_test', 'hello')`);
      await expect.poll(() => got).toEqual(['hello']);
      await stop();
    } finally {
      await db.close();
    }
    // PGlite compiles and starts Postgres in WebAssembly: tens of seconds on a loaded 2-core machine.
  }, 120_000);
});
