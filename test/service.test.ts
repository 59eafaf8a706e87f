// The composition root: a service built from its configuration answers over real HTTP on the
// given clock, closes every part (no database connection left behind), closes what it had built
// when a later part fails to start, and drains in-flight requests on shutdown.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createMemoryLogger } from '../src/log.js';
import { createService } from '../src/service.js';
import { salesforceExchange, subjectClaims } from './helpers/exchange.js';
import { createTestIdp, type TestIdp } from './helpers/idp.js';
import { createTestDatabase, type TestDatabase } from './helpers/pg.js';
import { freePort, testConfigFile, type TestService } from './helpers/service.js';

let db: TestDatabase;
let idp: TestIdp;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  idp = await createTestIdp();
  dir = await mkdtemp(join(tmpdir(), 'mandate-service-'));
  await writeFile(join(dir, 'mandate.json'), JSON.stringify(testConfigFile(idp)));
}, 60_000);
afterAll(async () => {
  await db?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function config(env: Record<string, string> = {}) {
  const port = await freePort();
  return {
    port,
    config: loadConfig({
      PORT: String(port),
      MANDATE_ISSUER: `http://127.0.0.1:${port}`,
      DATABASE_URL: `${db.url}${db.url.includes('?') ? '&' : '?'}application_name=${APP}`,
      MANDATE_CONFIG: join(dir, 'mandate.json'),
      MANDATE_DATA_DIR: dir,
      ...env,
    }),
  };
}

/** The service's connections to the database: it connects under its own application_name. */
const APP = 'mandate-service-test';
async function connections(): Promise<number> {
  // A backend leaves pg_stat_activity a moment after its client disconnects.
  for (let i = 0; i < 40; i++) {
    const n = await countNow();
    if (n === 0) return 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return countNow();
}
async function countNow(): Promise<number> {
  const res = await db.db.query<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1',
    [APP],
  );
  return Number(res.rows[0]!.n);
}

describe('createService', () => {
  it('serves on the clock it is given and closes every part', async () => {
    const { port, config: c } = await config();
    const T = 1_900_000_000;
    const service = await createService(c, createMemoryLogger(), { now: () => T });
    await service.app.listen({ port, host: '127.0.0.1' });
    const svc = { tokenEndpoint: `${c.issuer}/token`, idp } as unknown as TestService;
    const res = await salesforceExchange(svc, {
      subject_token: await idp.mint(subjectClaims(svc, { iat: T, exp: T + 600 }), { typ: 'at+jwt' }),
    });
    expect(res.status, res.text).toBe(200);
    expect(decodeJwt(String(res.body.access_token)).iat).toBe(T);
    expect(await countNow()).toBeGreaterThan(0);
    await service.close();
    expect(await connections()).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 60_000);

  it('closes what it built when a later part fails to start', async () => {
    const { config: c } = await config({ MANDATE_POLICY_BUNDLE: join(dir, 'no-such-bundle.tar.gz') });
    const log = createMemoryLogger();
    await expect(createService(c, log)).rejects.toThrow(/no-such-bundle/);
    // The store and the keys were built (and connected) before the policy failed.
    expect(log.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['store: using Postgres', 'keys: signing with']),
    );
    expect(await connections()).toBe(0);
  }, 60_000);

  it('drains on shutdown: a request in flight is answered, then everything closes', async () => {
    const { port, config: c } = await config();
    const service = await createService(c, createMemoryLogger());
    service.app.get('/slow', async () => {
      await new Promise((r) => setTimeout(r, 300));
      return { done: true };
    });
    await service.app.listen({ port, host: '127.0.0.1' });
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await new Promise((r) => setTimeout(r, 50));
    const drained = await service.shutdown({ quietMs: 10, timeoutMs: 5000 });
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    expect(drained).toEqual({ timedOut: false, inFlight: 0 });
  }, 60_000);
});
