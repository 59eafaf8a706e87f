/**
 * Opens the configured store (design.md, Embedded defaults): Postgres when `DATABASE_URL` is set,
 * otherwise embedded PGlite in `<dataDir>/pgdata`; says which (and, for the service, whether commits
 * are synchronously replicated), and brings the schema up to date.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres, type PostgresOptions } from './pg.js';
import { checkReplication, type AsyncReplicationPolicy } from './pg-replication.js';
import { checkServerVersion } from './server-version.js';
import { redactUrl } from './redact.js';

export interface OpenDbOptions {
  databaseUrl?: string;
  dataDir: string;
  log: Logger;
  /** Timeouts and start-up behaviour of the Postgres driver (ignored for PGlite). */
  postgres?: Omit<PostgresOptions, 'log'>;
  /**
   * The service's start-up check that commits are synchronously replicated when standbys are
   * attached (pg-replication.ts); tools that only read (audit verify) leave it out.
   */
  replication?: AsyncReplicationPolicy;
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const { log } = opts;
  let db: Db;
  if (opts.databaseUrl) {
    db = await openPostgres(opts.databaseUrl, { ...opts.postgres, log });
    log.info('store: using Postgres', { url: redactUrl(opts.databaseUrl) });
    if (opts.replication !== undefined)
      await checkReplication(db, opts.replication, log).catch((err: unknown) =>
        log.warn('postgres: could not check replication', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
  } else {
    const dir = join(opts.dataDir, 'pgdata');
    await mkdir(dir, { recursive: true });
    db = await openPglite(dir);
    log.info('store: using embedded PGlite (set DATABASE_URL for production)', { dataDir: dir });
  }
  try {
    await checkServerVersion(db);
    const applied = await migrate(db);
    if (applied.length > 0) log.info('store: migrations applied', { applied });
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
