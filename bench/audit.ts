/**
 * Audit benchmark (issue 3): commit() throughput with the Postgres outbox (group commit) against a
 * no-op audit port in the same run, the naive one-transaction-per-request outbox for comparison,
 * and, at a fixed target load, commit latency and the relay's publish rate and lag to JetStream.
 * Machine CPU (all processes: node, Postgres, NATS) is read from /proc/stat for each phase.
 *
 *   npx tsx bench/audit.ts            (Postgres 127.0.0.1:5432, NATS_URL or nats://127.0.0.1:4222)
 *   BENCH_SECONDS=10 BENCH_RATE=2000 npx tsx bench/audit.ts
 *   BENCH_RELAYS=2 npx tsx bench/audit.ts   (two relays on one destination, as two workers run them)
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '../src/log.js';
import type { AuditPort } from '../src/audit/port.js';
import type { Db, Queryable } from '../src/store/db.js';
import { createNoopAudit } from '../src/audit/noop.js';
import { createOutboxAudit } from '../src/audit/outbox.js';
import { createRelay } from '../src/audit/relay.js';
import { verifyPostgres } from '../src/audit/verify.js';
import { createTestDatabase } from '../test/helpers/pg.js';
import { exchangeEntry } from '../test/audit/fixtures.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const RELAYS = Number(process.env.BENCH_RELAYS ?? 1);
const log = createLogger('error');

/** Busy and total jiffies of the whole machine. */
function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * CPU seconds of the Postgres backends serving database `name` (their command line names it), so
 * that Postgres's share is measured apart from whatever else the shared machine runs. Sampled as
 * the phase runs, so that a backend that exits keeps what it had used.
 */
function postgresCpu(name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const raw = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = raw.lastIndexOf(')');
      if (raw.slice(raw.indexOf('(') + 1, close) !== 'postgres') continue;
      if (!readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(` ${name} `)) continue;
      const f = raw.slice(close + 2).split(' ');
      out.set(Number(d), (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * Counts the statements (client round trips) the database sees: each `query`, and a
 * transaction's BEGIN and COMMIT.
 */
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
  const counted: Db = Object.assign(Object.create(db) as Db, wrap(db), {
    tx: <T>(fn: (q: Queryable) => Promise<T>, o?: Parameters<Db['tx']>[1]) => {
      n += 2;
      return db.tx((q) => fn(wrap(q)), o);
    },
  });
  return { db: counted, statements: () => n };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/** Closed loop: CONCURRENCY requests in flight, each committing its entry then starting the next. */
async function closedLoop(
  name: string,
  audit: AuditPort,
  pg?: { name: string; statements: () => number },
): Promise<{ rate: number }> {
  const entries = Array.from({ length: 4096 }, (_, i) => exchangeEntry({ allow: i % 4 !== 0 }));
  const deadline = Date.now() + SECONDS * 1000;
  const cpu0 = machineCpu();
  const proc0 = process.cpuUsage();
  const pg0 = pg ? postgresCpu(pg.name) : new Map<number, number>();
  const pgLast = new Map(pg0);
  const sampler = setInterval(() => {
    if (pg) for (const [pid, c] of postgresCpu(pg.name)) pgLast.set(pid, c);
  }, 250);
  const st0 = pg?.statements() ?? 0;
  const t0 = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; Date.now() < deadline; i += CONCURRENCY) {
        const e = entries[i % entries.length]!;
        // A fresh jti per commit: the issuance record's primary key.
        await audit.commit(
          e.issued ? { ...e, issued: { ...e.issued, jti: randomBytes(12).toString('hex') } } : e,
        );
        done++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu1 = machineCpu();
  const proc = process.cpuUsage(proc0);
  clearInterval(sampler);
  if (pg) for (const [pid, c] of postgresCpu(pg.name)) pgLast.set(pid, c);
  let pgSecs = 0;
  for (const [pid, c] of pgLast) pgSecs += c - (pg0.get(pid) ?? 0);
  const machine = (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total);
  const rate = done / secs;
  const perCommit = (x: number) => (pg ? ((x * 1e6) / done).toFixed(0) : '—');
  console.log(
    `| ${name} | ${Math.round(rate)} | ${((proc.user + proc.system) / done).toFixed(1)} | ${perCommit(pgSecs)} | ${pg ? ((pg.statements() - st0) / done).toFixed(2) : '—'} | ${((machine * cpus().length * secs * 1e6) / done).toFixed(0)} | ${(machine * 100).toFixed(0)}% |`,
  );
  return { rate };
}

async function main(): Promise<void> {
  console.log(
    `audit benchmark: ${SECONDS}s per phase, ${CONCURRENCY} commits in flight, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  console.log(
    '\n| audit port | commits/s | node CPU µs/commit | Postgres CPU µs/commit | statements/commit | machine CPU µs/commit | machine busy |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const t = await createTestDatabase();
  const dbName = new URL(t.url).pathname.slice(1);
  const c = counting(t.db);
  const pg = { name: dbName, statements: c.statements };
  const nc = await connect({ servers: NATS_URL });
  const tag = randomBytes(4).toString('hex');
  const stream = `BENCH_AUDIT_${tag}`;
  try {
    await closedLoop('no-op', createNoopAudit());
    const naive = createOutboxAudit({ db: c.db, source: 'https://mandate.example', log, maxBatch: 1 });
    await closedLoop('outbox, one transaction per commit', naive, pg);
    await naive.close();
    const grouped = createOutboxAudit({ db: c.db, source: 'https://mandate.example', log });
    const st0 = c.statements();
    await closedLoop('outbox, group commit', grouped, pg);
    const gs = grouped.stats();
    console.log(
      `\ngroup commit: ${JSON.stringify(gs)}, ${((c.statements() - st0) / Math.max(gs.flushes_total, 1)).toFixed(2)} statements per flush`,
    );
    await grouped.close();
    // The relay starts after what the closed loops wrote (its mark at the chain head).
    await t.db.query(
      `INSERT INTO audit_relay (target, sequence, hash, position)
       SELECT $1, sequence, hash, 0 FROM audit_chain_head WHERE id = 1`,
      [`stream:${stream}`],
    );

    // Fixed load with the relay publishing to JetStream.
    const audit = createOutboxAudit({ db: t.db, source: 'https://mandate.example', log });
    // One relay per worker, as the service runs them: each batch locks the destination's mark
    // (FOR UPDATE SKIP LOCKED), so with two the one that loses the race reads nothing and waits.
    const relays = Array.from({ length: RELAYS }, () => {
      const counted = counting(t.db);
      const r = createRelay({
        db: counted.db,
        nats: { servers: NATS_URL, stream, subjectPrefix: `bench${tag}` },
        log,
        pollMs: 200,
      });
      r.start();
      return { relay: r, statements: counted.statements };
    });
    const relay = relays[0]!.relay;
    const publishedTotal = () => relays.reduce((n, r) => n + r.relay.stats().published_total, 0);
    const entries = Array.from({ length: 4096 }, (_, i) => exchangeEntry({ allow: i % 4 !== 0 }));
    const latencies: number[] = [];
    let maxLag = 0;
    let maxPending = 0;
    let failed = 0;
    const publishedBefore = publishedTotal();
    const relayStatements0 = relays.map((r) => r.statements());
    // The backlog as the database reports it (what /readyz shows), sampled every 100 ms.
    const sampler = setInterval(() => {
      void relay.status().then((s) => {
        maxLag = Math.max(maxLag, s.lag_seconds ?? 0);
        maxPending = Math.max(maxPending, s.pending ?? 0);
      });
    }, 100);
    const cpu0 = machineCpu();
    const t0 = performance.now();
    const inflight = new Set<Promise<void>>();
    const tickMs = 5;
    const perTick = (RATE * tickMs) / 1000;
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - t0;
        if (elapsed >= SECONDS * 1000) {
          clearInterval(timer);
          resolve();
          return;
        }
        // Catch up to the schedule (timers drift): sent follows RATE × elapsed.
        while (sent < (RATE * elapsed) / 1000 + perTick) {
          const e = entries[sent % entries.length]!;
          const start = performance.now();
          const p = audit
            .commit(e.issued ? { ...e, issued: { ...e.issued, jti: randomBytes(12).toString('hex') } } : e)
            .then(
              () => void latencies.push(performance.now() - start),
              () => void failed++,
            )
            .finally(() => inflight.delete(p));
          inflight.add(p);
          sent++;
        }
      }, tickMs);
    });
    await Promise.all(inflight);
    const loadSecs = (performance.now() - t0) / 1000;
    const cpu1 = machineCpu();
    const drainStart = performance.now();
    while (
      ((await relay.status()).pending ?? 1) > 0 ||
      publishedTotal() - publishedBefore < latencies.length * 2 - 1
    ) {
      await new Promise((r) => setTimeout(r, 20));
      if (performance.now() - drainStart > 60_000) break;
    }
    const drainSecs = (performance.now() - drainStart) / 1000;
    clearInterval(sampler);
    const published = publishedTotal() - publishedBefore;
    const relayStatements = relays.map((r, i) => r.statements() - relayStatements0[i]!);
    for (const r of relays) await r.relay.stop();
    await audit.close();
    latencies.sort((a, b) => a - b);
    const busy = (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total);
    console.log(
      `\nfixed load: ${RATE} commits/s offered for ${SECONDS}s with the relay publishing to JetStream`,
    );
    console.log('| metric | value |');
    console.log('|---|---|');
    console.log(`| commits completed/s | ${Math.round(latencies.length / loadSecs)} (failed ${failed}) |`);
    console.log(
      `| commit latency p50 / p99 / max | ${pct(latencies, 0.5).toFixed(1)} / ${pct(latencies, 0.99).toFixed(1)} / ${(latencies.at(-1) ?? 0).toFixed(1)} ms |`,
    );
    console.log(
      `| events published (relay) | ${published} in ${(loadSecs + drainSecs).toFixed(1)}s (${Math.round(published / (loadSecs + drainSecs))}/s), drained ${drainSecs.toFixed(2)}s after load |`,
    );
    console.log(`| relay lag max (oldest unpublished) | ${maxLag.toFixed(3)} s, max pending ${maxPending} |`);
    console.log(
      `| relays, statements each (per second) | ${relayStatements.map((n) => `${n} (${Math.round(n / (loadSecs + drainSecs))}/s)`).join(', ')}; published each ${relays.map((r) => r.relay.stats().published_total).join(', ')} |`,
    );
    console.log(`| machine busy during load | ${(busy * 100).toFixed(0)}% of ${cpus().length} cores |`);
    const report = await verifyPostgres(t.db);
    console.log(`\nchain after the run: ${report.ok ? 'verifies' : 'BROKEN'}, ${report.checked} events`);
  } finally {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await t.drop();
  }
}

await main();
