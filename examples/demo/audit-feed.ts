/**
 * The audit events as they arrive: from the service's JetStream stream (MANDATE_AUDIT_STREAM,
 * default AUTHZ_AUDIT; an ordered consumer starting now) when Mandate relays to NATS, else from
 * the JSON-lines file the relay writes.
 */
import { open } from 'node:fs/promises';
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuditStreamConfig } from '../../src/config/index.js';
import { ensureAuditStream } from '../../src/audit/stream.js';

export interface AuditEvent {
  id: string;
  type: string;
  subject?: string;
  data: {
    kind?: string;
    action?: string;
    jti?: string;
    aud?: string | string[];
    scope?: string;
    client_id?: string;
    sub?: string;
    token_type?: string;
    reason?: string;
    error?: string;
    /** A connector's token event (docs/connectors.md "What the audit shows"). */
    downstream?: { service: string; kind: string; subject?: string; cached?: boolean; error?: string };
    input?: {
      action?: string;
      subject?: { sub?: string };
      scopes?: string[];
      target?: Record<string, string>;
      actor?: { client_id?: string };
      /** `tool_call` decisions: the tool (and its arguments, masked where policy says). */
      context?: { tool?: string };
    };
    enforced?: {
      allow: boolean;
      scopes: string[];
      reasons: unknown[];
      obligations?: Record<string, unknown>;
    };
    /** Approval events (ADR 0014): the approval page's id, and the decision it resumes. */
    approval_id?: string;
    decision_id?: string;
  };
}

export interface AuditFeed {
  readonly source: string;
  /** Every event received so far. */
  readonly all: AuditEvent[];
  /** Waits for new events and then `quietMs` without any (at most `maxMs`); returns the new ones. */
  settle(quietMs?: number, maxMs?: number): Promise<AuditEvent[]>;
  /** Waits until an event received matches (at most `maxMs`); whether one did. */
  waitFor(match: (e: AuditEvent) => boolean, maxMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

function feed(source: string, stop: () => Promise<void>): AuditFeed & { push(e: AuditEvent): void } {
  const all: AuditEvent[] = [];
  let seen = 0;
  let last = Date.now();
  return {
    source,
    all,
    push(e) {
      all.push(e);
      last = Date.now();
    },
    async settle(quietMs = 300, maxMs = 4000) {
      // The relay publishes shortly after the commit: wait for the first new event, then for quiet.
      const start = Date.now();
      const waiting = () => all.length === seen || Date.now() - last < quietMs;
      while (waiting() && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 50));
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh;
    },
    async waitFor(match, maxMs = 4000) {
      const start = Date.now();
      while (!all.some(match)) {
        if (Date.now() - start > maxMs) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    close: stop,
  };
}

/** Follows the JSON-lines file from its start (the demo's data folder is new). */
export function fileFeed(path: string): AuditFeed {
  let offset = 0;
  let partial = '';
  let stopped = false;
  const f = feed(`file ${path}`, async () => {
    stopped = true;
    await loop;
  });
  const poll = async () => {
    const fh = await open(path, 'r').catch(() => undefined);
    if (fh === undefined) return;
    try {
      const { size } = await fh.stat();
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      const lines = (partial + buf.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') f.push(JSON.parse(line) as AuditEvent);
    } finally {
      await fh.close();
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((r) => setTimeout(r, 100));
    }
    await poll();
  })();
  return f;
}

/** An ordered consumer on the service's stream delivering what is published from now on. */
export async function natsFeed(nc: NatsConnection, stream: AuditStreamConfig): Promise<AuditFeed> {
  // The same settings as the service's relay, which may not have created the stream yet.
  await ensureAuditStream(await jetstreamManager(nc), stream);
  const consumer = await jetstream(nc).consumers.get(stream.name, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date().toISOString(),
  });
  const messages: ConsumerMessages = await consumer.consume();
  const f = feed(`JetStream stream ${stream.name}`, async () => {
    await messages.close();
    await loop;
  });
  const loop = (async () => {
    for await (const m of messages) f.push(m.json<AuditEvent>());
  })();
  return f;
}
