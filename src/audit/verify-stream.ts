/**
 * `mandate audit verify --stream`: reads every message of the audit stream with an ordered
 * consumer (nothing is acked or left behind on the server) and checks the chain. Several relays
 * may interleave batches, so events are checked in `sequence` order, not arrival order. The
 * stream may have aged out its oldest events (max age): the chain is checked from the first one kept.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { VerifyReport } from './verify.js';
import { verifyEvents } from './verify.js';

export async function readStreamEvents(nc: NatsConnection, stream: string): Promise<unknown[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const lastSeq = info.state.last_seq;
  const events: unknown[] = [];
  if (info.state.messages === 0) return events;
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume();
  for await (const m of messages) {
    const text = new TextDecoder().decode(m.data);
    try {
      events.push(JSON.parse(text));
    } catch {
      events.push({ unparseable: text.slice(0, 80), stream_seq: m.seq });
    }
    if (m.seq >= lastSeq || m.info.pending === 0) break;
  }
  messages.stop();
  return events;
}

export async function verifyStream(nc: NatsConnection, stream: string): Promise<VerifyReport> {
  return verifyEvents(await readStreamEvents(nc, stream), 'stream');
}
