/**
 * Standbys and several hosts (issue 18 items 2 and 3), on a real primary with a streaming standby
 * started by the test: start-up against a standby says so (or waits for its promotion);
 * `target_session_attrs=read-write` is honoured on one host and on a list of hosts, where new
 * connections find the writable server, also after a failover, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import type { Db } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/pg.js';
import { startPgServer, stopAllPgServers, type PgServer } from '../helpers/pg-server.js';
import { eventually } from '../helpers/exchange.js';

let primary: PgServer;
let standby: PgServer;
const opened: Db[] = [];
const FAST = {
  connectMs: 1_000,
  acquireMs: 2_000,
  statementMs: 1_000,
  transactionMs: 2_000,
  healthMs: 1_000,
};

beforeAll(async () => {
  primary = await startPgServer();
  await primary.sql('CREATE DATABASE m');
  await primary.sql('CREATE TABLE probe (x int)', 'm');
  standby = await startPgServer({ standbyOf: { host: '127.0.0.1', port: primary.port } });
  const replicated = await eventually(async () => {
    const rows = await standby
      .sql<{ n: number }>("SELECT count(*)::int AS n FROM pg_class WHERE relname = 'probe'", 'm')
      .catch(() => []);
    return rows[0]?.n === 1;
  }, 30_000);
  if (!replicated) throw new Error('the standby did not catch up');
}, 120_000);
afterAll(async () => {
  for (const db of opened) await db.close().catch(() => undefined);
  await stopAllPgServers();
});

const port = async (db: Db): Promise<number> =>
  (await db.query<{ port: number }>('SELECT inet_server_port() AS port')).rows[0]!.port;

describe('Postgres standbys and host lists', () => {
  it('refuses to start against a standby, saying that it is one', async () => {
    const url = standby.url('m');
    await expect(openPostgres(url, { timeouts: FAST })).rejects.toThrow(
      `Postgres at ${url} does not accept writes: 127.0.0.1:${standby.port} is a standby (in recovery). ` +
        'Mandate writes on every request: point DATABASE_URL at the primary (or list every server with ' +
        'target_session_attrs=read-write), or set MANDATE_DB_PRIMARY_WAIT to wait for a promotion',
    );
  });

  it('honours target_session_attrs=read-write on a single host', async () => {
    const url = `${standby.url('m')}?target_session_attrs=read-write`;
    await expect(openPostgres(url, { timeouts: FAST })).rejects.toThrow(
      `Postgres at ${url} does not accept writes: 127.0.0.1:${standby.port} is read-only (target_session_attrs=read-write asks for a writable server)`,
    );
  });

  it('picks the writable server of a host list, whatever its place', async () => {
    const url = `postgres://postgres@127.0.0.1:${standby.port},127.0.0.1:${primary.port}/m?target_session_attrs=read-write`;
    const db = await openPostgres(url, { timeouts: FAST });
    opened.push(db);
    expect(await port(db)).toBe(primary.port);
    await db.query('INSERT INTO probe VALUES (1)');
    expect((await db.probe()).state).toBe('writable');
  });

  it('waits at start-up for a standby to be promoted, and a host list follows the failover', async () => {
    const listed = opened[0]!;
    const log = createMemoryLogger();
    const waiting = openPostgres(standby.url('m'), { timeouts: FAST, primaryWaitMs: 60_000, log });
    await eventually(
      async () => log.lines.some((l) => l.msg.includes('waiting for it to accept writes')),
      10_000,
    );

    await primary.stop('immediate');
    await standby.promote();
    const db = await waiting;
    opened.push(db);
    await db.query('INSERT INTO probe VALUES (2)');

    // The pool that was on the old primary: its next connections find the promoted server.
    const t0 = Date.now();
    const moved = await eventually(async () => {
      try {
        return (await port(listed)) === standby.port;
      } catch {
        return false;
      }
    }, 15_000);
    expect(moved).toBe(true);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await listed.query('INSERT INTO probe VALUES (3)');
    expect((await listed.probe()).state).toBe('writable');
  });
});
