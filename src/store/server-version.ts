/**
 * The oldest PostgreSQL Mandate runs on: 14, for `string_to_table` in the audit group commit's one
 * statement (src/audit/outbox-write.ts). Checked when the store opens, so that an older server is
 * refused at start-up with a message saying so, not at the first token as a failing statement.
 */
import type { Queryable } from './db.js';

/** `server_version_num` of PostgreSQL 14.0. */
export const MIN_SERVER_VERSION_NUM = 140000;

/** Throws, naming both versions, when `versionNum` (`server_version_num`) is below 14. */
export function assertServerVersion(versionNum: number, version: string): void {
  if (Number.isInteger(versionNum) && versionNum >= MIN_SERVER_VERSION_NUM) return;
  throw new Error(`PostgreSQL ${version} is not supported: Mandate needs PostgreSQL 14 or later`);
}

/** Reads the server's version and refuses one below 14. */
export async function checkServerVersion(db: Queryable): Promise<void> {
  const res = await db.query<{ num: string; version: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  );
  const row = res.rows[0];
  assertServerVersion(Number(row?.num), row?.version ?? 'of unknown version');
}
