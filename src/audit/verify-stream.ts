/**
 * `mandate audit verify --stream`: reads every message of the audit stream with an ordered
 * consumer (nothing is acked or left behind on the server) and checks the chain. Several relays
 * may interleave batches, so events are checked in `sequence` order, not arrival order. The
 * stream may have aged out its oldest events (max age): the chain is checked from the first one kept.
 *
 * The read ends at the stream's state when it starts (its last sequence and message count), not
 * when the consumer's pending count reads 0: after a leader change an ordered consumer can see a
 * pending of 0 well before the end (seen 185 of 238 events short), and a verifier that stopped
 * there would pass a prefix. A read that cannot reach that end within the timeout fails, naming
 * how far it got, rather than returning what it has.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { VerifyReport } from './verify.js';
import { verifyEvents } from './verify.js';

export const DEFAULT_STREAM_READ_TIMEOUT_MS = 60_000;

export interface StreamReadOptions {
  /** The whole read must finish within this (default 60 s). */
  timeoutMs?: number;
}

/** What the stream held when the read started: the read is complete once it has all of it. */
export interface StreamSnapshot {
  stream: string;
  /** Messages held (below `lastSeq` some may have aged out, or been deleted on a test stream). */
  messages: number;
  lastSeq: number;
}

export async function streamSnapshot(nc: NatsConnection, stream: string): Promise<StreamSnapshot> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return { stream, messages: info.state.messages, lastSeq: info.state.last_seq };
}

function parsed(data: Uint8Array, seq: number): unknown {
  const text = new TextDecoder().decode(data);
  try {
    return JSON.parse(text);
  } catch {
    return { unparseable: text.slice(0, 80), stream_seq: seq };
  }
}

/**
 * Reads the messages of `snapshot`: delivery is in sequence order, so it is complete when the
 * last sequence arrives, or when as many messages as the stream held have (none at or below the
 * last sequence can be added later). Messages published after the snapshot are not included.
 */
export async function readSnapshot(
  nc: NatsConnection,
  snapshot: StreamSnapshot,
  opts: StreamReadOptions = {},
): Promise<unknown[]> {
  const events: unknown[] = [];
  if (snapshot.messages === 0) return events;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_STREAM_READ_TIMEOUT_MS;
  const consumer = await jetstream(nc).consumers.get(snapshot.stream, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    messages.stop();
  }, timeoutMs);
  let seen = 0;
  try {
    for await (const m of messages) {
      if (m.seq > snapshot.lastSeq) break;
      events.push(parsed(m.data, m.seq));
      seen = m.seq;
      if (seen >= snapshot.lastSeq || events.length >= snapshot.messages) break;
    }
  } finally {
    clearTimeout(timer);
    messages.stop();
  }
  const complete = seen >= snapshot.lastSeq || events.length >= snapshot.messages;
  if (!complete)
    throw new Error(
      `audit stream ${snapshot.stream}: read ${events.length} of ${snapshot.messages} events ` +
        `(through sequence ${seen} of ${snapshot.lastSeq}) ` +
        (timedOut ? `before the ${timeoutMs} ms timeout` : 'before the consumer stopped') +
        '; the stream was not read to its end',
    );
  return events;
}

/** Every event the stream holds when the read starts; fails rather than return part of them. */
export async function readStreamEvents(
  nc: NatsConnection,
  stream: string,
  opts: StreamReadOptions = {},
): Promise<unknown[]> {
  return readSnapshot(nc, await streamSnapshot(nc, stream), opts);
}

export async function verifyStream(nc: NatsConnection, stream: string): Promise<VerifyReport> {
  return verifyEvents(await readStreamEvents(nc, stream), 'stream');
}
