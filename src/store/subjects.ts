/**
 * The `subjects` table: the latest attributes of each user as the IdP last described them at login.
 * The `refresh` decision is made on these rather than on the snapshot taken at authorization, so
 * that a user who left a group loses its scopes at the next refresh (rego/README.md, Actions).
 */
import type { Db } from './db.js';

/** Who the user is, as policy sees them (the decision input's `subject`). */
export interface SubjectAttributes {
  sub: string;
  /** The IdP that authenticated the user. */
  iss: string;
  groups: string[];
  /** Mapped attributes (department, email, …). */
  claims: Record<string, unknown>;
}

export interface SubjectRepo {
  /** Records what the IdP said about the user at this login. */
  upsert(s: SubjectAttributes, now: number): Promise<void>;
  get(iss: string, sub: string): Promise<SubjectAttributes | undefined>;
}

interface Row {
  iss: string;
  sub: string;
  groups: string[];
  claims: Record<string, unknown>;
}

export function createSubjectRepo(db: Db): SubjectRepo {
  return {
    async upsert(s, now) {
      await db.query(
        `INSERT INTO subjects (iss, sub, groups, claims, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (iss, sub) DO UPDATE SET groups = EXCLUDED.groups, claims = EXCLUDED.claims,
           updated_at = EXCLUDED.updated_at`,
        [s.iss, s.sub, s.groups, JSON.stringify(s.claims), now],
      );
    },
    async get(iss, sub) {
      const res = await db.query<Row>(
        'SELECT iss, sub, groups, claims FROM subjects WHERE iss = $1 AND sub = $2',
        [iss, sub],
      );
      const r = res.rows[0];
      return r === undefined ? undefined : { iss: r.iss, sub: r.sub, groups: r.groups, claims: r.claims };
    },
  };
}
