/**
 * The `approvals` table (migration 014, ADR 0014): token exchanges waiting for a person's approval
 * as OpenID CIBA poll-mode requests. Each state change is one conditional UPDATE, so that of two
 * concurrent approvers, or two concurrent polls of an approved request, exactly one wins: a request
 * is decided once, and its token is issued once (`auth_req_id` is single use).
 */
import type { Db } from './db.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'issued';

/** Who decided an approval, with the groups they held when they did. */
export interface Approver {
  sub: string;
  iss: string;
  groups: string[];
}

/**
 * One approval request. `obligation`, `input`, `decision` and `issuance` are the protocol core's
 * own values stored as JSON: what the policy asked, the decision input and decision, and what the
 * token must carry; the core reads them back with its own types.
 */
export interface ApprovalRecord {
  id: string;
  /** base64url(SHA-256(auth_req_id)). */
  authReqIdHash: string;
  clientId: string;
  sub: string;
  iss: string;
  obligation: Record<string, unknown>;
  clientBindingMessage: string | null;
  input: Record<string, unknown>;
  decision: Record<string, unknown>;
  issuance: Record<string, unknown>;
  status: ApprovalStatus;
  createdAt: number;
  expiresAt: number;
  /** CIBA §7.3: the least number of seconds between two polls. */
  pollInterval: number;
  lastPolledAt: number | null;
  decidedBy: Approver | null;
  decidedAt: number | null;
  issuedAt: number | null;
}

/** A new request: pending, never polled, undecided. */
export type NewApproval = Omit<
  ApprovalRecord,
  'status' | 'lastPolledAt' | 'decidedBy' | 'decidedAt' | 'issuedAt'
>;

/** A poll: the request as it is after the poll, and whether it came sooner than the interval allows. */
export interface Poll {
  approval: ApprovalRecord;
  tooFast: boolean;
}

/** CIBA §11: each `slow_down` raises the interval by at least five seconds, for every later poll. */
export const SLOW_DOWN_STEP = 5;

export interface ApprovalRepo {
  insert(a: NewApproval): Promise<void>;
  get(id: string): Promise<ApprovalRecord | undefined>;
  /** The pending, unexpired requests of a subject, newest first. */
  pendingFor(iss: string, sub: string, now: number): Promise<ApprovalRecord[]>;
  /**
   * Approves or denies a pending, unexpired request; undefined when it was not (any more). With
   * `record`, the change and its record are one unit: `record` runs inside the transaction, on the
   * decided row (locked), and the change commits only once it resolves; when it rejects, nothing is
   * changed and the rejection is passed on. (On PGlite the row is claimed instead of locked, so that
   * `record` may use the database: decideClaimed.)
   */
  decide(
    id: string,
    verdict: 'approved' | 'denied',
    by: Approver,
    now: number,
    record?: (decided: ApprovalRecord) => Promise<void>,
  ): Promise<ApprovalRecord | undefined>;
  /** Records a poll by its `auth_req_id` hash; a pending request polled too soon has its interval raised. */
  poll(authReqIdHash: string, now: number): Promise<Poll | undefined>;
  /** Marks an approved, unexpired request issued (single use); false when it was not approved or already used. */
  markIssued(authReqIdHash: string, now: number): Promise<boolean>;
}

interface Row {
  id: string;
  auth_req_id_hash: string;
  client_id: string;
  sub: string;
  iss: string;
  obligation: Record<string, unknown>;
  client_binding_message: string | null;
  input: Record<string, unknown>;
  decision: Record<string, unknown>;
  issuance: Record<string, unknown>;
  status: ApprovalStatus;
  created_at: string | number;
  expires_at: string | number;
  poll_interval: number;
  last_polled_at: string | number | null;
  decided_by: Approver | null;
  decided_at: string | number | null;
  issued_at: string | number | null;
}

// bigint columns arrive as strings from `pg`.
const num = (v: string | number): number => Number(v);
const optNum = (v: string | number | null): number | null => (v === null ? null : Number(v));

function fromRow(r: Row): ApprovalRecord {
  return {
    id: r.id,
    authReqIdHash: r.auth_req_id_hash,
    clientId: r.client_id,
    sub: r.sub,
    iss: r.iss,
    obligation: r.obligation,
    clientBindingMessage: r.client_binding_message,
    input: r.input,
    decision: r.decision,
    issuance: r.issuance,
    status: r.status,
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    pollInterval: r.poll_interval,
    lastPolledAt: optNum(r.last_polled_at),
    decidedBy: r.decided_by,
    decidedAt: optNum(r.decided_at),
    issuedAt: optNum(r.issued_at),
  };
}

/**
 * `decide` on PGlite, whose one connection a transaction holds until it ends: the audit commit
 * inside `record` writes through the outer Db, so it would wait for the transaction, which waits
 * for it (the approval page hung). The same unit without one: the row is claimed first (`decided_at`
 * set, status still pending: no poll can redeem it, no other approver decide it), `record` runs,
 * then the status is set; when `record` rejects the claim is released and nothing has changed.
 */
async function decideClaimed(
  db: Db,
  id: string,
  verdict: 'approved' | 'denied',
  by: Approver,
  now: number,
  record?: (decided: ApprovalRecord) => Promise<void>,
): Promise<ApprovalRecord | undefined> {
  const claimed = await db.query<Row>(
    `UPDATE approvals SET decided_by = $2, decided_at = $3
     WHERE id = $1 AND status = 'pending' AND decided_at IS NULL AND expires_at > $3 RETURNING *`,
    [id, JSON.stringify(by), now],
  );
  if (claimed.rows[0] === undefined) return undefined;
  const decided: ApprovalRecord = { ...fromRow(claimed.rows[0]), status: verdict };
  try {
    if (record !== undefined) await record(decided);
  } catch (err) {
    await db.query(
      `UPDATE approvals SET decided_by = NULL, decided_at = NULL WHERE id = $1 AND status = 'pending'`,
      [id],
    );
    throw err;
  }
  await db.query('UPDATE approvals SET status = $2 WHERE id = $1', [id, verdict]);
  return decided;
}

export function createApprovalRepo(db: Db): ApprovalRepo {
  return {
    insert: (a) => insert(db, a),
    async get(id) {
      const res = await db.query<Row>('SELECT * FROM approvals WHERE id = $1', [id]);
      return res.rows[0] === undefined ? undefined : fromRow(res.rows[0]);
    },
    async pendingFor(iss, sub, now) {
      const res = await db.query<Row>(
        `SELECT * FROM approvals WHERE iss = $1 AND sub = $2 AND status = 'pending' AND expires_at > $3
         ORDER BY created_at DESC LIMIT 50`,
        [iss, sub, now],
      );
      return res.rows.map(fromRow);
    },
    decide: (id, verdict, by, now, record) =>
      db.kind === 'pglite'
        ? decideClaimed(db, id, verdict, by, now, record)
        : decideLocked(db, id, verdict, by, now, record),
    poll: (authReqIdHash, now) => poll(db, authReqIdHash, now),
    async markIssued(authReqIdHash, now) {
      const res = await db.query(
        `UPDATE approvals SET status = 'issued', issued_at = $2
         WHERE auth_req_id_hash = $1 AND status = 'approved' AND expires_at > $2`,
        [authReqIdHash, now],
      );
      return res.rowCount === 1;
    },
  };
}

async function insert(db: Db, a: NewApproval): Promise<void> {
  await db.query(
    `INSERT INTO approvals (id, auth_req_id_hash, client_id, sub, iss, obligation, client_binding_message,
       input, decision, issuance, status, created_at, expires_at, poll_interval)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12, $13)`,
    [
      a.id,
      a.authReqIdHash,
      a.clientId,
      a.sub,
      a.iss,
      JSON.stringify(a.obligation),
      a.clientBindingMessage,
      JSON.stringify(a.input),
      JSON.stringify(a.decision),
      JSON.stringify(a.issuance),
      a.createdAt,
      a.expiresAt,
      a.pollInterval,
    ],
  );
}

/** `decide` on a Postgres server: the decided row stays locked while `record` runs, until COMMIT. */
function decideLocked(
  db: Db,
  id: string,
  verdict: 'approved' | 'denied',
  by: Approver,
  now: number,
  record?: (decided: ApprovalRecord) => Promise<void>,
): Promise<ApprovalRecord | undefined> {
  return db.tx(async (q) => {
    const res = await q.query<Row>(
      `UPDATE approvals SET status = $2, decided_by = $3, decided_at = $4
       WHERE id = $1 AND status = 'pending' AND expires_at > $4 RETURNING *`,
      [id, verdict, JSON.stringify(by), now],
    );
    if (res.rows[0] === undefined) return undefined;
    const decided = fromRow(res.rows[0]);
    // The row stays locked until COMMIT: a concurrent approver waits, then finds it decided.
    if (record !== undefined) await record(decided);
    return decided;
  });
}

async function poll(db: Db, authReqIdHash: string, now: number): Promise<Poll | undefined> {
  const res = await db.query<Row & { too_fast: boolean }>(
    `WITH prev AS (
       SELECT auth_req_id_hash, status = 'pending' AND last_polled_at IS NOT NULL
                AND $2 < last_polled_at + poll_interval AS too_fast
       FROM approvals WHERE auth_req_id_hash = $1 FOR UPDATE
     )
     UPDATE approvals a SET last_polled_at = $2,
       poll_interval = CASE WHEN prev.too_fast THEN a.poll_interval + ${SLOW_DOWN_STEP} ELSE a.poll_interval END
     FROM prev WHERE a.auth_req_id_hash = prev.auth_req_id_hash
     RETURNING a.*, prev.too_fast`,
    [authReqIdHash, now],
  );
  const row = res.rows[0];
  return row === undefined ? undefined : { approval: fromRow(row), tooFast: row.too_fast };
}
