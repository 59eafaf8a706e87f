/**
 * The Postgres server driver behind the `Db` seam (design.md, State): a `pg` Pool for queries and
 * transactions, and one dedicated connection for LISTEN, since a pooled client may be handed to
 * someone else between notifications.
 */
import pg from 'pg';
import type { Logger } from '../log.js';
import type { Db, Queryable, QueryResult } from './db.js';
import { redactUrl } from './redact.js';

const INT8_OID = 20;
const RECONNECT_MS = 1_000;

export interface PostgresOptions {
  /** Pool size (pg's default is 10). */
  max?: number;
  /** Where idle-connection errors and LISTEN reconnects are reported. */
  log?: Logger;
}

/*
 * bigint columns hold epoch seconds (exp, iat, expires_at): parse them as numbers, as PGlite does,
 * so repositories see the same types on both drivers. Set per pool, not globally on `pg.types`,
 * so that nothing else in the process changes behaviour.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as pg.CustomTypesConfig;

function wrap(c: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await c.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
    async exec(sql) {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await c.query(sql);
    },
  };
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Opens a pool on `url` and checks that it connects, so a bad `DATABASE_URL` fails at start-up. */
export async function openPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const config: pg.PoolConfig = { connectionString: url, types, ...(opts.max ? { max: opts.max } : {}) };
  const pool = new pg.Pool(config);
  // An idle client losing its connection emits 'error' on the pool; unhandled, it ends the process.
  pool.on('error', (err) => opts.log?.warn('postgres: idle connection error', { error: err.message }));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot connect to Postgres at ${redactUrl(url)}: ${reason}`);
  }

  const listeners = new Map<string, Set<(payload: string) => void>>();
  let listenClient: Promise<pg.Client> | undefined;
  let closed = false;

  const connectListener = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url, types });
    client.on('notification', (msg) => {
      for (const fn of listeners.get(msg.channel) ?? []) fn(msg.payload ?? '');
    });
    const lost = (err?: Error): void => {
      if (closed || listenClient === undefined) return;
      opts.log?.warn('postgres: LISTEN connection lost, reconnecting', { error: err?.message });
      listenClient = undefined;
      client.end().catch(() => undefined);
      // Channels are re-subscribed on the new connection; notifications sent in between are lost,
      // which is why LISTEN is only ever a wake-up hint (callers also poll).
      setTimeout(() => {
        if (closed || listenClient !== undefined || listeners.size === 0) return;
        listenClient = connectListener();
        listenClient.catch((e: Error) => lost(e));
      }, RECONNECT_MS).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    for (const channel of listeners.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    return client;
  };

  const base = wrap(pool);
  return {
    kind: 'postgres',
    query: base.query,
    exec: base.exec,
    async tx(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // While a client is checked out the pool stops listening for its errors: a connection lost
      // between two statements would be an unhandled 'error' event, which ends the process.
      const onError = (err: Error): void => {
        broken = err;
        opts.log?.warn('postgres: connection lost during a transaction', { error: err.message });
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        try {
          const result = await fn(wrap(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch((e: Error) => {
            broken = e;
          });
          throw err;
        }
      } finally {
        // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
        client.removeListener('error', onError);
        client.release(broken);
      }
    },
    async listen(channel, onNotify) {
      let set = listeners.get(channel);
      const first = set === undefined;
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(onNotify);
      listenClient ??= connectListener();
      const client = await listenClient;
      if (first) await client.query(`LISTEN ${quoteIdent(channel)}`);
      return async () => {
        const s = listeners.get(channel);
        if (!s?.delete(onNotify) || s.size > 0) return;
        listeners.delete(channel);
        const c = listenClient && (await listenClient);
        if (c && !closed) await c.query(`UNLISTEN ${quoteIdent(channel)}`);
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = listenClient;
      listenClient = undefined;
      if (c) await (await c).end().catch(() => undefined);
      await pool.end();
    },
  };
}
