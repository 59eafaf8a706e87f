/**
 * Opens the configured store (design.md, Embedded defaults): Postgres when `DATABASE_URL` is set,
 * otherwise embedded PGlite in `<dataDir>/pgdata`; says which, and brings the schema up to date.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres, type PostgresOptions } from './pg.js';
import { redactUrl } from './redact.js';

export interface OpenDbOptions {
  databaseUrl?: string;
  dataDir: string;
  log: Logger;
  /** Timeouts and start-up behaviour of the Postgres driver (ignored for PGlite). */
  postgres?: Omit<PostgresOptions, 'log'>;
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const { log } = opts;
  let db: Db;
  if (opts.databaseUrl) {
    db = await openPostgres(opts.databaseUrl, { ...opts.postgres, log });
    log.info('store: using Postgres', { url: redactUrl(opts.databaseUrl) });
  } else {
    const dir = join(opts.dataDir, 'pgdata');
    await mkdir(dir, { recursive: true });
    db = await openPglite(dir);
    log.info('store: using embedded PGlite (set DATABASE_URL for production)', { dataDir: dir });
  }
  try {
    const applied = await migrate(db);
    if (applied.length > 0) log.info('store: migrations applied', { applied });
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
