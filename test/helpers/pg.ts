/**
 * A throwaway database on the test Postgres server (127.0.0.1:5432, trust auth): each call creates
 * `mandate_t_<random>`, migrated unless asked otherwise; `drop()` closes the pool and drops it, so
 * tests pass whatever earlier runs left behind. Override the server with MANDATE_TEST_PG_ADMIN_URL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres, type PostgresOptions } from '../../src/store/pg.js';

const ADMIN_URL = process.env.MANDATE_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

async function admin(sql: string, adminUrl = ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabaseOptions {
  migrate?: boolean;
  /** The server to create it on (default: the shared test server), e.g. a PgServer's url(). */
  adminUrl?: string;
  /** Options of the test's own pool. */
  postgres?: PostgresOptions;
}

export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = opts.adminUrl ?? ADMIN_URL;
  const name = `mandate_t_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`, adminUrl);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  let db: Db | undefined;
  try {
    db = await openPostgres(url, { max: 4, ...opts.postgres });
    if (opts.migrate !== false) await migrate(db);
  } catch (err) {
    await db?.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, adminUrl);
    throw err;
  }
  const opened = db;
  let dropped = false;
  return {
    url,
    db: opened,
    async drop() {
      if (dropped) return;
      dropped = true;
      await opened.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, adminUrl);
    },
  };
}
