/**
 * What one audit group commit costs Postgres, in CPU instructions: repeatable on a busy machine,
 * where timings are not (bench/README.md, issue 12). Starts a throwaway PostgreSQL server under
 * `valgrind --tool=callgrind` (every backend counted on its own), and for each of two runs writes
 * `flushes` group commits of `batch` token exchanges (a decision event, a token event and an
 * issuance record each, as bench/audit.ts) through `createOutboxAudit`, on one connection, in a
 * database of its own. The difference between the two runs' backends, divided by the difference in
 * flushes, is the marginal cost of one flush: connection set-up, catalog caches and migrations
 * cancel out. Also counts statements per flush.
 *
 *   npx tsx bench/commit-cost.ts                        # batch 16, runs of 20 and 60 flushes
 *   BENCH_BATCH=1 BENCH_FLUSHES=20,60 npx tsx bench/commit-cost.ts
 *   BENCH_KEEP=1 npx tsx bench/commit-cost.ts           # keeps the callgrind files (callgrind_annotate)
 *
 * Needs valgrind and Debian's PostgreSQL 15 binaries (MANDATE_TEST_PG_BIN overrides), and runs
 * Postgres as the `postgres` user (initdb refuses root). A few minutes: Postgres runs ~50× slower.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../src/log.js';
import { createOutboxAudit } from '../src/audit/outbox.js';
import { verifyPostgres } from '../src/audit/verify.js';
import type { Db, Queryable } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { openPostgres } from '../src/store/pg.js';
import { freePort } from '../test/helpers/service.js';
import { exchangeEntry } from '../test/audit/fixtures.js';

const BIN = process.env.MANDATE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const BATCH = Number(process.env.BENCH_BATCH ?? 16);
const [N1, N2] = (process.env.BENCH_FLUSHES ?? '20,60').split(',').map(Number) as [number, number];
const log = createLogger('error');

const ids = {
  uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
  gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
};

function counting(db: Db): { db: Db; statements: () => number } {
  let n = 0;
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params, opts) => {
      n++;
      return q.query(sql, params, opts);
    },
    exec: (sql) => {
      n++;
      return q.exec(sql);
    },
  });
  const counted: Db = {
    ...db,
    ...wrap(db),
    tx: (fn, o) => {
      n += 2;
      return db.tx((q) => fn(wrap(q)), o);
    },
  };
  return { db: counted, statements: () => n };
}

/** Instructions (Ir) callgrind counted for `pid`, once its output file is complete. */
async function instructions(dir: string, pid: number): Promise<number> {
  const file = join(dir, `callgrind.out.${pid}`);
  for (let i = 0; i < 600; i++) {
    try {
      const m = /^totals:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
      if (m) return Number(m[1]);
    } catch {
      /* not written yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no callgrind totals for backend ${pid}`);
}

async function run(
  url: (db: string) => string,
  admin: pg.Client,
  flushes: number,
): Promise<{ pid: number; statements: number; flushed: number }> {
  const name = `cost_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const setup = await openPostgres(url(name), { max: 1 });
  await migrate(setup);
  await setup.close();
  // One connection: one backend does all of this run's work.
  const raw = await openPostgres(url(name), {
    max: 1,
    timeouts: { statementMs: 120_000, transactionMs: 240_000 },
  });
  const pid = (await raw.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const c = counting(raw);
  const audit = createOutboxAudit({ db: c.db, source: 'https://mandate.example', log, maxBatch: BATCH });
  const before = c.statements();
  for (let f = 0; f < flushes; f++) {
    await Promise.all(
      Array.from({ length: BATCH }, (_, i) => {
        const e = exchangeEntry({ allow: true, sub: `user-${f}-${i}` });
        return audit.commit(e);
      }),
    );
  }
  const statements = c.statements() - before;
  const flushed = audit.stats().flushes_total;
  await audit.close();
  await raw.close();
  // On a connection of its own, so that its reads are not counted as the commits' work.
  const check = await openPostgres(url(name), { max: 1, timeouts: { statementMs: 120_000 } });
  const report = await verifyPostgres(check);
  await check.close();
  if (!report.ok || report.checked !== flushes * BATCH * 2) throw new Error('chain does not verify');
  return { pid, statements, flushed };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-commit-cost-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  execFileSync(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust'], {
    ...ids,
    stdio: 'ignore',
  });
  const port = await freePort();
  const server = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--trace-children=yes',
      `--callgrind-out-file=${dir}/callgrind.out.%p`,
      join(BIN, 'postgres'),
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
    ],
    { ...ids, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += d));
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  let admin = new pg.Client({ connectionString: url('postgres') });
  try {
    for (let i = 0; ; i++) {
      try {
        await admin.connect();
        break;
      } catch {
        if (i > 600) throw new Error(`postgres under valgrind did not start: ${stderr.slice(-500)}`);
        admin = new pg.Client({ connectionString: url('postgres') });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const a = await run(url, admin, N1);
    const b = await run(url, admin, N2);
    const [ia, ib] = [await instructions(dir, a.pid), await instructions(dir, b.pid)];
    const perFlush = (ib - ia) / (b.flushed - a.flushed);
    console.log(`# audit group commit cost in Postgres instructions, ${new Date().toISOString()}`);
    console.log(
      `batch ${BATCH} exchanges (2 events + 1 issuance record each), runs of ${N1} and ${N2} flushes`,
    );
    console.log(
      `flushes: ${a.flushed} and ${b.flushed}; statements per flush ${(b.statements / b.flushed).toFixed(2)}`,
    );
    console.log(`backend instructions: ${ia} and ${ib}`);
    if (process.env.BENCH_KEEP === '1')
      console.log(`callgrind files: ${dir}/callgrind.out.${a.pid}, .${b.pid}`);
    console.log(
      `per flush: ${(perFlush / 1e6).toFixed(3)} M instructions; per exchange: ${(perFlush / BATCH / 1e3).toFixed(0)} k`,
    );
  } finally {
    await admin.end().catch(() => undefined);
    server.kill('SIGINT');
    await new Promise((r) => server.once('exit', r));
    if (process.env.BENCH_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  }
}

await main();
