/**
 * Publishes audit events to JetStream. Only acknowledged JetStream publishes count: the NATS client
 * silently drops core publishes made while it is disconnected, whereas a JetStream publish is a
 * request that either gets the stream's ack or fails (timeout, no responders), and a failure leaves
 * the rows in the outbox for the next attempt.
 *
 * Every publish carries an expectation (`Nats-Expected-Last-Sequence`, then
 * `Nats-Expected-Last-Msg-Id`): the stream stores an event only if its last message is the one the
 * relay checked (or appended just before), so nothing lands after an event of another timeline (a
 * failover that lost events) or of another writer. `Nats-Msg-Id` = event id also makes JetStream
 * drop a repeat within its duplicate window.
 *
 * A server that stops answering (frozen, partitioned) with its TCP connection still open is left
 * within seconds: the client pings every `pingIntervalMs` and drops the connection after
 * `maxPingsOut` unanswered pings, a publish waits `publishTimeoutMs` at most, and a timed-out
 * publish makes the relay check the connection at once and move to another server of the list.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from '../log.js';
import { natsAuthOptions, type NatsAuth } from './nats-auth.js';
import type { RelayRow, Sink, SinkTail } from './sink.js';
import { ForeignTailError, SinkConflictError, tailEvent } from './sink.js';
import type { AuditStreamOptions } from './stream.js';
import { AUDIT_STREAM, DEFAULT_SUBJECT_PREFIX, ensureAuditStream } from './stream.js';

/** How the relay's NATS client notices a dead server (docs/configuration.md, MANDATE_NATS_*). */
export interface NatsClientOptions {
  /** Deadline for opening a connection, handshake included (default 2000). */
  connectTimeoutMs?: number;
  /** Interval between the client's pings (default 2000). */
  pingIntervalMs?: number;
  /** Unanswered pings after which the connection is dropped (default 2). */
  maxPingsOut?: number;
  /** How long to wait for each ack (default 2000). */
  publishTimeoutMs?: number;
  /** Credentials (src/audit/nats-auth.ts); none when the server needs none. */
  auth?: NatsAuth | undefined;
}

export interface JetStreamSinkOptions extends AuditStreamOptions, NatsClientOptions {
  servers: string;
  log: Logger;
}

const RECONNECT_WAIT_MS = 250;
/** JSStreamWrongLastMsgIDErrF (nats-server errors.json). */
const WRONG_LAST_MSG_ID = 10070;
const FLUSH_CHECK_MS = 1_000;

/** What the sink's functions share: its settings and its connection, replaced when closed. */
interface JetStreamState {
  readonly opts: JetStreamSinkOptions;
  readonly stream: string;
  readonly prefix: string;
  readonly timeout: number;
  nc: NatsConnection | undefined;
  js: JetStreamClient | undefined;
  jsm: JetStreamManager | undefined;
  streamReady: boolean;
}

export function createJetStreamSink(opts: JetStreamSinkOptions): Sink {
  const s: JetStreamState = {
    opts,
    stream: opts.name ?? AUDIT_STREAM,
    prefix: opts.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX,
    timeout: opts.publishTimeoutMs ?? 2_000,
    nc: undefined,
    js: undefined,
    jsm: undefined,
    streamReady: false,
  };
  return {
    kind: 'jetstream',
    target: `stream:${s.stream}`,
    async open() {
      await ready(s);
    },
    tail: () => tail(s),
    append: (rows, position) => append(s, rows, position),
    async close() {
      const c = s.nc;
      s.nc = undefined;
      if (c && !c.isClosed()) await c.drain().catch(() => c.close());
    },
  };
}

/** A connection (opened when there is none) and the stream (made to exist once per connection). */
async function ready(s: JetStreamState): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
  if (!s.nc || s.nc.isClosed()) await connectNats(s);
  if (!s.streamReady) {
    await ensureAuditStream(s.jsm!, s.opts);
    s.streamReady = true;
  }
  return { js: s.js!, jsm: s.jsm! };
}

async function connectNats(s: JetStreamState): Promise<void> {
  const { opts, timeout } = s;
  // Reconnects forever once connected; a failed first connect throws and the relay backs off.
  const c = await connect({
    servers: opts.servers.split(','),
    name: 'mandate-audit-relay',
    timeout: opts.connectTimeoutMs ?? 2_000,
    pingInterval: opts.pingIntervalMs ?? 2_000,
    maxPingOut: opts.maxPingsOut ?? 2,
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    waitOnFirstConnect: false,
    ...natsAuthOptions(opts.auth),
  });
  s.nc = c;
  s.js = jetstream(c, { timeout });
  s.jsm = await jetstreamManager(c, { timeout });
  s.streamReady = false;
  opts.log.info('audit relay: connected to NATS', { server: c.getServer() });
  void logStatus(c, opts.log);
}

/** Logs the connection's losses and reconnects, until it closes. */
async function logStatus(c: NatsConnection, log: Logger): Promise<void> {
  for await (const st of c.status()) {
    if (st.type === 'disconnect') log.warn('audit relay: NATS connection lost', { server: st.server });
    else if (st.type === 'reconnect') log.info('audit relay: reconnected to NATS', { server: st.server });
  }
}

/** After a timeout: if the server does not answer a ping either, leave it for another one. */
async function checkConnection(s: JetStreamState): Promise<void> {
  const c = s.nc;
  if (!c || c.isClosed()) return;
  const alive = await Promise.race([
    c.flush().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), FLUSH_CHECK_MS).unref()),
  ]);
  if (!alive) {
    s.opts.log.warn('audit relay: NATS server does not answer; switching server', { server: c.getServer() });
    await c.reconnect().catch(() => undefined);
  }
}

async function failed(s: JetStreamState, err: unknown): Promise<never> {
  // The stream may have been deleted or changed: check it again next time.
  s.streamReady = false;
  if (err instanceof SinkConflictError) throw err;
  if (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === WRONG_LAST_MSG_ID)
  )
    throw new SinkConflictError(`stream ${s.stream}: ${err.message}`, { cause: err });
  if (!(err instanceof JetStreamApiError)) await checkConnection(s);
  throw err;
}

async function tail(s: JetStreamState): Promise<SinkTail> {
  const { stream } = s;
  const { jsm: m } = await ready(s);
  try {
    const info = await m.streams.info(stream);
    const position = info.state.last_seq;
    if (info.state.messages === 0 || position === 0) return { position, last: undefined };
    const msg = await m.streams.getMessage(stream, { seq: position });
    // Aged out between the two requests: the stream holds nothing to check against.
    if (msg === null) return { position, last: undefined };
    return {
      position,
      last: tailEvent(msg.string(), `the last message of stream ${stream} (#${position})`),
    };
  } catch (err) {
    if (err instanceof ForeignTailError) throw err;
    return failed(s, err);
  }
}

async function append(s: JetStreamState, rows: RelayRow[], position: number): Promise<number> {
  const { stream, timeout } = s;
  const { js: client } = await ready(s);
  // Sent back to back on one connection, so the stream stores them in this (sequence) order.
  // The first expects the stream to end at `position`, each next one to end with the event
  // before it (its Nats-Msg-Id): one that is not stored fails every later one. (An expected
  // sequence on each would not: after a foreign message, the next but one would fit again.)
  const results = await Promise.allSettled(
    rows.map((r, i) =>
      client.publish(`${s.prefix}.${r.subject}`, r.body, {
        msgID: r.id,
        timeout,
        expect:
          i === 0
            ? { streamName: stream, lastSequence: position }
            : { streamName: stream, lastMsgID: rows[i - 1]!.id },
      }),
    ),
  );
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected') return failed(s, r.reason);
    // A repeat of an id the stream holds is acked without being stored, so the stream does
    // not end where this batch assumed: the relay reads the tail again.
    if (r.value.duplicate || r.value.seq !== position + i + 1)
      return failed(
        s,
        new SinkConflictError(
          `stream ${stream}: event ${rows[i]!.sequence} is already stored at #${r.value.seq}`,
        ),
      );
  }
  return position + rows.length;
}
