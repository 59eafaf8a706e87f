/**
 * What the relay tests share: committing events, waiting for the relay, the outbox as it is, a
 * simulated failover, and (for the JetStream files) a nats-server of the file's own with one fresh
 * database and stream per test, whose published messages are all scanned for secrets at the end.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { createRelay } from '../../src/audit/relay.js';
import type { Relay, RelayOptions } from '../../src/audit/relay.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { readStreamEvents } from '../../src/audit/verify-stream.js';
import type { Db } from '../../src/store/db.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { createTestNatsServer } from './nats-server.js';
import type { TestNatsServer } from './nats-server.js';
import { assertNoSecrets, exchangeEntry } from './fixtures.js';

export const log = createLogger(process.env.TEST_LOG === '1' ? 'debug' : 'error');
const SOURCE = 'https://mandate.example';

/** Polls `cond` every 25 ms until it holds, or throws after `ms`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The outbox's events in sequence order. */
export async function outboxEvents(t: TestDatabase): Promise<AuditEvent[]> {
  const res = await t.db.query<{ event: AuditEvent }>('SELECT event FROM outbox ORDER BY sequence');
  return res.rows.map((r) => r.event);
}

/** Commits `n` exchanges (two events each; every fourth refused). */
export async function commit(db: Db, n: number): Promise<void> {
  const audit = createOutboxAudit({ db, source: SOURCE, log });
  await Promise.all(Array.from({ length: n }, (_, i) => audit.commit(exchangeEntry({ allow: i % 4 !== 0 }))));
  await audit.close();
}

/** The relay's reported backlog (-1 when it reports none). */
export async function pending(relay: Relay): Promise<number> {
  return (await relay.status()).pending ?? -1;
}

/**
 * What a promoted standby that had not received the primary's last commits looks like: the chain
 * (outbox and head) and the relay's mark as they were at `keep`, in one transaction.
 */
export async function loseEventsAfter(db: Db, keep: number, markAt: number, target: string): Promise<void> {
  await db.tx(async (q) => {
    await q.query('DELETE FROM outbox WHERE sequence > $1', [keep]);
    await q.query(
      'UPDATE audit_chain_head SET sequence = $1, hash = (SELECT hash FROM outbox WHERE sequence = $1) WHERE id = 1',
      [keep],
    );
    await q.query(
      `UPDATE audit_relay SET sequence = $2, hash = (SELECT hash FROM outbox WHERE sequence = $2), position = $2
        WHERE target = $1`,
      [target, markAt],
    );
  });
}

/** The JetStream harness of one test file; `nc` and `server` are set once `beforeAll` has run. */
export interface JetStreamHarness {
  nc: NatsConnection;
  server: TestNatsServer;
  /** Run (in reverse) after each test. */
  cleanup: (() => Promise<unknown>)[];
  /** A fresh database and a stream name/subject prefix no other test uses. */
  setup: () => ReturnType<typeof setupRelay>;
}

async function setupRelay(h: JetStreamHarness, seen: string[]) {
  const { nc, server, cleanup } = h;
  const t = await createTestDatabase();
  const tag = randomBytes(4).toString('hex');
  const stream = `AUDIT_${tag}`;
  const subjectPrefix = `a${tag}`;
  cleanup.push(async () => {
    const jsm = await jetstreamManager(nc);
    const events = await readStreamEvents(nc, stream).catch(() => []);
    seen.push(...events.map((e) => JSON.stringify(e)));
    await jsm.streams.delete(stream).catch(() => undefined);
    await t.drop();
  });
  const relayOpts = {
    db: t.db,
    nats: { servers: server.url, stream, subjectPrefix, publishTimeoutMs: 1_000 },
    log,
    pollMs: 200,
    maxBackoffMs: 500,
  } satisfies RelayOptions;
  const startRelay = (extra: Partial<RelayOptions> = {}): Relay => {
    const r = createRelay({ ...relayOpts, ...extra });
    r.start();
    cleanup.push(() => r.stop());
    return r;
  };
  const messages = async (): Promise<number> =>
    (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  return { t, stream, subjectPrefix, startRelay, relayOpts, messages, target: `stream:${stream}` };
}

/** Registers the file's hooks (inside a `describe`) and returns its harness. */
export function useJetStream(): JetStreamHarness {
  const seen: string[] = [];
  const h = { cleanup: [] } as unknown as JetStreamHarness;
  h.setup = () => setupRelay(h, seen);
  beforeAll(async () => {
    h.server = await createTestNatsServer();
    h.nc = await connect({ servers: h.server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  });
  afterEach(async () => {
    for (const fn of h.cleanup.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    // The masking scan, over every message every test published.
    expect(seen.length).toBeGreaterThan(0);
    assertNoSecrets(seen);
    await h.nc.close();
    await h.server.remove();
  });
  return h;
}
