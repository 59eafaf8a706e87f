/**
 * The primary's writer (src/wiring/cluster-writer.ts) on a real Postgres: it migrates the database
 * before any worker starts and answers a worker's batch arriving on the cluster channel (here the
 * cluster's `message` event emitted with a worker stand-in; the real cluster is
 * test/e2e/cluster-writer.e2e.test.ts), writing it into the chain.
 */
import cluster from 'node:cluster';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:cluster';
import { prepareEvents } from '../../src/audit/outbox.js';
import { loadConfig } from '../../src/config/index.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import { createMemoryLogger } from '../../src/log.js';
import { startClusterWriter } from '../../src/wiring/cluster-writer.js';
import { exchangeEntry } from '../audit/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

describe('the cluster primary’s audit writer', () => {
  let t: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'mandate-cluster-writer-'));
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates, then writes a worker’s batch and answers it', async () => {
    const log = createMemoryLogger();
    writeFileSync(join(dir, 'mandate.json'), JSON.stringify({ clients: [] }));
    const config = loadConfig({
      MANDATE_ISSUER: 'http://localhost:8080',
      MANDATE_CONFIG: join(dir, 'mandate.json'),
      DATABASE_URL: t.url,
      MANDATE_DATA_DIR: dir,
      MANDATE_WORKERS: '2',
    });
    const writer = await startClusterWriter(config, log);
    try {
      const entry = exchangeEntry();
      const events = prepareEvents(entry, 'https://mandate.example').map(({ id, subject, runs }) => ({
        id,
        subject,
        runs,
      }));
      const answered = new Promise<unknown>((resolve) => {
        const worker = { isConnected: () => true, send: (m: unknown) => resolve(m) } as unknown as Worker;
        cluster.emit('message', worker, {
          type: 'mandate:audit:write',
          id: 1,
          issued: [entry.issued],
          events,
        });
      });
      expect(await answered).toEqual({
        type: 'mandate:audit:written',
        id: 1,
        share: { batches: 1, conflicts: 0, locked: 0 },
      });
      const rows = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      expect(rows.rows[0]!.n).toBe(events.length);
      expect((await verifyPostgres(t.db)).ok).toBe(true);
      expect(log.lines.some((l) => l.msg === 'audit: one chain writer for the workers of this machine')).toBe(
        true,
      );
    } finally {
      await writer.close();
    }
  });
});
