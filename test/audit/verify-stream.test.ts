/**
 * The stream reader of `mandate audit verify --stream` against the shared NATS: it reads the
 * stream as it stood when the read started, and fails, naming how far it got, rather than return
 * a prefix when fewer messages arrive than the stream held.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  readSnapshot,
  readStreamEvents,
  streamSnapshot,
  verifyStream,
} from '../../src/audit/verify-stream.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { tokenEvent } from '../../src/audit/build-events.js';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import type { AuditEvent } from '../../src/audit/events.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let nc: NatsConnection;
const streams: string[] = [];

beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
});
afterEach(async () => {
  const jsm = await jetstreamManager(nc);
  for (const s of streams.splice(0)) await jsm.streams.delete(s).catch(() => undefined);
});
afterAll(async () => {
  await nc.close();
});

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = seal(
      tokenEvent(
        { kind: 'revoked', action: 'revocation', client_id: 'c', jti: `j${i}` },
        'https://m.example',
      ),
      i,
      prev,
    );
    out.push(e);
    prev = e.hash;
  }
  return out;
}

/** A plain (deletable, unlike the audit stream) test stream holding `bodies`. */
async function streamOf(bodies: string[]): Promise<{ name: string; subject: string }> {
  const name = `VS_${randomBytes(5).toString('hex')}`;
  streams.push(name);
  await (await jetstreamManager(nc)).streams.add({ name, subjects: [`${name}.>`] });
  const js = jetstream(nc);
  for (const b of bodies) await js.publish(`${name}.e`, b);
  return { name, subject: `${name}.e` };
}

describe('readStreamEvents', () => {
  it('returns every event in stream order, and an empty stream as none', async () => {
    const events = chain(25);
    const { name } = await streamOf(events.map((e) => canonicalize(e)));
    expect(await readStreamEvents(nc, name)).toEqual(events);
    expect(await verifyStream(nc, name)).toMatchObject({ ok: true, checked: 25, first: 1, last: 25 });
    const empty = await streamOf([]);
    expect(await readStreamEvents(nc, empty.name, { timeoutMs: 500 })).toEqual([]);
  });

  it('keeps a message that is not JSON as a marker naming its stream sequence', async () => {
    const { name } = await streamOf(['{"a":1}', 'not json at all', '[2]']);
    expect(await readStreamEvents(nc, name)).toEqual([
      { a: 1 },
      { unparseable: 'not json at all', stream_seq: 2 },
      [2],
    ]);
  });

  it('reads the stream as it stood at the start: later messages are not included', async () => {
    const { name, subject } = await streamOf(['1', '2', '3']);
    const snapshot = await streamSnapshot(nc, name);
    expect(snapshot).toEqual({ stream: name, messages: 3, lastSeq: 3 });
    await jetstream(nc).publish(subject, '4');
    expect(await readSnapshot(nc, snapshot)).toEqual([1, 2, 3]);
    expect(await readStreamEvents(nc, name)).toEqual([1, 2, 3, 4]);
  });

  it('ends once it has every message held, even when the last sequence is gone', async () => {
    const { name } = await streamOf(['1', '2', '3', '4', '5']);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.deleteMessage(name, 5);
    await jsm.streams.deleteMessage(name, 2);
    // The stream keeps last_seq 5 but holds 3 messages: all 3 arriving completes the read.
    expect(await streamSnapshot(nc, name)).toEqual({ stream: name, messages: 3, lastSeq: 5 });
    expect(await readStreamEvents(nc, name, { timeoutMs: 5_000 })).toEqual([1, 3, 4]);
  });

  it('fails, naming how many of how many it read, when fewer messages arrive than the stream held', async () => {
    const { name } = await streamOf(['1', '2', '3', '4', '5']);
    const snapshot = await streamSnapshot(nc, name);
    // Messages the stream held at the start never arrive (here deleted; after a leader change,
    // a consumer whose pending count read 0 early): the old reader returned [1, 3, 4] as a pass.
    const jsm = await jetstreamManager(nc);
    await jsm.streams.deleteMessage(name, 5);
    await jsm.streams.deleteMessage(name, 2);
    const started = Date.now();
    await expect(readSnapshot(nc, snapshot, { timeoutMs: 1_500 })).rejects.toThrow(
      `audit stream ${name}: read 3 of 5 events (through sequence 4 of 5) before the 1500 ms timeout; ` +
        'the stream was not read to its end',
    );
    // Bounded: it gives up at the timeout, not later.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('names a stream that does not exist', async () => {
    await expect(readStreamEvents(nc, `VS_missing_${randomBytes(4).toString('hex')}`)).rejects.toThrow(
      /stream not found/,
    );
  });
});
