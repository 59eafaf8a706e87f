/**
 * The hash chain (design.md "Audit and decision stream"): every event carries its position
 * (`sequence`), the previous event's hash (`prevhash`) and its own `hash`:
 *
 *   hash = hex(SHA-256(utf8(prevhash) || utf8(canonicalize(event without `hash`))))
 *
 * Changing, removing or reordering any event breaks every link after it, so verify.ts can name
 * the first altered one.
 *
 * Sealing happens while the chain head is locked, which every writer of every instance waits for,
 * so the expensive part (canonical JSON of `data`) is done before: `prepare` canonicalizes each
 * top-level member once, and `sealPrepared` only adds `sequence` and `prevhash`, sorts ten member
 * names and hashes. The text it returns is the canonical JSON of the sealed event, stored and
 * published byte for byte, so the relay never re-serializes.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, UnsealedEvent } from './events.js';
import { canonicalize } from './json-canonicalization.js';

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

/** An unsealed event with each top-level member already in canonical form. */
export interface PreparedEvent {
  event: UnsealedEvent;
  members: Map<string, string>;
}

export function prepare(event: UnsealedEvent): PreparedEvent {
  const members = new Map<string, string>();
  for (const [k, v] of Object.entries(event)) {
    if (v !== undefined) members.set(k, JSON.stringify(k) + ':' + canonicalize(v));
  }
  return { event, members };
}

function join(members: Map<string, string>): string {
  // Top-level names are ASCII, so the default sort is RFC 8785's UTF-16 order.
  return (
    '{' +
    [...members.keys()]
      .sort()
      .map((k) => members.get(k))
      .join(',') +
    '}'
  );
}

export interface SealedEvent {
  event: AuditEvent;
  /** Canonical JSON of the sealed event (with `hash`). */
  text: string;
}

/** Places a prepared event in the chain after the event whose hash is `prevhash`. */
export function sealPrepared(p: PreparedEvent, sequence: number, prevhash: string): SealedEvent {
  const seq = formatSequence(sequence);
  const members = new Map(p.members);
  members.set('sequence', `"sequence":"${seq}"`);
  members.set('prevhash', `"prevhash":"${prevhash}"`);
  const hash = createHash('sha256').update(prevhash).update(join(members)).digest('hex');
  members.set('hash', `"hash":"${hash}"`);
  const event = { ...p.event, sequence: seq, prevhash, hash } as AuditEvent;
  return { event, text: join(members) };
}

/** Places an event in the chain after the event whose hash is `prevhash`. */
export function seal(event: UnsealedEvent, sequence: number, prevhash: string): AuditEvent {
  return sealPrepared(prepare(event), sequence, prevhash).event;
}
