/**
 * buildAudit on a throwaway database: without NATS_URL the relay writes the data folder's JSON-lines
 * file, with it a JetStream stream (a unique name on the shared NATS); what is committed arrives
 * there, the backlog is reported, and a port handed in replaces both.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamEvents } from '../../src/audit/verify-stream.js';
import { createNoopAudit } from '../../src/audit/noop.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { buildAudit } from '../../src/wiring/audit.js';
import { exchangeEntry } from '../audit/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const dir = mkdtempSync(join(tmpdir(), 'mandate-wiring-audit-'));
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (env: Record<string, string> = {}) =>
  loadConfig({
    MANDATE_ISSUER: 'http://localhost:8080',
    MANDATE_CONFIG: 'examples/mandate.json',
    MANDATE_DATA_DIR: dir,
    ...env,
  });

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 15_000; !(await ok());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('buildAudit', () => {
  it('without NATS: committed events reach <data dir>/audit.jsonl and the backlog is reported', async () => {
    const lines: string[] = [];
    const built = buildAudit(
      config(),
      t.db,
      createLogger('info', (l) => lines.push(l)),
      createMetrics(),
    );
    const file = join(dir, 'audit.jsonl');
    try {
      await built.value.port.commit(exchangeEntry());
      await until(
        'the file to hold both events',
        () => existsSync(file) && readFileSync(file, 'utf8').split('\n').filter(Boolean).length === 2,
      );
      expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!)).toMatchObject({
        sequence: '0000000000000001',
      });
      expect(await built.value.relayStats!()).toHaveProperty('audit_relay');
      expect(lines.some((l) => l.includes('relaying to a JSON-lines file') && l.includes(file))).toBe(true);
    } finally {
      await built.close();
    }
  });

  it('with NATS_URL: committed events reach the configured JetStream stream', async () => {
    const tag = randomBytes(4).toString('hex');
    const stream = `WA_${tag}`;
    const built = buildAudit(
      config({ NATS_URL, MANDATE_AUDIT_STREAM: stream, MANDATE_AUDIT_SUBJECT_PREFIX: `wa${tag}` }),
      t.db,
      createLogger('error'),
      createMetrics(),
    );
    const nc = await connect({ servers: NATS_URL });
    try {
      await built.value.port.commit(exchangeEntry());
      await until('the stream to hold the outbox', async () => {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.info(stream).catch(() => undefined);
        return (info?.state.messages ?? 0) >= 4;
      });
      const outbox = await t.db.query<{ event: unknown }>('SELECT event FROM outbox ORDER BY sequence');
      expect(await readStreamEvents(nc, stream)).toEqual(outbox.rows.map((r) => r.event));
    } finally {
      await built.close();
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });

  it('a port handed in is used as it is, with no relay, and closed with the audit', async () => {
    const given = createNoopAudit();
    let closed = 0;
    const port = { ...given, close: async () => void closed++ };
    const built = buildAudit(config(), t.db, createLogger('error'), createMetrics(), port);
    expect(built.value.port).toBe(port);
    expect(built.value.relayStats).toBeUndefined();
    await built.close();
    expect(closed).toBe(1);
  });
});
