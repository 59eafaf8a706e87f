import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { createRelay } from '../../src/audit/relay.js';
import type { Relay } from '../../src/audit/relay.js';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import type { RelayRow } from '../../src/audit/sink.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { verifyJsonLines, verifyPostgres } from '../../src/audit/verify.js';
import { openPostgres } from '../../src/store/pg.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { createTestNatsServer } from './nats-server.js';
import type { TestNatsServer } from './nats-server.js';
import { assertNoSecrets, exchangeEntry } from './fixtures.js';

const log = createLogger('error');
const SOURCE = 'https://mandate.example';

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function outboxEvents(t: TestDatabase): Promise<AuditEvent[]> {
  const res = await t.db.query<{ event: AuditEvent }>('SELECT event FROM outbox ORDER BY sequence');
  return res.rows.map((r) => r.event);
}

async function unpublished(t: TestDatabase): Promise<number> {
  const res = await t.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
  );
  return res.rows[0]!.n;
}

describe('relay to JetStream', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  const cleanup: (() => Promise<unknown>)[] = [];
  const seen: string[] = [];

  beforeAll(async () => {
    server = await createTestNatsServer();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    // The masking scan, over every message every test published.
    expect(seen.length).toBeGreaterThan(0);
    assertNoSecrets(seen);
    await nc.close();
    await server.remove();
  });

  /** A fresh database and a stream name/subject prefix no other test uses. */
  async function setup() {
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
      nats: {
        servers: server.url,
        stream,
        subjectPrefix,
        publishTimeoutMs: 1_000,
        duplicateWindowSeconds: 120,
      },
      log,
      pollMs: 200,
      maxBackoffMs: 500,
    };
    const startRelay = (extra: { batchSize?: number; db?: TestDatabase['db'] } = {}): Relay => {
      const r = createRelay({ ...relayOpts, ...extra });
      r.start();
      cleanup.push(() => r.stop());
      return r;
    };
    return { t, stream, subjectPrefix, startRelay, relayOpts };
  }

  it('publishes every outbox event once, in order, with Nats-Msg-Id and its subject, then marks it', async () => {
    const { t, stream, subjectPrefix, startRelay } = await setup();
    const relay = startRelay();
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    const entries = Array.from({ length: 100 }, (_, i) => exchangeEntry({ allow: i % 4 !== 0 }));
    await Promise.all(entries.map((e) => audit.commit(e)));
    await audit.close();
    await waitFor('relay to drain', async () => (await unpublished(t)) === 0);

    const stored = await outboxEvents(t);
    const published = (await readStreamEvents(nc, stream)) as AuditEvent[];
    expect(published.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(published).toEqual(stored);

    const jsm = await jetstreamManager(nc);
    const first = await jsm.streams.getMessage(stream, { seq: 1 });
    expect(first?.subject).toBe(`${subjectPrefix}.decision.token_exchange`);
    expect(first?.header.get('Nats-Msg-Id')).toBe(stored[0]!.id);
    const second = await jsm.streams.getMessage(stream, { seq: 2 });
    expect(second?.subject).toBe(`${subjectPrefix}.token.refused`);

    await waitFor('stats', () => relay.stats().published_total === 200);
    expect(relay.stats()).toMatchObject({ sink: 'jetstream', pending: 0, duplicates_total: 0 });
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 200, first: 1, last: 200 });
  });

  it('NATS down: hundreds of commits wait in the outbox and arrive exactly once after restart', async () => {
    const { t, stream, startRelay } = await setup();
    const relay = startRelay();
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    await audit.commit(exchangeEntry());
    await waitFor('first event', async () => (await unpublished(t)) === 0);

    await server.stop();
    const entries = Array.from({ length: 300 }, (_, i) => exchangeEntry({ allow: i % 3 !== 0 }));
    await Promise.all(entries.map((e) => audit.commit(e)));
    await audit.close();
    await waitFor('the relay to notice', () => relay.stats().last_error !== undefined);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await unpublished(t)).toBe(600);
    expect(relay.stats().pending).toBe(600);
    expect(relay.stats().lag_seconds).toBeGreaterThan(0.5);

    await server.start();
    await waitFor('relay to drain', async () => (await unpublished(t)) === 0, 30_000);
    const published = (await readStreamEvents(nc, stream)) as AuditEvent[];
    const stored = await outboxEvents(t);
    expect(published).toHaveLength(stored.length);
    expect(new Set(published.map((e) => e.id)).size).toBe(stored.length);
    expect(new Set(published.map((e) => e.id))).toEqual(new Set(stored.map((e) => e.id)));
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 602, duplicates: 0 });
    expect(await verifyPostgres(t.db)).toMatchObject({ ok: true, checked: 602 });
    await waitFor('stats', () => relay.stats().pending === 0 && relay.stats().last_error === undefined);
  });

  it('relay killed between publish and mark: the re-send is dropped by the stream (Nats-Msg-Id)', async () => {
    const { t, stream, relayOpts, startRelay } = await setup();
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    await Promise.all(Array.from({ length: 50 }, () => audit.commit(exchangeEntry())));
    await audit.close();

    // What a relay that died after the acks and before its UPDATE leaves behind: the events are in
    // the stream, the rows are still unpublished.
    const sink = createJetStreamSink({ ...relayOpts.nats, name: stream, log });
    const res = await t.db.query<RelayRow>(
      'SELECT sequence, id, subject, event::text AS body FROM outbox ORDER BY sequence',
    );
    expect(await sink.publish(res.rows)).toEqual({ duplicates: 0 });
    await sink.close();
    expect(await unpublished(t)).toBe(100);

    const relay = startRelay();
    await waitFor('relay to drain', async () => (await unpublished(t)) === 0);
    await waitFor('stats', () => relay.stats().published_total === 100);
    expect(relay.stats().duplicates_total).toBe(100);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(stream)).state.messages).toBe(100);
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 100, duplicates: 0 });
  });

  it('two relays on one database and one NATS: nothing published twice, nothing missing', async () => {
    const { t, stream, startRelay } = await setup();
    const db2 = await openPostgres(t.url, { max: 4 });
    cleanup.push(() => db2.close());
    const a = startRelay({ batchSize: 16 });
    const b = startRelay({ batchSize: 16, db: db2 });
    const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => audit.commit(exchangeEntry({ allow: i % 2 === 0 }))),
      );
    }
    await audit.close();
    await waitFor('relays to drain', async () => (await unpublished(t)) === 0, 30_000);
    await waitFor('stats', () => a.stats().published_total + b.stats().published_total === 1000);
    expect(a.stats().duplicates_total + b.stats().duplicates_total).toBe(0);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(stream)).state.messages).toBe(1000);
    const published = (await readStreamEvents(nc, stream)) as AuditEvent[];
    expect(new Set(published.map((e) => e.id)).size).toBe(1000);
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 1000, first: 1, last: 1000 });
  });
});

describe('relay to a JSON-lines file (no NATS configured)', () => {
  it('writes every event as one line and the file verifies', async () => {
    const t = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'mandate-audit-'));
    const file = join(dir, 'audit.jsonl');
    const relay = createRelay({ db: t.db, file, log, pollMs: 100 });
    try {
      relay.start();
      const audit = createOutboxAudit({ db: t.db, source: SOURCE, log });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => audit.commit(exchangeEntry({ allow: i % 2 === 0 }))),
      );
      await audit.close();
      await waitFor('relay to drain', async () => (await unpublished(t)) === 0);
      const text = await readFile(file, 'utf8');
      const lines = text.trim().split('\n');
      expect(lines).toHaveLength(80);
      assertNoSecrets(lines);
      expect(lines.map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(
        (await outboxEvents(t)).map((e) => e.id),
      );
      expect(verifyJsonLines(text)).toMatchObject({ ok: true, checked: 80, duplicates: 0 });
      expect(relay.stats()).toMatchObject({ sink: 'file', published_total: 80 });
    } finally {
      await relay.stop();
      await t.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a duplicate window no longer than its longest retry', () => {
    expect(() =>
      createRelay({
        db: {} as TestDatabase['db'],
        nats: { servers: 'nats://127.0.0.1:1', duplicateWindowSeconds: 30 },
        log,
        maxBackoffMs: 30_000,
      }),
    ).toThrow(/duplicate window \(30000 ms\) must exceed the relay's longest retry \(35000 ms\)/);
  });
});
