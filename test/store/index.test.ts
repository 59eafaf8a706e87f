import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { openDb } from '../../src/store/index.js';
import { listMigrations, migrationsDir } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('openDb', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('opens Postgres when a URL is given, says so, and migrates', async () => {
    const log = createMemoryLogger();
    const db = await openDb({ databaseUrl: t.url, dataDir: '/nonexistent', log });
    try {
      expect(db.kind).toBe('postgres');
      expect(log.lines[0]).toEqual({ level: 'info', msg: 'store: using Postgres', fields: { url: t.url } });
      const applied = await listMigrations(migrationsDir());
      expect(log.lines[1]).toEqual({ level: 'info', msg: 'store: migrations applied', fields: { applied } });
      expect((await db.query('SELECT 1 FROM replay')).rowCount).toBe(0);
    } finally {
      await db.close();
    }
  });
});
