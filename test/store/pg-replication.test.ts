/**
 * The start-up warning when commits are not synchronously replicated (issue 18 item 4), on a real
 * primary with a streaming standby started by the test: silent on a lone server, the exact warning
 * while a standby streams asynchronously (synchronous_standby_names empty, or synchronous_commit
 * local for Mandate's role), silent again once commits wait for the standby or the operator
 * accepts it (MANDATE_DB_ASYNC_REPLICATION=accept).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { DatabaseUnavailableError } from '../../src/store/errors.js';
import { openDb } from '../../src/store/index.js';
import { openPostgres } from '../../src/store/pg.js';
import {
  asyncReason,
  asyncReplicationWarning,
  type AsyncReplicationPolicy,
} from '../../src/store/pg-replication.js';
import { eventually, repoRoot } from '../helpers/exchange.js';
import { startPgServer, stopAllPgServers, type PgServer } from '../helpers/pg-server.js';

let primary: PgServer;
let dataDir: string;

const WARNING_TAIL =
  ': a failover can lose tokens clients already hold and fork the audit stream. Set synchronous_standby_names ' +
  'on the primary (Patroni: synchronous_mode) or MANDATE_DB_ASYNC_REPLICATION=accept to accept it ' +
  '(docs/ha.md#synchronous-replication)';

beforeAll(async () => {
  primary = await startPgServer();
  await primary.sql('CREATE DATABASE m');
  dataDir = primary.dir;
}, 120_000);
afterAll(stopAllPgServers);

/** The statements of each SQL block of docs/ha.md, in order. */
function docSql(): string[][] {
  const doc = readFileSync(join(repoRoot, 'docs/ha.md'), 'utf8');
  return [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split(';')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  );
}

/** What the service logs about replication when it opens the database. */
async function startupWarnings(policy: AsyncReplicationPolicy = 'warn'): Promise<string[]> {
  const log = createMemoryLogger();
  const db = await openDb({ databaseUrl: primary.url('m'), dataDir, log, replication: policy });
  await db.close();
  return log.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
}

describe('asyncReason', () => {
  it.each([
    ['', 'on', 'synchronous_standby_names is empty'],
    ['  ', 'remote_apply', 'synchronous_standby_names is empty'],
    ['*', 'local', 'synchronous_commit is local'],
    ['ANY 1 (s1, s2)', 'off', 'synchronous_commit is off'],
    ['*', 'on', undefined],
    ['FIRST 1 (s1)', 'remote_write', undefined],
    ['s1', 'remote_apply', undefined],
  ])('names %j, commit %s: %s', (names, commit, reason) => {
    expect(asyncReason({ synchronousStandbyNames: names, synchronousCommit: commit, standbys: 1 })).toBe(
      reason,
    );
  });

  it('is quoted by docs/ha.md as the service logs it', () => {
    const doc = readFileSync(join(repoRoot, 'docs/ha.md'), 'utf8');
    expect(doc).toContain(
      asyncReplicationWarning({ synchronousStandbyNames: '', synchronousCommit: 'on', standbys: 1 }),
    );
  });

  it('says nothing without a standby, and counts them', () => {
    const s = { synchronousStandbyNames: '', synchronousCommit: 'on' };
    expect(asyncReplicationWarning({ ...s, standbys: 0 })).toBeUndefined();
    expect(asyncReplicationWarning({ ...s, standbys: 2 })).toBe(
      'postgres: commits are not synchronously replicated (synchronous_standby_names is empty) while 2 standbys are attached' +
        WARNING_TAIL,
    );
  });
});

describe('start-up replication check', () => {
  it('is silent on a server without standbys', async () => {
    expect(await startupWarnings()).toEqual([]);
  });

  it('warns while a standby streams asynchronously, unless accepted, and not once commits wait for it', async () => {
    await startPgServer({ standbyOf: { host: '127.0.0.1', port: primary.port } });
    const attached = await eventually(async () => {
      const rows = await primary.sql<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'",
      );
      return rows[0]?.n === 1;
    }, 30_000);
    expect(attached).toBe(true);

    expect(await startupWarnings()).toEqual([
      'postgres: commits are not synchronously replicated (synchronous_standby_names is empty) while 1 standby is attached' +
        WARNING_TAIL,
    ]);
    expect(await startupWarnings('accept')).toEqual([]);

    // docs/ha.md's SQL, statement by statement (ALTER SYSTEM cannot run in a transaction block).
    const [enable, check] = docSql();
    for (const statement of enable!) await primary.sql(statement);
    await eventually(async () => {
      const rows = await primary.sql<{ s: string }>(
        "SELECT current_setting('synchronous_standby_names') AS s",
      );
      return rows[0]?.s === '*';
    }, 10_000);
    expect(await startupWarnings()).toEqual([]);
    const [replication] = await primary.sql<{ state: string; sync_state: string }>(check![0]!);
    expect(replication).toMatchObject({ state: 'streaming', sync_state: 'sync' });
    for (const statement of check!.slice(1)) expect(await primary.sql(statement)).toHaveLength(1);

    // Mandate's own sessions decide: a role (or database) default of synchronous_commit=local
    // makes its commits asynchronous whatever the server's default.
    await primary.sql('ALTER DATABASE m SET synchronous_commit = local');
    expect(await startupWarnings()).toEqual([
      'postgres: commits are not synchronously replicated (synchronous_commit is local) while 1 standby is attached' +
        WARNING_TAIL,
    ]);
  });

  it('a synchronous standby that is gone: commits wait, and Mandate answers unavailable at the deadline, also when the server stops waiting', async () => {
    await primary.sql('ALTER DATABASE m RESET synchronous_commit');
    await primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'gone'");
    await primary.sql('SELECT pg_reload_conf()');
    await eventually(async () => {
      const rows = await primary.sql<{ s: string }>(
        "SELECT current_setting('synchronous_standby_names') AS s",
      );
      return rows[0]?.s === 'gone';
    }, 10_000);
    const db = await openPostgres(primary.url('m'), {
      timeouts: {
        connectMs: 2_000,
        acquireMs: 2_000,
        statementMs: 1_000,
        transactionMs: 2_000,
        healthMs: 1_000,
      },
    });
    try {
      const t0 = Date.now();
      const write = db.tx((q) => q.query('CREATE TABLE waits_for_gone (x int)'));
      await expect(write).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(write).rejects.toMatchObject({ kind: 'timeout' });
      expect(Date.now() - t0).toBeLessThan(6_000);
    } finally {
      await db.close();
      // Its backend still waits (a disconnected client is not noticed while waiting).
      await primary.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'",
      );
    }
    // The server gives up waiting (statement_timeout, pg_cancel_backend): its COMMIT reports success
    // with a warning, though no standby confirmed it. Mandate counts it as not committed.
    const patient = await openPostgres(primary.url('m'), {
      timeouts: { statementMs: 30_000, transactionMs: 30_000 },
    });
    try {
      const write = patient
        .tx((q) => q.query('CREATE TABLE cancelled_wait (x int)'))
        .then(
          () => 'committed',
          (e: unknown) => e,
        );
      const waiting = await eventually(async () => {
        const rows = await primary.sql<{ n: number }>(
          "SELECT count(pg_cancel_backend(pid))::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query = 'COMMIT'",
        );
        return rows[0]!.n > 0;
      }, 10_000);
      expect(waiting).toBe(true);
      const outcome = await write;
      expect(outcome).toBeInstanceOf(DatabaseUnavailableError);
      expect(outcome).toMatchObject({
        kind: 'timeout',
        message:
          'the commit was not confirmed by a synchronous standby (canceling wait for synchronous replication due to user request)',
      });
    } finally {
      await patient.close();
      await primary.sql('ALTER SYSTEM RESET synchronous_standby_names');
      await primary.sql('SELECT pg_reload_conf()');
    }
  }, 90_000);
});
