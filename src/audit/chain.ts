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
 * top-level member once and joins them in order around the places of the chain members, and
 * `sealPrepared` only concatenates `sequence` and `prevhash` in and hashes. The text it returns is the canonical JSON of the sealed event, stored and
 * published byte for byte, so the relay never re-serializes.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, UnsealedEvent } from './events.js';
import { eventSubject } from './events.js';
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

/**
 * What the chain writer needs of an event to seal and store it: its id, its outbox subject, and
 * its canonical form but for the three chain members: the other top-level members' canonical
 * texts, sorted and joined, in the runs that fall before `hash`, between `hash` and `prevhash`,
 * between `prevhash` and `sequence`, and after `sequence` (RFC 8785 order), so that sealing only
 * concatenates and hashes. Plain strings, so that a worker can hand it to the cluster's one
 * writer (cluster-writer.ts) as it is.
 */
export interface SealableEvent {
  id: string;
  subject: string;
  runs: [string, string, string, string];
}

/** A sealable event with the event it was prepared from. */
export interface PreparedEvent extends SealableEvent {
  event: UnsealedEvent;
}

const CHAIN_MEMBERS = new Set(['sequence', 'prevhash', 'hash']);

/** Prepares `event` for sealing. */
export function prepare(event: UnsealedEvent): PreparedEvent {
  return prepareWithTexts(event, {});
}

/**
 * Prepares `event` for sealing. `texts` gives the canonical JSON of some members already
 * produced (build-events.ts makes `data`'s while masking it); the others are canonicalized here.
 */
export function prepareWithTexts(
  event: UnsealedEvent,
  texts: Readonly<Record<string, string>>,
): PreparedEvent {
  const members: string[] = [];
  for (const k of Object.keys(event)) {
    const v = (event as Record<string, unknown>)[k];
    if (v === undefined) continue;
    if (CHAIN_MEMBERS.has(k)) throw new Error(`an unsealed event has no ${k}`);
    members.push(k);
  }
  // Top-level names are ASCII, so the default sort is RFC 8785's UTF-16 order.
  members.sort();
  const runs: [string[], string[], string[], string[]] = [[], [], [], []];
  for (const k of members) {
    const run = k < 'hash' ? 0 : k < 'prevhash' ? 1 : k < 'sequence' ? 2 : 3;
    const text = texts[k] ?? canonicalize((event as Record<string, unknown>)[k]);
    runs[run].push(JSON.stringify(k) + ':' + text);
  }
  return {
    event,
    id: event.id,
    subject: eventSubject(event),
    runs: [runs[0].join(','), runs[1].join(','), runs[2].join(','), runs[3].join(',')],
  };
}

function join(parts: string[]): string {
  let out = '{';
  for (const p of parts) if (p !== '') out += out.length === 1 ? p : ',' + p;
  return out + '}';
}

export interface SealedEvent {
  event: AuditEvent;
  /** Canonical JSON of the sealed event (with `hash`). */
  text: string;
}

/** A sealed event as the outbox stores it: its chain members and its canonical text. */
export interface SealedText {
  sequence: string;
  prevhash: string;
  hash: string;
  /** Canonical JSON of the sealed event (with `hash`). */
  text: string;
}

/** Places a sealable event in the chain after the event whose hash is `prevhash`. */
export function sealText(p: SealableEvent, sequence: number, prevhash: string): SealedText {
  const seq = formatSequence(sequence);
  const [a, b, c, d] = p.runs;
  const prev = `"prevhash":"${prevhash}"`;
  const sq = `"sequence":"${seq}"`;
  const hash = createHash('sha256')
    .update(prevhash)
    .update(join([a, b, prev, c, sq, d]))
    .digest('hex');
  return { sequence: seq, prevhash, hash, text: join([a, `"hash":"${hash}"`, b, prev, c, sq, d]) };
}

/** Places a prepared event in the chain after the event whose hash is `prevhash`. */
export function sealPrepared(p: PreparedEvent, sequence: number, prevhash: string): SealedEvent {
  const s = sealText(p, sequence, prevhash);
  const event = { ...p.event, sequence: s.sequence, prevhash, hash: s.hash } as AuditEvent;
  return { event, text: s.text };
}

/** Places an event in the chain after the event whose hash is `prevhash`. */
export function seal(event: UnsealedEvent, sequence: number, prevhash: string): AuditEvent {
  return sealPrepared(prepare(event), sequence, prevhash).event;
}
