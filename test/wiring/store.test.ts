/**
 * buildStore on a throwaway database of the shared test Postgres: migrated, the configuration
 * file's clients and issuers synced (and a later start removes those the file dropped), the
 * queries counted in the metrics, and closing it closes the pool.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { buildStore } from '../../src/wiring/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-wiring-store-'));
const SECRET = 'k'.repeat(40);
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function configWith(file: Record<string, unknown>, env: Record<string, string> = {}) {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(file));
  return loadConfig({
    MANDATE_ISSUER: 'http://localhost:8080',
    MANDATE_CONFIG: path,
    DATABASE_URL: t.url,
    MANDATE_DATA_DIR: dir,
    ...env,
  });
}

const issuer = { issuer: 'https://idp.example', jwks_uri: 'https://idp.example/jwks' };

describe('buildStore', () => {
  it('migrates, syncs the configured clients and issuers, and counts its queries', async () => {
    const lines: string[] = [];
    const metrics = createMetrics();
    const config = configWith(
      {
        clients: [
          { client_id: 'a', client_secret: SECRET },
          { client_id: 'b', client_secret_env: 'B_SECRET' },
        ],
        issuers: [issuer],
      },
      { B_SECRET: SECRET },
    );
    const built = await buildStore(
      config,
      createLogger('info', (l) => lines.push(l)),
      {
        env: { B_SECRET: SECRET },
        now: () => 1_000,
        metrics,
      },
    );
    try {
      const { db, clients, issuers } = built.value;
      expect((await clients.get('a'))?.clientId).toBe('a');
      expect((await clients.get('b'))?.secretHash).toBe((await clients.get('a'))?.secretHash);
      expect((await issuers.list()).map((i) => i.issuer)).toEqual(['https://idp.example']);
      const synced = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'config: clients and trusted issuers synced');
      expect(synced).toMatchObject({ file: config.configPath });
      expect(lines.some((l) => l.includes('demo clients'))).toBe(false);
      await db.query('SELECT 1');
      expect(await metrics.text()).toMatch(/mandate_db_/);
    } finally {
      await built.close();
    }
    await expect(built.value.db.query('SELECT 1')).rejects.toThrow();
  });

  it('a later start with a smaller file removes the clients and issuers it dropped', async () => {
    const built = await buildStore(
      configWith({ clients: [{ client_id: 'a', client_secret: SECRET }] }),
      createLogger('error'),
      {
        env: {},
        now: () => 2_000,
        metrics: createMetrics(),
      },
    );
    try {
      expect(await built.value.clients.get('b')).toBeUndefined();
      expect((await built.value.clients.get('a'))?.updatedAt).toBe(2_000);
      expect(await built.value.issuers.list()).toEqual([]);
    } finally {
      await built.close();
    }
  });
});
