/**
 * The store: the database (PostgreSQL, or embedded PGlite without DATABASE_URL), the clients and
 * trusted issuers of the configuration file synced into it, and the housekeeping of expired rows.
 */
import type { Config } from '../config/index.js';
import { clientRecords, issuerRecords } from '../config/records.js';
import type { Logger } from '../log.js';
import { instrumentDb } from '../ops/instrument.js';
import { traceDb } from '../ops/trace-ports.js';
import type { Metrics } from '../ops/metrics.js';
import { createClientRepo, type ClientRepo } from '../store/clients.js';
import type { Db } from '../store/db.js';
import { startHousekeeping } from '../store/housekeeping.js';
import { openDb } from '../store/index.js';
import { createIssuerRepo, type IssuerRepo } from '../store/issuers.js';
import type { Built } from './built.js';

export interface Store {
  db: Db;
  clients: ClientRepo;
  issuers: IssuerRepo;
}

export async function buildStore(
  config: Config,
  log: Logger,
  opts: { env: Record<string, string | undefined>; now: () => number; metrics: Metrics },
): Promise<Built<Store>> {
  const opened = await openDb({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    dataDir: config.dataDir,
    log,
    postgres: config.database,
    replication: config.database.asyncReplication,
  });
  const db = traceDb(instrumentDb(opened, opts.metrics));
  opts.metrics.attach({ dbPool: () => opened.poolUse?.() });
  try {
    const clients = createClientRepo(db);
    const issuers = createIssuerRepo(db);
    const synced = await clients.syncFromConfig(clientRecords(config.file, opts.env, opts.now()));
    const syncedIssuers = await issuers.syncFromConfig(issuerRecords(config.file));
    if (config.demoConfig)
      log.warn(
        'config: MANDATE_CONFIG is unset, so the demo clients of examples/mandate.json are loaded (localhost only)',
        { file: config.configPath },
      );
    log.info('config: clients and trusted issuers synced', {
      file: config.configPath ?? '(none)',
      clients: synced,
      issuers: syncedIssuers,
    });
    const housekeeping = startHousekeeping({ db, log, now: opts.now });
    return {
      value: { db, clients, issuers },
      close: async () => {
        housekeeping.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
