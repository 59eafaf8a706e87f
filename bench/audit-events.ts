/**
 * Cost of building a token exchange's audit events in Mandate's process, without Postgres: the
 * decision event and the token event built, masked and put in canonical JSON outside the
 * chain-head lock (outbox.ts `prepareEvents`), then sealed (`sealAfter`: sequence, prevhash,
 * SHA-256, the stored text; under the lock). In-process, many repetitions: it measures CPU work.
 * On a loaded machine compare the process CPU line, or instructions under callgrind
 * (BENCH_ROUNDS=1 at two values of BENCH_N, the difference divided by the entries), of runs
 * interleaved with the code compared against.
 *
 *   npx tsx bench/audit-events.ts          (BENCH_N entries per round, default 20000; BENCH_ROUNDS 5)
 *
 * Results are recorded in bench/README.md, never asserted.
 */
import * as outbox from '../src/audit/outbox.js';
import { GENESIS_HASH, prepare, type PreparedEvent } from '../src/audit/chain.js';
import { sealAfter } from '../src/audit/outbox-write.js';
import type { AuditEntry } from '../src/audit/port.js';
import { exchangeEntry } from '../test/audit/fixtures.js';

const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const source = 'https://mandate.example';

// The outbox's own path; before 2026-12-02 it was buildEvents then prepare (kept to compare).
const prepareEntry: (e: AuditEntry, source: string) => PreparedEvent[] =
  'prepareEvents' in outbox
    ? (outbox.prepareEvents as (e: AuditEntry, source: string) => PreparedEvent[])
    : (e, s) => outbox.buildEvents(e, s).map((ev) => prepare(ev));

/** A realistic exchange entry as the token exchange grant reports it (no credentials in claims). */
function entry(i: number): AuditEntry {
  const e = exchangeEntry({ sub: `user${i % 1000}` });
  const d = e.decision!;
  d.input.subject.claims = { email: `user${i % 1000}@example.com`, name: 'A User', groups: ['sales'] };
  d.decision.result = {
    allow: true,
    scopes: ['crm.read'],
    ttl_seconds: 300,
    reasons: [],
    obligations: { require_dpop: true },
  };
  return e;
}

const pool = Array.from({ length: 1000 }, (_, i) => entry(i));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Round {
  prepare: number;
  seal: number;
  cpu: number;
  events: number;
}

function round(): Round {
  const cpu0 = process.cpuUsage();
  let prep = 0n;
  let seal = 0n;
  let events = 0;
  let head = { sequence: 0, hash: GENESIS_HASH };
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    const prepared = prepareEntry(pool[i % pool.length]!, source);
    const t1 = process.hrtime.bigint();
    const sealed = sealAfter(prepared, head);
    const t2 = process.hrtime.bigint();
    const last = sealed.at(-1)!;
    head = { sequence: Number(last.sequence), hash: last.hash };
    prep += t1 - t0;
    seal += t2 - t1;
    events += sealed.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const us = (ns: bigint): number => Number(ns) / 1000 / events;
  return { prepare: us(prep), seal: us(seal), cpu: (cpu.user + cpu.system) / events, events };
}

if (ROUNDS > 1) round(); // warm-up
const rounds = Array.from({ length: ROUNDS }, round);
const pick = (k: 'prepare' | 'seal' | 'cpu'): number => median(rounds.map((r) => r[k]));
const perEntry = rounds[0]!.events / N;
console.log(
  `audit events, ${N} exchange entries × ${ROUNDS} rounds (${perEntry} events each), Node ${process.version}, ${new Date().toISOString()}`,
);
console.log(
  `wall µs per event (median of rounds): build+mask+canonicalize ${pick('prepare').toFixed(2)}  seal ${pick('seal').toFixed(2)}`,
);
console.log(`process CPU µs per event (median of rounds, GC threads included): ${pick('cpu').toFixed(2)}`);
