import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import type { RelayRow } from '../../src/audit/sink.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import { openPostgres } from '../../src/store/pg.js';
import { commit, log, outboxEvents, pending, useJetStream, waitFor } from './relay-harness.js';

describe('relay to JetStream', () => {
  const h = useJetStream();

  it('creates the stream at start-up, before any event, denying deletes and purges', async () => {
    const { stream, subjectPrefix, startRelay } = await h.setup();
    const relay = startRelay();
    const jsm = await jetstreamManager(h.nc);
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

    await jetstream(h.nc).publish(`${subjectPrefix}.probe`, '{}');
    await expect(jsm.streams.purge(stream)).rejects.toThrow(/purge not permitted/);
    await expect(jsm.streams.deleteMessage(stream, 1)).rejects.toThrow(/delete not permitted/);
    // Taken back only by recreating the stream (docs/audit.md, Retention).
    await expect(jsm.streams.update(stream, { deny_delete: false })).rejects.toThrow(/can not cancel deny/);
  });

  it('publishes every outbox event once, in sequence order, with Nats-Msg-Id and its subject', async () => {
    const { t, stream, subjectPrefix, startRelay, target } = await h.setup();
    const relay = startRelay();
    await commit(t.db, 100);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);

    const stored = await outboxEvents(t);
    const published = (await readStreamEvents(h.nc, stream)) as AuditEvent[];
    expect(published).toEqual(stored);
    // Strictly sequential: stream sequence n holds event n.
    const jsm = await jetstreamManager(h.nc);
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
    expect(await verifyStream(h.nc, stream)).toMatchObject({ ok: true, checked: 200, first: 1, last: 200 });
  });

  it('NATS down: commits wait in the outbox, the backlog is reported as it is now, and each arrives once', async () => {
    const { t, stream, startRelay } = await h.setup();
    const relay = startRelay();
    await commit(t.db, 1);
    await waitFor('first events', async () => (await pending(relay)) === 0);

    await h.server.stop();
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
      await h.server.start();
    }
    await waitFor('relay to drain', async () => (await pending(relay)) === 0, 30_000);
    const published = (await readStreamEvents(h.nc, stream)) as AuditEvent[];
    expect(published).toEqual(await outboxEvents(t));
    expect(await verifyStream(h.nc, stream)).toMatchObject({ ok: true, checked: 602, duplicates: 0 });
    expect(await verifyPostgres(t.db)).toMatchObject({ ok: true, checked: 602 });
    await waitFor('stats', () => relay.stats().last_error === undefined);
  });

  it('relay killed between the acks and moving its mark: it reads the stream and appends nothing twice', async () => {
    const { t, stream, relayOpts, startRelay, messages } = await h.setup();
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
    expect(await readStreamEvents(h.nc, stream)).toEqual(await outboxEvents(t));
  });

  it('two relays on one database: one appends at a time, in order, nothing twice, nothing missing', async () => {
    const { t, stream, startRelay, messages } = await h.setup();
    const db2 = await openPostgres(t.url, { max: 4 });
    h.cleanup.push(() => db2.close());
    const a = startRelay({ batchSize: 16, pollMs: 50 });
    const b = startRelay({ batchSize: 16, pollMs: 50, db: db2 });
    for (let round = 0; round < 10; round++) await commit(t.db, 50);
    await waitFor('relays to drain', async () => (await pending(a)) === 0, 30_000);
    expect(a.stats().published_total + b.stats().published_total).toBe(1000);
    expect(await messages()).toBe(1000);
    expect(await readStreamEvents(h.nc, stream)).toEqual(await outboxEvents(t));
  });
});
