/**
 * Schema migrations (design.md, State): plain SQL files `NNN_name.sql` applied in order at start-up,
 * each in its own transaction and recorded in `schema_migrations`. Several instances may start at
 * once: each transaction first takes an advisory lock, so exactly one applies a given file and the
 * others then see it recorded and skip it.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Db } from './db.js';
import { lockSql } from './locks.js';
import { packageRoot } from './package-root.js';

const FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;
/** A migration may rebuild a large table: it is bounded by this, not by the statement timeout. */
const MIGRATION_TIMEOUT_MS = 30 * 60_000;

/** The shipped migrations folder (source tree, also used from dist/). */
export function migrationsDir(): string {
  return join(packageRoot(), 'src', 'store', 'migrations');
}

/** Lists migration files in order; refuses two files with the same number. */
export async function listMigrations(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => FILE.test(f)).sort();
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.slice(0, 3) === files[i - 1]!.slice(0, 3)) {
      throw new Error(`two migrations share number ${files[i]!.slice(0, 3)}: ${files[i - 1]}, ${files[i]}`);
    }
  }
  return files;
}

/** Applies pending migrations; returns the names of those applied by this call. */
export async function migrate(db: Db, opts: { dir?: string } = {}): Promise<string[]> {
  const dir = opts.dir ?? migrationsDir();
  const applied: string[] = [];
  for (const name of await listMigrations(dir)) {
    const sql = await readFile(join(dir, name), 'utf8');
    const did = await db.tx(
      async (q) => {
        await q.query(`SET LOCAL statement_timeout = 0`);
        await q.query(...lockSql('migrations'));
        // Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can otherwise collide.
        await q.exec(
          `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
        );
        const seen = await q.query('SELECT 1 FROM schema_migrations WHERE name = $1', [name]);
        if (seen.rowCount > 0) return false;
        try {
          await q.exec(sql);
        } catch (err) {
          throw new Error(`migration ${name} failed: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
          });
        }
        await q.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        return true;
      },
      { timeoutMs: MIGRATION_TIMEOUT_MS },
    );
    if (did) applied.push(name);
  }
  return applied;
}
