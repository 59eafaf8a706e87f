import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createOutboxAudit } from '../../src/audit/outbox.js';
import { createRelay } from '../../src/audit/relay.js';
import type { Relay, RelayFork, RelayOptions } from '../../src/audit/relay.js';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import type { RelayRow } from '../../src/audit/sink.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { findFork, parseJsonLines, verifyJsonLines, verifyPostgres } from '../../src/audit/verify.js';
import { openPostgres } from '../../src/store/pg.js';
import type { Db } from '../../src/store/db.js';
import { createTestDatabase } from '../helpers/pg.js';
import type { TestDatabase } from '../helpers/pg.js';
import { createTestNatsServer } from './nats-server.js';
import type { TestNatsServer } from './nats-server.js';
import { assertNoSecrets, exchangeEntry } from './fixtures.js';

const log = createLogger(process.env.TEST_LOG === '1' ? 'debug' : 'error');
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

async function commit(db: Db, n: number): Promise<void> {
  const audit = createOutboxAudit({ db, source: SOURCE, log });
  await Promise.all(Array.from({ length: n }, (_, i) => audit.commit(exchangeEntry({ allow: i % 4 !== 0 }))));
  await audit.close();
}

async function pending(relay: Relay): Promise<number> {
  return (await relay.status()).pending ?? -1;
}

/**
 * What a promoted standby that had not received the primary's last commits looks like: the chain
 * (outbox and head) and the relay's mark as they were at `keep`, in one transaction.
 */
async function loseEventsAfter(db: Db, keep: number, markAt: number, target: string): Promise<void> {
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

  it('creates the stream at start-up, before any event, denying deletes and purges', async () => {
    const { stream, subjectPrefix, startRelay } = await setup();
    const relay = startRelay();
    const jsm = await jetstreamManager(nc);
    await waitFor('the stream', () =>
      jsm.streams.info(stream).then(
        () => true,
        () => false,
      ),
    );
    const info = await jsm.streams.info(stream);
    expect(info.config).toMatchObject({
      subjects: [`${subjectPrefix}.>`],
      storage: 'file',
      retention: 'limits',
      discard: 'new',
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      deny_delete: true,
      deny_purge: true,
    });
    // A SIEM consumer can be set up on an idle service.
    await jsm.consumers.add(stream, { durable_name: 'siem', ack_policy: AckPolicy.Explicit });
    expect(await pending(relay)).toBe(0);

    await jetstream(nc).publish(`${subjectPrefix}.probe`, '{}');
    await expect(jsm.streams.purge(stream)).rejects.toThrow(/purge not permitted/);
    await expect(jsm.streams.deleteMessage(stream, 1)).rejects.toThrow(/delete not permitted/);
    // Taken back only by recreating the stream (docs/audit.md, Retention).
    await expect(jsm.streams.update(stream, { deny_delete: false })).rejects.toThrow(/can not cancel deny/);
  });

  it('publishes every outbox event once, in sequence order, with Nats-Msg-Id and its subject', async () => {
    const { t, stream, subjectPrefix, startRelay, target } = await setup();
    const relay = startRelay();
    await commit(t.db, 100);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);

    const stored = await outboxEvents(t);
    const published = (await readStreamEvents(nc, stream)) as AuditEvent[];
    expect(published).toEqual(stored);
    // Strictly sequential: stream sequence n holds event n.
    const jsm = await jetstreamManager(nc);
    for (const seq of [1, 2, 200]) {
      const m = await jsm.streams.getMessage(stream, { seq });
      expect(m?.json<AuditEvent>().sequence).toBe(String(seq).padStart(16, '0'));
      expect(m?.header.get('Nats-Msg-Id')).toBe(stored[seq - 1]!.id);
    }
    expect((await jsm.streams.getMessage(stream, { seq: 1 }))?.subject).toBe(
      `${subjectPrefix}.decision.token_exchange`,
    );
    expect((await jsm.streams.getMessage(stream, { seq: 2 }))?.subject).toBe(
      `${subjectPrefix}.token.refused`,
    );

    // One mark per destination, moved once per batch; no outbox row is updated.
    const mark = await t.db.query('SELECT target, sequence, hash, position FROM audit_relay');
    expect(mark.rows).toEqual([{ target, sequence: 200, hash: stored[199]!.hash, position: 200 }]);
    expect(await relay.status()).toMatchObject({
      sink: 'jetstream',
      state: 'relaying',
      published_total: 200,
      published_sequence: 200,
      pending: 0,
      lag_seconds: 0,
    });
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 200, first: 1, last: 200 });
  });

  it('NATS down: commits wait in the outbox, the backlog is reported as it is now, and each arrives once', async () => {
    const { t, stream, startRelay } = await setup();
    const relay = startRelay();
    await commit(t.db, 1);
    await waitFor('first events', async () => (await pending(relay)) === 0);

    await server.stop();
    try {
      await commit(t.db, 300);
      await waitFor('the relay to notice', () => relay.stats().last_error !== undefined);
      const before = await relay.status();
      expect(before).toMatchObject({ state: 'failing', pending: 600, published_sequence: 2 });
      await new Promise((r) => setTimeout(r, 1_000));
      const after = await relay.status();
      // The age of the oldest undelivered event, now: it grows with the clock.
      expect(after.lag_seconds! - before.lag_seconds!).toBeGreaterThan(0.8);
    } finally {
      await server.start();
    }
    await waitFor('relay to drain', async () => (await pending(relay)) === 0, 30_000);
    const published = (await readStreamEvents(nc, stream)) as AuditEvent[];
    expect(published).toEqual(await outboxEvents(t));
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 602, duplicates: 0 });
    expect(await verifyPostgres(t.db)).toMatchObject({ ok: true, checked: 602 });
    await waitFor('stats', () => relay.stats().last_error === undefined);
  });

  it('relay killed between the acks and moving its mark: it reads the stream and appends nothing twice', async () => {
    const { t, stream, relayOpts, startRelay, messages } = await setup();
    await commit(t.db, 50);
    // What a relay that died after the acks and before its UPDATE leaves behind: the events are in
    // the stream, the mark is still where it was.
    const sink = createJetStreamSink({ ...relayOpts.nats, name: stream, log });
    const res = await t.db.query<RelayRow>(
      'SELECT sequence, id, subject, event::text AS body FROM outbox WHERE sequence <= 60 ORDER BY sequence',
    );
    expect(await sink.append(res.rows, 0)).toBe(60);
    await sink.close();

    const relay = startRelay();
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    expect(relay.stats().published_total).toBe(40);
    expect(await messages()).toBe(100);
    expect(await readStreamEvents(nc, stream)).toEqual(await outboxEvents(t));
  });

  it('two relays on one database: one appends at a time, in order, nothing twice, nothing missing', async () => {
    const { t, stream, startRelay, messages } = await setup();
    const db2 = await openPostgres(t.url, { max: 4 });
    cleanup.push(() => db2.close());
    const a = startRelay({ batchSize: 16, pollMs: 50 });
    const b = startRelay({ batchSize: 16, pollMs: 50, db: db2 });
    for (let round = 0; round < 10; round++) await commit(t.db, 50);
    await waitFor('relays to drain', async () => (await pending(a)) === 0, 30_000);
    expect(a.stats().published_total + b.stats().published_total).toBe(1000);
    expect(await messages()).toBe(1000);
    expect(await readStreamEvents(nc, stream)).toEqual(await outboxEvents(t));
  });

  it('a fork (the database lost published events, then wrote new ones): detected, alarmed, nothing forked published', async () => {
    const { t, stream, startRelay, messages, target } = await setup();
    const alarms: RelayFork[] = [];
    const relay = startRelay({ onAlarm: (f) => alarms.push(f) });
    await commit(t.db, 50);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    const published = await outboxEvents(t);

    // Failover to a standby that had the chain up to 60 and the mark at 40; new requests follow.
    await loseEventsAfter(t.db, 60, 40, target);
    await commit(t.db, 30);

    await waitFor('the fork', () => relay.stats().state === 'forked');
    const { fork } = relay.stats();
    expect(fork?.sequence).toBe(100);
    // Whether the relay looked before or after the new events reached sequence 100.
    expect([
      `stream ${stream} holds event 100 with hash ${published[99]!.hash.slice(0, 16)}…, but the database's event 100 has hash `,
      `stream ${stream} holds events up to 100, but the database's chain ends at `,
    ]).toContain(fork?.detail.replace(/(has hash |ends at ).*$/, '$1'));
    expect(alarms).toEqual([fork]);
    // Nothing of the new timeline reached the stream, which still holds exactly one timeline.
    await new Promise((r) => setTimeout(r, 500));
    expect(await messages()).toBe(100);
    expect(await readStreamEvents(nc, stream)).toEqual(published);
    expect(await verifyStream(nc, stream)).toMatchObject({ ok: true, checked: 100 });
    // Compared with the database, the stream names where the timelines part.
    const events = await readStreamEvents(nc, stream);
    expect(await findFork(t.db, events, `stream ${stream}`)).toEqual({
      sequence: 61,
      reason: 'fork',
      detail: `stream ${stream} holds 40 events from 61 to 100 that the database's chain does not (it ends at 120): they belong to another timeline, e.g. events committed on a primary that failed before its standby received them (docs/audit.md#forks)`,
    });
    expect(await relay.status()).toMatchObject({ state: 'forked', fork, pending: 80 });
  });

  it('a fork while idle (the database is behind the stream): found by the periodic check, before any new event', async () => {
    const { t, stream, startRelay, target } = await setup();
    const relay = startRelay({ checkMs: 300 });
    await commit(t.db, 20);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await loseEventsAfter(t.db, 30, 30, target);
    await waitFor('the fork', () => relay.stats().state === 'forked', 10_000);
    expect(relay.stats().fork).toMatchObject({
      sequence: 40,
      detail: `stream ${stream} holds events up to 40, but the database's chain ends at 30: the database lost events that were already published (a failover to a standby that had not received them, or a restored backup)`,
    });
  });

  it('a fresh relay on a database the stream does not continue refuses to publish (two deployments, one stream)', async () => {
    const { t, stream, startRelay, relayOpts, messages } = await setup();
    await commit(t.db, 5);
    const relay = startRelay();
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await relay.stop();

    const other = await createTestDatabase();
    cleanup.push(() => other.drop());
    await commit(other.db, 10);
    const intruder = createRelay({ ...relayOpts, db: other.db });
    intruder.start();
    cleanup.push(() => intruder.stop());
    await waitFor('the fork', () => intruder.stats().state === 'forked');
    expect(intruder.stats().fork?.sequence).toBe(10);
    expect(await messages()).toBe(10);
    expect(await readStreamEvents(nc, stream)).toEqual(await outboxEvents(t));
  });

  it('a message the relay did not write at the end of the stream stops it', async () => {
    const { t, subjectPrefix, startRelay, messages } = await setup();
    const relay = startRelay();
    await commit(t.db, 2);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await jetstream(nc).publish(`${subjectPrefix}.decision.forged`, '{"hello":"world"}');
    await commit(t.db, 2);
    await waitFor('the halt', () => relay.stats().state === 'forked');
    expect(relay.stats().fork?.detail).toMatch(/the last message of stream .* \(#5\) is not an audit event/);
    expect(await messages()).toBe(5);
  });
});

describe('relay to a JSON-lines file (no NATS configured)', () => {
  let t: TestDatabase;
  let dir: string;
  const relays: Relay[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mandate-audit-'));
  });
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop();
    await t?.drop();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const start = (file: string, extra: Partial<RelayOptions> = {}): Relay => {
    const r = createRelay({ db: t.db, file, log, pollMs: 100, ...extra });
    r.start();
    relays.push(r);
    return r;
  };

  it('writes every event as one line and the file verifies', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    const relay = start(file);
    await commit(t.db, 40);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    const text = await readFile(file, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(80);
    assertNoSecrets(lines);
    expect(lines.map((l) => JSON.parse(l) as AuditEvent)).toEqual(await outboxEvents(t));
    expect(verifyJsonLines(text)).toMatchObject({ ok: true, checked: 80, duplicates: 0 });
    expect(relay.stats()).toMatchObject({ sink: 'file', published_total: 80 });
  });

  it('a line cut short by a crash is cut off, and the file continues whole', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    let relay = start(file);
    await commit(t.db, 5);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await relay.stop();
    await appendFile(file, '{"specversion":"1.0","id":"half-writ');
    relay = start(file);
    await commit(t.db, 5);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    const text = await readFile(file, 'utf8');
    expect(parseJsonLines(text)).toEqual(await outboxEvents(t));
    expect(verifyJsonLines(text)).toMatchObject({ ok: true, checked: 20 });
  });

  it('a file the database does not continue stops the relay', async () => {
    t = await createTestDatabase();
    const file = join(dir, `${randomBytes(4).toString('hex')}.jsonl`);
    const other = await createTestDatabase();
    try {
      await commit(other.db, 3);
      await writeFile(file, (await outboxEvents(other)).map((e) => JSON.stringify(e) + '\n').join(''));
    } finally {
      await other.drop();
    }
    await commit(t.db, 5);
    const relay = start(file);
    await waitFor('the fork', () => relay.stats().state === 'forked');
    expect(relay.stats().fork?.sequence).toBe(6);
    expect(parseJsonLines(await readFile(file, 'utf8'))).toHaveLength(6);
  });
});
