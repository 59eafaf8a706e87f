import { jetstream } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { createRelay } from '../../src/audit/relay.js';
import type { RelayFork } from '../../src/audit/relay.js';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { findFork } from '../../src/audit/verify.js';
import { createTestDatabase } from '../helpers/pg.js';
import { commit, loseEventsAfter, outboxEvents, pending, useJetStream, waitFor } from './relay-harness.js';

describe('relay to JetStream: forks and foreign messages', () => {
  const h = useJetStream();

  it('a fork (the database lost published events, then wrote new ones): detected, alarmed, nothing forked published', async () => {
    const { t, stream, startRelay, messages, target } = await h.setup();
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
    expect(await readStreamEvents(h.nc, stream)).toEqual(published);
    expect(await verifyStream(h.nc, stream)).toMatchObject({ ok: true, checked: 100 });
    // Compared with the database, the stream names where the timelines part.
    const events = await readStreamEvents(h.nc, stream);
    expect(await findFork(t.db, events, `stream ${stream}`)).toEqual({
      sequence: 61,
      reason: 'fork',
      detail: `stream ${stream} holds 40 events from 61 to 100 that the database's chain does not (it ends at 120): they belong to another timeline, e.g. events committed on a primary that failed before its standby received them (docs/audit.md#forks)`,
    });
    expect(await relay.status()).toMatchObject({ state: 'forked', fork, pending: 80 });
  });

  it('a fork while idle (the database is behind the stream): found by the periodic check, before any new event', async () => {
    const { t, stream, startRelay, target } = await h.setup();
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
    const { t, stream, startRelay, relayOpts, messages } = await h.setup();
    await commit(t.db, 5);
    const relay = startRelay();
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await relay.stop();

    const other = await createTestDatabase();
    h.cleanup.push(() => other.drop());
    await commit(other.db, 10);
    const intruder = createRelay({ ...relayOpts, db: other.db });
    intruder.start();
    h.cleanup.push(() => intruder.stop());
    await waitFor('the fork', () => intruder.stats().state === 'forked');
    expect(intruder.stats().fork?.sequence).toBe(10);
    expect(await messages()).toBe(10);
    expect(await readStreamEvents(h.nc, stream)).toEqual(await outboxEvents(t));
  });

  it('a message the relay did not write at the end of the stream stops it', async () => {
    const { t, subjectPrefix, startRelay, messages } = await h.setup();
    const relay = startRelay();
    await commit(t.db, 2);
    await waitFor('relay to drain', async () => (await pending(relay)) === 0);
    await jetstream(h.nc).publish(`${subjectPrefix}.decision.forged`, '{"hello":"world"}');
    await commit(t.db, 2);
    await waitFor('the halt', () => relay.stats().state === 'forked');
    expect(relay.stats().fork?.detail).toMatch(/the last message of stream .* \(#5\) is not an audit event/);
    expect(await messages()).toBe(5);
  });
});
