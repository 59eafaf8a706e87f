/**
 * Where the relay delivers outbox rows: a JetStream stream, or a JSON-lines file when no NATS is
 * configured. A destination is append-only and the relay appends to it only where it expects it
 * to end (`position`), so that nothing is ever added after something the relay did not write or
 * did not check (docs/audit.md, Relay: forks). A sink resolves only once every row is durably
 * accepted (a JetStream ack, or bytes synced to the file).
 */
import type { AuditEvent } from './events.js';
import { eventSubject } from './events.js';
import { canonicalize } from './json-canonicalization.js';

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

/** What a destination holds last. */
export interface SinkTail {
  /** Where it ends: the stream's last sequence, or the file's size in bytes (0 when empty). */
  position: number;
  /** Its last event, when it still holds one (a stream may have aged everything out). */
  last: { sequence: number; hash: string } | undefined;
}

/** The destination does not end where the relay expected: something else was appended. */
export class SinkConflictError extends Error {
  override name = 'SinkConflictError';
}

/** The destination's last entry is not an audit event, so nothing can be checked against it. */
export class ForeignTailError extends Error {
  override name = 'ForeignTailError';
}

/** Reads `{ sequence, hash }` from a stored event's text; throws ForeignTailError otherwise. */
export function tailEvent(text: string, where: string): { sequence: number; hash: string } {
  let e: { sequence?: unknown; hash?: unknown } | null;
  try {
    e = JSON.parse(text) as { sequence?: unknown; hash?: unknown } | null;
  } catch {
    throw new ForeignTailError(`${where} is not JSON`);
  }
  const seq = typeof e?.sequence === 'string' && /^[0-9]{1,16}$/.test(e.sequence) ? Number(e.sequence) : NaN;
  if (!(seq > 0) || typeof e?.hash !== 'string' || !/^[0-9a-f]{64}$/.test(e.hash))
    throw new ForeignTailError(`${where} is not an audit event (no sequence and hash)`);
  return { sequence: seq, hash: e.hash };
}

export interface Sink {
  readonly kind: 'jetstream' | 'file';
  /** Names the destination in the relay's state (`stream:<name>`, `file:<path>`). */
  readonly target: string;
  /** Connects and makes the destination exist (creates the stream), so consumers can attach. */
  open(): Promise<void>;
  tail(): Promise<SinkTail>;
  /**
   * Appends rows, in order, provided the destination still ends at `position`; resolves with where
   * it ends after them. Throws SinkConflictError when it does not end there (or no longer did
   * part-way: the rows before may have been appended).
   */
  append(rows: RelayRow[], position: number): Promise<number>;
  close(): Promise<void>;
}
