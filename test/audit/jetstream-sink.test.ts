/**
 * The JetStream sink against the shared NATS (a unique stream per test): it creates the stream,
 * appends only where the stream ends (Nats-Expected-Last-Sequence / -Msg-Id), names a foreign
 * tail, and refuses a batch that a repeat id would misplace.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import type { AuditEvent } from '../../src/audit/events.js';
import { createJetStreamSink } from '../../src/audit/jetstream-sink.js';
import { ForeignTailError, SinkConflictError, relayRow } from '../../src/audit/sink.js';
import { readStreamEvents } from '../../src/audit/verify-stream.js';
import { createLogger } from '../../src/log.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
let nc: NatsConnection;
const streams: string[] = [];
beforeAll(async () => {
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  const jsm = await jetstreamManager(nc);
  for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
  await nc.close();
});

function chain(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = seal(
      tokenEvent({ kind: 'revoked', action: 'revocation', client_id: 'c', jti: `j${i}` }, 'https://m'),
      i,
      prev,
    );
    out.push(e);
    prev = e.hash;
  }
  return out;
}

function sink() {
  const tag = randomBytes(4).toString('hex');
  const name = `JS_${tag}`;
  streams.push(name);
  const prefix = `js${tag}`;
  return {
    name,
    prefix,
    sink: createJetStreamSink({ servers: NATS_URL, name, subjectPrefix: prefix, log: createLogger('error') }),
  };
}

describe('JetStream sink', () => {
  it('creates the stream on open and appends rows in order, each under its subject', async () => {
    const { name, prefix, sink: s } = sink();
    try {
      expect(s).toMatchObject({ kind: 'jetstream', target: `stream:${name}` });
      await s.open();
      expect(await s.tail()).toEqual({ position: 0, last: undefined });
      const events = chain(5);
      const rows = events.map(relayRow);
      expect(await s.append(rows.slice(0, 3), 0)).toBe(3);
      expect(await s.append(rows.slice(3), 3)).toBe(5);
      expect(await s.tail()).toEqual({ position: 5, last: { sequence: 5, hash: events[4]!.hash } });
      expect(await readStreamEvents(nc, name)).toEqual(events);
      const msg = await (await jetstreamManager(nc)).streams.getMessage(name, { seq: 1 });
      expect(msg?.subject).toBe(`${prefix}.token.revoked`);
      expect(msg?.header?.get('Nats-Msg-Id')).toBe(events[0]!.id);
    } finally {
      await s.close();
    }
  });

  it('refuses to append where the stream does not end (another writer)', async () => {
    const { name, prefix, sink: s } = sink();
    try {
      const rows = chain(3).map(relayRow);
      await s.append(rows.slice(0, 1), 0);
      await jetstream(nc).publish(`${prefix}.token.revoked`, '{"hello":1}');
      await expect(s.append(rows.slice(1), 1)).rejects.toBeInstanceOf(SinkConflictError);
      expect((await (await jetstreamManager(nc)).streams.info(name)).state.messages).toBe(2);
      // Its last message is not an audit event: named as such.
      await expect(s.tail()).rejects.toThrow(
        new ForeignTailError(
          `the last message of stream ${name} (#2) is not an audit event (no sequence and hash)`,
        ),
      );
    } finally {
      await s.close();
    }
  });

  it('a repeat of an event the stream holds is a conflict, not a silent success', async () => {
    const { name, sink: s } = sink();
    try {
      const rows = chain(2).map(relayRow);
      await s.append(rows, 0);
      // The relay lost track and sends event 2 again as if the stream ended at 1: refused.
      await expect(s.append(rows.slice(1), 1)).rejects.toBeInstanceOf(SinkConflictError);
      expect((await (await jetstreamManager(nc)).streams.info(name)).state.messages).toBe(2);
    } finally {
      await s.close();
    }
  });
});
