/**
 * Replay records shared by every instance: single-use `jti`s of client assertions, DPoP proofs and
 * ID-JAGs. Kept in Postgres until they expire, so a replay is caught whichever instance sees it.
 *
 * Group commit: every DPoP request records its proof, and one autocommitted INSERT per proof costs a
 * round trip and a WAL flush each (bench/README.md). Calls that arrive together are written in ONE
 * statement; Postgres's unique key still decides, across instances, which use of a key is first.
 *
 * One caller's record never fails another's: a record that no column could hold (a NUL byte, a lone
 * surrogate, an over-long key, an expiry outside bigint) is refused before it joins a batch, and if
 * a batch statement fails anyway, its records are retried one statement each, so only the record
 * that fails alone is refused.
 */
import type { ReplayStore } from '@mandate/mcp-kit';
import { isCleanText } from '../text.js';
import type { Db } from './db.js';
import { isDatabaseUnavailable } from './errors.js';

export type { ReplayStore };

/** A replay record refused before it was written: the caller's input, never the database's state. */
export class ReplayRecordError extends Error {
  constructor(readonly reason: 'namespace' | 'key' | 'expires_at') {
    super(`replay record refused: invalid ${reason}`);
    this.name = 'ReplayRecordError';
  }
}

interface Pending {
  id: string;
  namespace: string;
  key: string;
  expiresAt: number;
  resolve(first: boolean): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 512;
/** Far above any namespace or key the callers build (a thumbprint, a client id, a 256-char jti). */
export const MAX_REPLAY_PART_LENGTH = 2048;
/** Postgres bigint holds more, but no expiry beyond the year 9999 is sensible. */
const MAX_EXPIRES_AT = 253_402_300_799;
const idOf = (namespace: string, key: string): string => `${namespace}\u0000${key}`;

/** Text a Postgres text column holds exactly: no NUL, no lone surrogate (it would become U+FFFD). */
function storable(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && s.length <= MAX_REPLAY_PART_LENGTH && isCleanText(s);
}

function problem(namespace: unknown, key: unknown, expiresAt: unknown): ReplayRecordError | undefined {
  if (!storable(namespace)) return new ReplayRecordError('namespace');
  if (!storable(key)) return new ReplayRecordError('key');
  if (!Number.isSafeInteger(expiresAt) || (expiresAt as number) < 0 || (expiresAt as number) > MAX_EXPIRES_AT)
    return new ReplayRecordError('expires_at');
  return undefined;
}

/** The records waiting for the next statement, and whether a flush is on its way. */
interface Queue {
  readonly db: Db;
  pending: Pending[];
  flushing: boolean;
}

export function createReplayStore(db: Db): ReplayStore {
  const q: Queue = { db, pending: [], flushing: false };
  return {
    remember(namespace, key, expiresAt) {
      const bad = problem(namespace, key, expiresAt);
      if (bad !== undefined) return Promise.reject(bad);
      return new Promise<boolean>((resolve, reject) => {
        q.pending.push({ id: idOf(namespace, key), namespace, key, expiresAt, resolve, reject });
        if (!q.flushing) void flush(q);
      });
    },
    async purgeExpired(now) {
      const res = await db.query('DELETE FROM replay WHERE expires_at < $1', [now]);
      return res.rowCount;
    },
  };
}

async function flush(q: Queue): Promise<void> {
  q.flushing = true;
  // One turn, so that requests arriving together share the statement.
  await new Promise<void>((r) => setImmediate(r));
  while (q.pending.length > 0) {
    const batch = q.pending.slice(0, MAX_BATCH);
    q.pending = q.pending.slice(batch.length);
    await write(q.db, batch);
  }
  q.flushing = false;
}

/** One statement for `unique` (distinct ids); resolves with the ids that were first. */
async function insert(db: Db, unique: Pending[]): Promise<Set<string>> {
  // An expired record with the same key is overwritten; a live one makes this a replay.
  const res = await db.query<{ namespace: string; key: string }>(
    `INSERT INTO replay (namespace, key, expires_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
     ON CONFLICT (namespace, key) DO UPDATE SET expires_at = EXCLUDED.expires_at
       WHERE replay.expires_at < extract(epoch from now())::bigint
     RETURNING namespace, key`,
    [unique.map((p) => p.namespace), unique.map((p) => p.key), unique.map((p) => p.expiresAt)],
    // Prepared once per connection: batches are small at the token endpoint's rates, so parsing
    // and planning the statement each time was a third of its Postgres CPU (bench/dpop.ts).
    { name: 'replay_remember' },
  );
  return new Set(res.rows.map((r) => idOf(r.namespace, r.key)));
}

async function write(db: Db, batch: Pending[]): Promise<void> {
  // The same key twice in one statement would make ON CONFLICT touch a row twice (an error), and
  // the second use is a replay anyway: only first occurrences go to the database.
  const seen = new Set<string>();
  const unique: Pending[] = [];
  const repeats: Pending[] = [];
  for (const p of batch) {
    if (seen.has(p.id)) repeats.push(p);
    else {
      seen.add(p.id);
      unique.push(p);
    }
  }
  try {
    const first = await insert(db, unique);
    for (const p of unique) p.resolve(first.has(p.id));
    for (const p of repeats) p.resolve(false);
  } catch (err) {
    // Unavailable (timed out, lost, read-only): one by one would wait once per record, and an
    // INSERT whose answer was lost may have been applied (a retry would call a first use a replay).
    if (unique.length === 1 || isDatabaseUnavailable(err)) {
      for (const p of batch) p.reject(err);
      return;
    }
    await writeEach(db, unique, repeats);
  }
}

/** Isolates a failing record: each one alone, so its neighbours are answered on their own. */
async function writeEach(db: Db, unique: Pending[], repeats: Pending[]): Promise<void> {
  for (const p of unique) {
    try {
      p.resolve((await insert(db, [p])).has(p.id));
    } catch (e) {
      p.reject(e);
      for (const r of repeats) if (r.id === p.id) r.reject(e);
      continue;
    }
    for (const r of repeats) if (r.id === p.id) r.resolve(false);
  }
}
