/**
 * Token exchange latency at fixed offered rates, open loop (issue 12 §5). A closed loop (autocannon,
 * wrk: N connections, each sending when its last answer came) slows down with the server, so its
 * p99 measures the queue it builds itself and hides the stalls it waits out (coordinated omission).
 * Here request i is due at start + i/rate whatever happened before; its latency is measured from
 * that intended send time, so a stall counts for every request that should have been sent during
 * it (the correction wrk2 makes). Connections are opened as needed (keep-alive, at most
 * BENCH_SOCKETS), so a slow answer never delays the next send.
 *
 * First the maximum: a closed-loop run (exchange.ts's load generator, BENCH_MAX_DURATION s), unless
 * BENCH_MAX gives it. Then each fraction of it in BENCH_FRACTIONS for BENCH_DURATION s:
 *
 *   npx tsx bench/open-loop.ts      (2 workers, fractions 0.25,0.5,0.75, 20 s each)
 *   BENCH_WORKERS=1 BENCH_MAX=1500 BENCH_FRACTIONS=0.5 npx tsx bench/open-loop.ts
 *
 * The generator is this Node process, on the same cores as Mandate and Postgres. Results are
 * recorded in bench/README.md, never asserted.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { exportJWK } from 'jose';
import { createTestIdp } from '../test/helpers/idp.js';
import { BASIC, check, load, mintPool, startMandate } from './exchange.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const DURATION = Number(process.env.BENCH_DURATION ?? 20);
const MAX_DURATION = Number(process.env.BENCH_MAX_DURATION ?? 10);
const FRACTIONS = (process.env.BENCH_FRACTIONS ?? '0.25,0.5,0.75').split(',').map(Number);
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 512);
/** Answers later than this are counted as timeouts (and at this latency in the percentiles). */
const TIMEOUT_MS = 10_000;

export interface OpenLoopResult {
  offered: number;
  sent: number;
  ok: number;
  failed: number;
  /** Sorted latencies in ms, from the intended send time. */
  latencies: Float64Array;
  /** How far behind schedule the sender itself fell at worst, in ms. */
  maxSendLag: number;
}

/** Sends POST /token bodies at `rate` per second for `seconds`, each timed from when it was due. */
export async function openLoop(
  url: string,
  bodies: string[],
  rate: number,
  seconds: number,
): Promise<OpenLoopResult> {
  const { hostname, port } = new URL(url);
  // FIFO: each request goes out on the socket idle longest, so the load spreads over every open
  // connection (and so over every worker, which the cluster assigns per connection) as wrk's does;
  // Node's default (LIFO) reuses the same few sockets and loaded one worker 4-9x the other.
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS, scheduling: 'fifo' });
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  let ok = 0;
  let failed = 0;
  let sent = 0;
  let maxSendLag = 0;
  let settled = 0;
  const start = performance.now() + 50;
  let finish: () => void = () => {};
  const allSettled = new Promise<void>((r) => (finish = r));
  const settle = (i: number, good: boolean): void => {
    latencies[i] = Math.min(performance.now() - (start + (i * 1000) / rate), TIMEOUT_MS);
    if (good) ok++;
    else failed++;
    if (++settled === total) finish();
  };
  const send = (i: number): void => {
    const body = bodies[i % bodies.length]!;
    const req = request(
      {
        host: hostname,
        port,
        path: '/token',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          authorization: BASIC,
        },
        timeout: TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => settle(i, res.statusCode === 200));
        res.on('error', () => settle(i, false));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => settle(i, false));
    req.end(body);
  };
  // A timer tick sends every request that is due: the schedule, not the answers, sets the pace.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        maxSendLag = Math.max(maxSendLag, now - (start + (sent * 1000) / rate));
        send(sent++);
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 50);
  });
  await allSettled;
  agent.destroy();
  latencies.sort();
  return { offered: rate, sent, ok, failed, latencies, maxSendLag };
}

const at = (sorted: Float64Array, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function main(): Promise<void> {
  const idp = await createTestIdp();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const benchIdp = Object.assign(idp, {
    jwks: { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'idp-es256', alg: 'ES256', use: 'sig' }] },
    privateKey: ec.privateKey,
  });
  const bodies = mintPool(benchIdp, 60_000);
  console.log(
    `# open-loop token exchange, ${new Date().toISOString()}, ${WORKERS} worker(s), Node ${process.version}`,
  );
  const m = await startMandate(benchIdp, WORKERS);
  const rows: string[] = [];
  try {
    await check(m.url, bodies[0]!);
    await load(m.url, bodies.slice(-5000), 'warm-up', 3);
    let max = Number(process.env.BENCH_MAX ?? 0);
    if (!(max > 0)) {
      const r = await load(m.url, bodies, 'maximum (closed loop)', MAX_DURATION);
      max = r.requests.average;
      console.log(
        `maximum, closed loop, ${MAX_DURATION} s: ${Math.round(max)} req/s (p99 ${r.latency.p99} ms)`,
      );
    }
    for (const f of FRACTIONS) {
      const rate = Math.max(1, Math.round(max * f));
      const load1 = loadavg()[0]!.toFixed(1);
      const r = await openLoop(m.url, bodies, rate, DURATION);
      const l = r.latencies;
      rows.push(
        `| ${Math.round(f * 100)} % | ${rate} | ${r.ok} | ${r.failed} | ${at(l, 0.5).toFixed(1)} | ${at(l, 0.99).toFixed(1)} | ${at(l, 0.999).toFixed(1)} | ${at(l, 1).toFixed(1)} | ${r.maxSendLag.toFixed(1)} | ${load1} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    await m.stop();
  }
  console.log(
    '\n| of max | offered req/s | 200 | failed | p50 ms | p99 ms | p99.9 ms | max ms | sender lag max ms | load avg |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

await main();
