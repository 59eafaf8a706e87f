/**
 * `mandate audit tail`: follows the audit stream as a durable pull consumer. Every message is
 * acked once printed (and the ack confirmed), so a restarted tail resumes after the last message
 * it printed: the consumer's position lives in JetStream, not in this process.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { nanos } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import type { AuditEvent } from './events.js';
import { DECISION_EVENT_TYPE } from './events.js';
import { toOcsf } from './ocsf.js';
import { partiesOf } from './ocsf-base.js';
import { AUDIT_STREAM } from './stream.js';

export type TailFormat = 'text' | 'json' | 'ocsf';

export interface TailOptions {
  nc: NatsConnection;
  stream?: string;
  durable: string;
  /** Subject filter, e.g. `authz.decision.>`; kept from the consumer's last run when omitted. */
  subject?: string;
  format: TailFormat;
  write(line: string): void;
  signal?: AbortSignal;
  /** Stop after this many messages. */
  max?: number;
  /** Stop after this long without a message, in milliseconds (default: follow forever). */
  idleMs?: number;
}

/** Ensures the durable consumer exists with the requested filter. */
async function ensureConsumer(
  nc: NatsConnection,
  stream: string,
  durable: string,
  subject?: string,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    const info = await jsm.consumers.info(stream, durable);
    if (subject !== undefined && info.config.filter_subject !== subject) {
      await jsm.consumers.update(stream, durable, { filter_subject: subject });
    }
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.ConsumerNotFound) throw err;
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      ...(subject !== undefined ? { filter_subject: subject } : {}),
    });
  }
}

export function formatEvent(e: AuditEvent, format: TailFormat): string {
  if (format === 'json') return JSON.stringify(e);
  if (format === 'ocsf') return JSON.stringify(toOcsf(e));
  const seq = `#${Number(e.sequence)}`;
  if (e.type === DECISION_EVENT_TYPE) {
    const d = e.data;
    const target = d.input.target.audience ?? d.input.target.resource ?? '-';
    const verdict = d.enforced.allow ? 'ALLOW' : 'DENY';
    const why = d.enforced.reasons.map((r) => (typeof r === 'string' ? r : r.code)).join(',');
    return `${e.time} ${seq} decision ${d.input.action} ${verdict} ${d.input.subject.sub} via ${d.input.client.client_id}${agentText(e)} -> ${target} scopes=${d.enforced.scopes.join(' ') || '-'}${why ? ` reasons=${why}` : ''} decision_id=${d.decision_id}`;
  }
  const d = e.data;
  const aud = Array.isArray(d.aud) ? d.aud.join(',') : (d.aud ?? '-');
  const extra =
    d.kind === 'refused' ? ` error=${d.error ?? '-'} reason=${d.reason ?? '-'}` : ` jti=${d.jti ?? '-'}`;
  return `${e.time} ${seq} token.${d.kind} ${d.sub ?? '-'} via ${d.client_id ?? `unauthenticated(${d.claimed_client_id ?? '-'})`}${agentText(e)} -> ${aud} scope=${d.scope ?? '-'}${extra}`;
}

/** ` agent=<act chain>` (current actor first) when an agent acts for the user, else nothing. */
function agentText(e: AuditEvent): string {
  const agent = partiesOf(e).agent;
  return agent === undefined ? '' : ` agent=${agent.act_chain.join(',')}`;
}

/** Prints messages until aborted, `max` is reached or the stream stays idle; returns how many. */
export async function tail(opts: TailOptions): Promise<number> {
  const stream = opts.stream ?? AUDIT_STREAM;
  await ensureConsumer(opts.nc, stream, opts.durable, opts.subject);
  const consumer = await jetstream(opts.nc).consumers.get(stream, opts.durable);
  const decoder = new TextDecoder();
  let count = 0;
  let lastMessage = Date.now();
  while (!opts.signal?.aborted) {
    const want = opts.max === undefined ? 100 : Math.min(100, opts.max - count);
    if (want <= 0) break;
    const batch = await consumer.fetch({ max_messages: want, expires: 1_000 });
    let got = 0;
    for await (const m of batch) {
      got++;
      const text = decoder.decode(m.data);
      let line: string;
      try {
        line = formatEvent(JSON.parse(text) as AuditEvent, opts.format);
      } catch {
        line = `unreadable message ${m.subject} #${m.seq}: ${text.slice(0, 80)}`;
      }
      opts.write(line);
      // Confirmed ack: once printed, a restart must not print it again.
      await m.ackAck();
      count++;
    }
    if (got > 0) lastMessage = Date.now();
    else if (opts.idleMs !== undefined && Date.now() - lastMessage >= opts.idleMs) break;
  }
  return count;
}
