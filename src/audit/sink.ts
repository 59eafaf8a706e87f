/**
 * Where the relay delivers outbox rows. A sink resolves only once every row it was given is durably
 * accepted (a JetStream ack, or bytes synced to the file), so the relay can mark rows published
 * after it and never before.
 */
import type { AuditEvent } from './events.js';
import { eventSubject } from './events.js';
import { canonicalize } from './canonical.js';

/** An outbox row as the relay hands it on: published byte for byte as stored. */
export interface RelayRow {
  sequence: number;
  id: string;
  /** Subject below the prefix, e.g. `decision.token_exchange`. */
  subject: string;
  /** Canonical JSON of the sealed event. */
  body: string;
}

/** The row an event is stored as (tests, and tools that re-publish a copy). */
export function relayRow(event: AuditEvent): RelayRow {
  return {
    sequence: Number(event.sequence),
    id: event.id,
    subject: eventSubject(event),
    body: canonicalize(event),
  };
}

export interface SinkResult {
  /** Rows the destination already had (JetStream dropped them by Nats-Msg-Id). */
  duplicates: number;
}

export interface Sink {
  readonly kind: 'jetstream' | 'file';
  publish(rows: RelayRow[]): Promise<SinkResult>;
  close(): Promise<void>;
}
