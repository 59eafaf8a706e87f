/**
 * One chain writer per machine (issue 12 §1): with MANDATE_WORKERS > 1 the workers do not write
 * the chain themselves. Each worker's group commit hands its batch (issuance records and events
 * prepared, masked and canonicalized in the worker) to the primary over the cluster channel; the
 * primary's own group commit merges what the workers sent while its last statement ran and writes
 * it with the one chain writer of the machine (outbox-write.ts), then answers each worker.
 *
 * Why: the chain has one head. With a writer per worker, each remembers the head its last commit
 * left, so about half their commits found the other worker had moved it and were sealed and sent
 * again, and each batch held half as many exchanges (bench/README.md, 2026-12-03: 51 % of group
 * commits). One writer per machine leaves contention only between machines.
 *
 * What does not change: a worker answers its request only after the primary says its batch
 * committed (no token without its event); one statement is one transaction; the primary's writer
 * is the same chain writer, so the total order and the hash chain are exactly as before. Failures:
 *
 *   database unavailable (primary's pool)   the worker gets a DatabaseUnavailableError of the same
 *                                           kind: its requests answer 503 at once
 *   a batch refused (say a duplicate jti)   the worker gets the error and retries its entries one
 *                                           by one, so only the bad entry is refused
 *   the primary is gone (channel closed)    every waiting batch fails as unavailable (503); cluster
 *                                           workers exit when their primary does
 *   the primary does not answer in time     the batch fails as a timeout (503): it may still commit
 *                                           later, which leaves an event without a token, never a
 *                                           token without its event (as a lost COMMIT answer)
 */
import type { Logger } from '../log.js';
import { DatabaseUnavailableError, unavailableKind, type UnavailableKind } from '../store/errors.js';
import type { IssuedTokenRecord } from '../store/tokens.js';
import type { SealableEvent } from './chain.js';
import type { BatchWriter, CommitShare, GroupCommit } from './group-commit.js';

const WRITE = 'mandate:audit:write';
const WRITTEN = 'mandate:audit:written';

interface WriteRequest {
  type: typeof WRITE;
  id: number;
  issued: readonly IssuedTokenRecord[];
  events: readonly SealableEvent[];
}

interface WriteAnswer {
  type: typeof WRITTEN;
  id: number;
  share?: CommitShare;
  error?: string;
  unavailable?: UnavailableKind;
}

/** A worker's side of the cluster channel (process.send and its events, in main.ts). */
export interface PrimaryChannel {
  /** Sends `message`; `failed` is called when it could not be sent (the channel is closed). */
  send(message: unknown, failed: (err: Error) => void): void;
  onMessage(listener: (message: unknown) => void): void;
  onDisconnect(listener: () => void): void;
}

interface Waiting {
  resolve(share: CommitShare): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/** A worker's client: the batches sent and not answered yet, and the writer's counts so far. */
interface Client {
  readonly channel: PrimaryChannel;
  readonly timeoutMs: number;
  readonly waiting: Map<number, Waiting>;
  readonly stats: CommitShare;
  nextId: number;
  gone: boolean;
}

const goneError = () =>
  new DatabaseUnavailableError('connection', 'audit: the cluster primary (the audit writer) is gone');

/**
 * In a worker: a batch writer that writes through the primary. `timeoutMs` bounds the wait for an
 * answer (the primary's own statements have their deadlines; this catches a primary that froze).
 */
export function createClusterWriterClient(channel: PrimaryChannel, opts: { timeoutMs: number }): BatchWriter {
  const c: Client = {
    channel,
    timeoutMs: opts.timeoutMs,
    waiting: new Map(),
    stats: { batches: 0, conflicts: 0, locked: 0 },
    nextId: 1,
    gone: false,
  };
  channel.onMessage((message) => onAnswer(c, message));
  channel.onDisconnect(() => {
    c.gone = true;
    for (const id of [...c.waiting.keys()]) settle(c, id, (w) => w.reject(goneError()));
  });
  return {
    stats: () => ({ ...c.stats }),
    write: (issued, events) => (c.gone ? Promise.reject(goneError()) : send(c, issued, events)),
  };
}

function settle(c: Client, id: number, outcome: (w: Waiting) => void): void {
  const w = c.waiting.get(id);
  if (w === undefined) return;
  c.waiting.delete(id);
  clearTimeout(w.timer);
  outcome(w);
}

function onAnswer(c: Client, message: unknown): void {
  const m = message as Partial<WriteAnswer> | null;
  if (m?.type !== WRITTEN || typeof m.id !== 'number') return;
  settle(c, m.id, (w) => {
    if (m.error !== undefined) return w.reject(answerError(m));
    const share = m.share ?? { batches: 0, conflicts: 0, locked: 0 };
    addShare(c.stats, share);
    w.resolve(share);
  });
}

function send(
  c: Client,
  issued: readonly IssuedTokenRecord[],
  events: readonly SealableEvent[],
): Promise<CommitShare> {
  const id = c.nextId++;
  return new Promise<CommitShare>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new DatabaseUnavailableError(
        'timeout',
        `audit: the cluster primary (the audit writer) did not answer within ${c.timeoutMs} ms`,
      );
      settle(c, id, (w) => w.reject(err));
    }, c.timeoutMs);
    c.waiting.set(id, { resolve, reject, timer });
    // Only what the writer needs: the worker's events, as plain strings.
    const wire: WriteRequest = {
      type: WRITE,
      id,
      issued,
      events: events.map((e) => ({ id: e.id, subject: e.subject, runs: e.runs })),
    };
    c.channel.send(wire, (err) =>
      settle(c, id, (w) => w.reject(new DatabaseUnavailableError('connection', `audit: ${err.message}`))),
    );
  });
}

function addShare(into: CommitShare, share: CommitShare): void {
  into.batches += share.batches;
  into.conflicts += share.conflicts;
  into.locked += share.locked;
}

function answerError(m: Partial<WriteAnswer>): Error {
  const message = `audit writer: ${m.error ?? 'failed'}`;
  return m.unavailable === undefined
    ? new Error(message)
    : new DatabaseUnavailableError(m.unavailable, message);
}

/**
 * In the primary: answers `message` if it is a worker's batch, writing it through `group`, the
 * primary's group commit on its chain writer. Returns false for any other message.
 */
export function answerClusterWrite(
  group: GroupCommit,
  log: Logger,
  message: unknown,
  reply: (answer: WriteAnswer) => void,
): boolean {
  const m = message as Partial<WriteRequest> | null;
  if (m?.type !== WRITE || typeof m.id !== 'number') return false;
  const id = m.id;
  if (!Array.isArray(m.issued) || !Array.isArray(m.events) || !m.events.every(isSealable)) {
    log.error('audit: a worker sent a malformed batch', { id });
    reply({ type: WRITTEN, id, error: 'malformed batch' });
    return true;
  }
  group.submit({ issued: m.issued, events: m.events }).then(
    (share) => reply({ type: WRITTEN, id, share }),
    (err: unknown) => {
      const unavailable = unavailableKind(err);
      reply({
        type: WRITTEN,
        id,
        error: err instanceof Error ? err.message : String(err),
        ...(unavailable === undefined ? {} : { unavailable }),
      });
    },
  );
  return true;
}

function isSealable(e: unknown): e is SealableEvent {
  const s = e as Partial<SealableEvent> | null;
  return (
    typeof s?.id === 'string' &&
    typeof s.subject === 'string' &&
    Array.isArray(s.runs) &&
    s.runs.length === 4 &&
    s.runs.every((r) => typeof r === 'string')
  );
}
