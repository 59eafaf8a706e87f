import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listMigrations, migrate, migrationsDir } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const shipped = await listMigrations(migrationsDir());

describe('migrate', () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it('finds the shipped migrations from the package root', () => {
    expect(shipped[0]).toBe('001_init.sql');
  });

  it('applies every migration once and is idempotent', async () => {
    t = await createTestDatabase({ migrate: false });
    expect(await migrate(t.db)).toEqual(shipped);
    expect(await migrate(t.db)).toEqual([]);
    const rows = await t.db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.rows.map((r) => r.name)).toEqual(shipped);
    const tables = await t.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['clients', 'issued_tokens', 'replay', 'signing_keys', 'trusted_issuers']),
    );
  });

  it('is safe when two instances migrate a fresh database at once', async () => {
    t = await createTestDatabase({ migrate: false });
    const [a, b] = await Promise.all([migrate(t.db), migrate(t.db)]);
    // Each file is applied by exactly one of them.
    expect([...a, ...b].sort()).toEqual(shipped);
    const rows = await t.db.query('SELECT name FROM schema_migrations');
    expect(rows.rowCount).toBe(shipped.length);
  });

  it('rolls back a failing migration and names it', async () => {
    t = await createTestDatabase({ migrate: false });
    const dir = await mkdtemp(join(tmpdir(), 'mandate-mig-'));
    try {
      await writeFile(join(dir, '001_ok.sql'), 'CREATE TABLE a (x int); CREATE TABLE b (y int);');
      await writeFile(join(dir, '002_bad.sql'), 'CREATE TABLE c (x int); SELECT nope FROM missing;');
      await expect(migrate(t.db, { dir })).rejects.toThrow(/^migration 002_bad\.sql failed: .*missing/);
      const c = await t.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'c'`);
      expect(c.rowCount).toBe(0);
      const names = await t.db.query<{ name: string }>('SELECT name FROM schema_migrations');
      expect(names.rows.map((r) => r.name)).toEqual(['001_ok.sql']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses two migrations with the same number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mandate-mig-'));
    try {
      await writeFile(join(dir, '001_a.sql'), '');
      await writeFile(join(dir, '001_b.sql'), '');
      await writeFile(join(dir, 'README.txt'), '');
      await expect(listMigrations(dir)).rejects.toThrow(
        'two migrations share number 001: 001_a.sql, 001_b.sql',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
