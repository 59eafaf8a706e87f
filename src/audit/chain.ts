/**
 * The hash chain (design.md "Audit and decision stream"): every event carries its position
 * (`sequence`), the previous event's hash (`prevhash`) and its own `hash`:
 *
 *   hash = hex(SHA-256(utf8(prevhash) || utf8(canonicalize(event without `hash`))))
 *
 * Changing, removing or reordering any event breaks every link after it, so verify.ts can name
 * the first altered one.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, UnsealedEvent } from './events.js';
import { canonicalize } from './canonical.js';

export const GENESIS_HASH = '0'.repeat(64);
const SEQUENCE_DIGITS = 16;

/** Zero-padded so that the string order is the numeric order (CloudEvents sequence extension). */
export function formatSequence(n: number): string {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`invalid audit sequence ${n}`);
  return String(n).padStart(SEQUENCE_DIGITS, '0');
}

export function parseSequence(s: string): number {
  return Number.parseInt(s, 10);
}

/** The hash an event must carry, computed from everything in it but `hash`. */
export function computeHash(event: Omit<AuditEvent, 'hash'> | AuditEvent): string {
  const { hash: _omit, ...rest } = event as AuditEvent;
  return createHash('sha256').update(rest.prevhash).update(canonicalize(rest)).digest('hex');
}

/** Places an event in the chain after the event whose hash is `prevhash`. */
export function seal(event: UnsealedEvent, sequence: number, prevhash: string): AuditEvent {
  const linked = { ...event, sequence: formatSequence(sequence), prevhash } as Omit<AuditEvent, 'hash'>;
  return { ...linked, hash: computeHash(linked) } as AuditEvent;
}
