/**
 * `mandate audit verify`: checks the hash chain (chain.ts) and names the first broken link, by
 * sequence and why. Works on the Postgres outbox, on a JetStream stream and on the JSON-lines file.
 * Hashes are recomputed from the stored JSON as it is, never from a schema-parsed copy, so a member
 * added to an event is caught as well as a member changed.
 */
import type { Db } from '../store/db.js';
import { auditEventSchema } from './events.js';
import { GENESIS_HASH, computeHash, parseSequence } from './chain.js';
import type { AuditEvent } from './events.js';

export type BreakReason =
  | 'invalid_event'
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'gap'
  | 'duplicate_conflict'
  | 'row_mismatch'
  | 'head_mismatch'
  | 'fork';

export interface ChainBreak {
  sequence: number;
  reason: BreakReason;
  detail: string;
}

export interface VerifyReport {
  source: 'postgres' | 'stream' | 'file';
  ok: boolean;
  /** Events checked (repeats included). */
  checked: number;
  first?: number;
  last?: number;
  /** Identical repeats of an event (a re-sent JSON line); not a break. */
  duplicates: number;
  broken?: ChainBreak;
}

/** Feeds events in ascending sequence order; stops at the first break. */
export class ChainChecker {
  private prev: { sequence: number; hash: string } | undefined;
  private report: VerifyReport;

  constructor(source: VerifyReport['source']) {
    this.report = { source, ok: true, checked: 0, duplicates: 0 };
  }

  /** Checks one event; returns the break, if this event is one. */
  check(raw: unknown): ChainBreak | undefined {
    if (this.report.broken) return this.report.broken;
    this.report.checked++;
    const parsed = auditEventSchema.safeParse(raw);
    if (!parsed.success) {
      const seq = sequenceOf(raw) ?? (this.prev ? this.prev.sequence + 1 : 0);
      const issue = parsed.error.issues[0];
      return this.fail(
        seq,
        'invalid_event',
        `not an audit event: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
      );
    }
    const event = raw as AuditEvent;
    const seq = parseSequence(event.sequence);
    const prev = this.prev;
    if (prev && seq === prev.sequence) {
      if (event.hash === prev.hash && computeHash(event) === event.hash) {
        this.report.duplicates++;
        return undefined;
      }
      return this.fail(seq, 'duplicate_conflict', `two different events claim sequence ${seq}`);
    }
    if (prev && seq !== prev.sequence + 1) {
      return this.fail(
        seq,
        'gap',
        `expected sequence ${prev.sequence + 1}, found ${seq}: events are missing`,
      );
    }
    if (prev && event.prevhash !== prev.hash) {
      return this.fail(seq, 'prev_hash_mismatch', `prevhash is not the hash of event ${prev.sequence}`);
    }
    if (!prev && seq === 1 && event.prevhash !== GENESIS_HASH) {
      return this.fail(seq, 'prev_hash_mismatch', 'the first event does not start from the genesis hash');
    }
    const computed = computeHash(event);
    if (computed !== event.hash) {
      return this.fail(
        seq,
        'hash_mismatch',
        `content does not match its hash (computed ${computed.slice(0, 16)}…)`,
      );
    }
    this.report.first ??= seq;
    this.report.last = seq;
    this.prev = { sequence: seq, hash: event.hash };
    return undefined;
  }

  /** Reports a break found outside the events themselves (a row column, the chain head). */
  fail(sequence: number, reason: BreakReason, detail: string): ChainBreak {
    const broken = { sequence, reason, detail };
    this.report = { ...this.report, ok: false, broken };
    return broken;
  }

  last(): { sequence: number; hash: string } | undefined {
    return this.prev;
  }

  result(): VerifyReport {
    return { ...this.report };
  }
}

function sequenceOf(raw: unknown): number | undefined {
  const s = (raw as { sequence?: unknown } | null)?.sequence;
  return typeof s === 'string' && /^[0-9]+$/.test(s) ? parseSequence(s) : undefined;
}

/** Checks events from any source, sorting them by sequence first (several relays interleave). */
export function verifyEvents(events: unknown[], source: VerifyReport['source']): VerifyReport {
  const keyed = events.map((e, i) => ({ e, seq: sequenceOf(e) ?? -1, i }));
  keyed.sort((a, b) => a.seq - b.seq || a.i - b.i);
  const checker = new ChainChecker(source);
  for (const { e } of keyed) if (checker.check(e)) break;
  return checker.result();
}

interface OutboxRow {
  sequence: number;
  body: string;
  prev_hash: string;
  hash: string;
}

/**
 * Checks the outbox page by page, each row's columns against its event, and the chain head against
 * the last row (so a deleted tail is caught too). A pruned prefix is accepted: the chain is checked
 * from the first row present.
 */
export async function verifyPostgres(db: Db, opts: { pageSize?: number } = {}): Promise<VerifyReport> {
  const pageSize = opts.pageSize ?? 1_000;
  const checker = new ChainChecker('postgres');
  let after = 0;
  for (;;) {
    const page = await db.query<OutboxRow>(
      'SELECT sequence, event::text AS body, prev_hash, hash FROM outbox WHERE sequence > $1 ORDER BY sequence LIMIT $2',
      [after, pageSize],
    );
    for (const row of page.rows) {
      const seq = Number(row.sequence);
      let raw: unknown;
      try {
        raw = JSON.parse(row.body);
      } catch {
        return bail(checker, seq, 'invalid_event', `row ${seq} is not JSON`);
      }
      const e = raw as Partial<AuditEvent> | null;
      if (e?.sequence !== undefined && parseSequence(e.sequence) !== seq) {
        return bail(checker, seq, 'row_mismatch', `row ${seq} holds the event of sequence ${e.sequence}`);
      }
      if (checker.check(raw)) return checker.result();
      if (row.hash !== e?.hash || row.prev_hash !== e?.prevhash) {
        return bail(
          checker,
          seq,
          'row_mismatch',
          `row ${seq}: hash columns differ from the event's attributes`,
        );
      }
      after = seq;
    }
    if (page.rows.length < pageSize) break;
  }
  const head = await db.query<{ sequence: number; hash: string }>(
    'SELECT sequence, hash FROM audit_chain_head WHERE id = 1',
  );
  const h = head.rows[0];
  const last = checker.last();
  if (h && (Number(h.sequence) !== (last?.sequence ?? 0) || (last !== undefined && h.hash !== last.hash))) {
    return bail(
      checker,
      (last?.sequence ?? 0) + 1,
      'head_mismatch',
      `chain head is at sequence ${h.sequence} but the outbox ends at ${last?.sequence ?? 0}: events were removed`,
    );
  }
  return checker.result();
}

function bail(checker: ChainChecker, sequence: number, reason: BreakReason, detail: string): VerifyReport {
  checker.fail(sequence, reason, detail);
  return checker.result();
}

/** Parses a JSON-lines file written by the relay (no NATS configured). */
export function parseJsonLines(text: string): unknown[] {
  const events: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      events.push({ unparseable: line.slice(0, 80) });
    }
  }
  return events;
}

/** Checks a JSON-lines file written by the relay (no NATS configured). */
export function verifyJsonLines(text: string): VerifyReport {
  return verifyEvents(parseJsonLines(text), 'file');
}

const FORK_PAGE = 1_000;

/**
 * Compares a destination's events with the database's chain: the first sequence at which the
 * destination holds an event the database does not (another hash, or beyond the database's
 * head) is where the two timelines part. A destination behind the database is not a fork.
 */
export async function findFork(db: Db, events: unknown[], where: string): Promise<ChainBreak | undefined> {
  const held = new Map<number, string[]>();
  for (const e of events) {
    const seq = sequenceOf(e);
    const hash = (e as { hash?: unknown } | null)?.hash;
    if (seq === undefined || typeof hash !== 'string') continue;
    const hashes = held.get(seq) ?? [];
    if (!hashes.includes(hash)) hashes.push(hash);
    held.set(seq, hashes);
  }
  const seqs = [...held.keys()].sort((a, b) => a - b);
  const foreign: number[] = [];
  for (let i = 0; i < seqs.length; i += FORK_PAGE) {
    const page = seqs.slice(i, i + FORK_PAGE);
    const res = await db.query<{ sequence: number; hash: string }>(
      'SELECT sequence, hash FROM outbox WHERE sequence = ANY($1::bigint[])',
      [page],
    );
    const ours = new Map(res.rows.map((r) => [Number(r.sequence), r.hash]));
    for (const seq of page) if (held.get(seq)!.some((h) => h !== ours.get(seq))) foreign.push(seq);
  }
  const at = foreign[0];
  if (at === undefined) return undefined;
  const head = await db.query<{ sequence: number }>('SELECT sequence FROM audit_chain_head WHERE id = 1');
  const end = Number(head.rows[0]?.sequence ?? 0);
  const range =
    foreign.length === 1 ? `event ${at}` : `${foreign.length} events from ${at} to ${foreign.at(-1)}`;
  return {
    sequence: at,
    reason: 'fork',
    detail:
      `${where} holds ${range} that the database's chain does not (it ends at ${end}): ` +
      `they belong to another timeline, e.g. events committed on a primary that failed before its standby received them (docs/audit.md#forks)`,
  };
}

/** The report of a destination, with a fork against the database taking precedence. */
export function withFork(report: VerifyReport, fork: ChainBreak | undefined): VerifyReport {
  if (fork === undefined) return report;
  if (report.broken !== undefined && report.broken.sequence < fork.sequence) return report;
  return { ...report, ok: false, broken: fork };
}
