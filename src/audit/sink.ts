/**
 * Where the relay delivers outbox rows. A sink resolves only once every row it was given is durably
 * accepted (a JetStream ack, or bytes synced to the file), so the relay can mark rows published
 * after it and never before.
 */
import type { AuditEvent } from './events.js';

export interface RelayRow {
  sequence: number;
  id: string;
  event: AuditEvent;
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
