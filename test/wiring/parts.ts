/**
 * The service's parts built as src/service.ts builds them, on a throwaway database of the shared
 * test Postgres and a data folder of their own, for the wiring tests of the later builders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNoopAudit } from '../../src/audit/noop.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import { buildAudit, type Audit } from '../../src/wiring/audit.js';
import { Closers } from '../../src/wiring/built.js';
import { buildKeys, type Keys } from '../../src/wiring/keys.js';
import { buildPolicy } from '../../src/wiring/policy.js';
import { buildProtocol, type Protocol } from '../../src/wiring/protocol.js';
import { buildStore, type Store } from '../../src/wiring/store.js';
import type { PolicyDecisionService } from '../../src/policy/engine.js';
import { createTestDatabase } from '../helpers/pg.js';

export interface Parts {
  config: Config;
  metrics: Metrics;
  store: Store;
  keys: Keys;
  decisions: PolicyDecisionService;
  audit: Audit;
  protocol: Protocol;
  closers: Closers;
  close(): Promise<void>;
}

export async function buildParts(env: Record<string, string> = {}): Promise<Parts> {
  const t = await createTestDatabase({ migrate: false });
  const dir = mkdtempSync(join(tmpdir(), 'mandate-wiring-'));
  const config = loadConfig({
    MANDATE_ISSUER: 'http://localhost:8080',
    MANDATE_CONFIG: 'examples/mandate.json',
    DATABASE_URL: t.url,
    MANDATE_DATA_DIR: dir,
    ...env,
  });
  const log = createLogger('error');
  const metrics = createMetrics();
  const now = () => Math.floor(Date.now() / 1000);
  const closers = new Closers();
  const store = closers.own(await buildStore(config, log, { env: {}, now, metrics }));
  const keys = closers.own(await buildKeys(config, store.db, log));
  const decisions = closers.own(await buildPolicy(config, log, metrics));
  const audit = closers.own(buildAudit(config, store.db, log, metrics, createNoopAudit()));
  const protocol = closers.own(
    buildProtocol({ config, log, now, store, keys, decisions, audit: audit.port, metrics }),
  );
  return {
    config,
    metrics,
    store,
    keys,
    decisions,
    audit,
    protocol,
    closers,
    async close() {
      await closers.close();
      await t.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
