/**
 * Publishes audit events to JetStream. Only acknowledged JetStream publishes count: the NATS client
 * silently drops core publishes made while it is disconnected, whereas a JetStream publish is a
 * request that either gets the stream's ack or fails (timeout, no responders), and a failure leaves
 * the rows unpublished in the outbox. Every event carries `Nats-Msg-Id` = its id, so a re-send
 * after a lost ack (or a relay killed between publish and mark) is dropped by the stream.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from '../log.js';
import type { Sink } from './sink.js';
import type { AuditStreamOptions } from './stream.js';
import { AUDIT_STREAM, DEFAULT_SUBJECT_PREFIX, ensureAuditStream } from './stream.js';

export interface JetStreamSinkOptions extends AuditStreamOptions {
  servers: string;
  /** How long to wait for each ack, in milliseconds (default 5000). */
  publishTimeoutMs?: number;
  log: Logger;
}

export function createJetStreamSink(opts: JetStreamSinkOptions): Sink {
  const stream = opts.name ?? AUDIT_STREAM;
  const prefix = opts.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  const timeout = opts.publishTimeoutMs ?? 5_000;
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let streamReady = false;

  const ready = async (): Promise<JetStreamClient> => {
    if (!nc || nc.isClosed()) {
      // Reconnects forever once connected; a failed first connect throws and the relay backs off.
      nc = await connect({
        servers: opts.servers.split(','),
        name: 'mandate-audit-relay',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
      js = jetstream(nc);
      streamReady = false;
      opts.log.info('audit relay: connected to NATS', { server: nc.getServer() });
    }
    if (!streamReady) {
      await ensureAuditStream(await jetstreamManager(nc), opts);
      streamReady = true;
    }
    return js!;
  };

  return {
    kind: 'jetstream',
    async publish(rows) {
      const client = await ready();
      // Sent back to back on one connection, so the stream stores them in this (sequence) order.
      const results = await Promise.allSettled(
        rows.map((r) =>
          client.publish(`${prefix}.${r.subject}`, r.body, {
            msgID: r.id,
            timeout,
            expect: { streamName: stream },
          }),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        // The stream may have been deleted or its config may be missing: check again next time.
        streamReady = false;
        throw failed.reason;
      }
      return { duplicates: results.filter((r) => r.status === 'fulfilled' && r.value.duplicate).length };
    },
    async close() {
      const c = nc;
      nc = undefined;
      if (c && !c.isClosed()) await c.drain().catch(() => c.close());
    },
  };
}
