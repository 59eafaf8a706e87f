/**
 * One failover shape run and judged (issue 18 item 6, docs/ha.md): load and readiness polling on a
 * `FailoverCluster` (failover.ts), the primary killed, the switch moved one of the ways a switch
 * moves, the standby promoted; then what clients and /readyz saw checked against what Mandate
 * promises, and, with synchronous replication, that nothing was lost.
 */
import { expect } from 'vitest';
import { run as auditCli } from '../../src/audit/cli.js';
import { verifyEvents } from '../../src/audit/verify.js';
import { eventually } from './exchange.js';
import {
  NATS_URL,
  exchangeOnce,
  pollReadiness,
  sleep,
  startFailoverCluster,
  startLoad,
  streamEvents,
  type FailoverCluster,
  type ReadySample,
  type Sample,
} from './failover.js';

/** How the switch moves when the primary dies (docs/ha.md, "Three ways to switch"). */
export type SwitchStyle = 'reset' | 'hang' | 'before-promotion' | 'host-list';

export interface Timeline {
  /** The failure began (nothing before it may fail). */
  failingFrom: number;
  /** The primary is dead and unreachable. */
  deadAt: number;
  /** The promotion of the standby starts: until then no server can take writes. */
  promotingAt: number;
  /** The switch reaches the promoted server. */
  writableAt: number;
}

export interface FailoverRun {
  load: Sample[];
  ready: ReadySample[];
  t: Timeline;
}

/**
 * Load and readiness polling for `steadyMs`, then the primary killed and the switch moved the
 * `style` way, the standby promoted `gapMs` later, and `afterMs` more of load.
 */
export async function runFailover(
  c: FailoverCluster,
  style: SwitchStyle,
  opts: { steadyMs?: number; gapMs?: number; afterMs?: number; beforeKill?: () => Promise<void> } = {},
): Promise<FailoverRun> {
  // Warm up (code paths compiled, pools open) before the load is measured.
  for (let i = 0; i < 5; i++) await exchangeOnce(c.svc);
  const load = startLoad(c.svc);
  const ready = pollReadiness(c.svc);
  try {
    // Steady state first: enough exchanges answered before the primary dies, however slow the machine.
    const steady = await eventually(async () => load.samples.length >= 60, 60_000, 100);
    if (!steady) throw new Error('the load did not reach 60 exchanges within 60 s');
    await sleep(opts.steadyMs ?? 1_000);
    await opts.beforeKill?.();
    const failingFrom = Date.now();
    if (style === 'hang') c.proxy.hang();
    await c.primary.stop('immediate');
    if (style === 'before-promotion') c.proxy.setTarget(c.standby.port);
    const deadAt = Date.now();
    await sleep(opts.gapMs ?? 10_000);
    // The standby may take writes before promote() returns (pg_ctl promote waits for it and then
    // polls), and a switch already pointing at it (before-promotion, host-list) lets them through:
    // 'no server could take writes' is known only until the promotion starts.
    const promotingAt = Date.now();
    await c.standby.promote();
    c.proxy.setTarget(c.standby.port);
    c.proxy.resume();
    const writableAt = Date.now();
    await sleep(opts.afterMs ?? MARGINS.recoverMs + 12_000);
    return {
      load: await load.stop(),
      ready: await ready.stop(),
      t: { failingFrom, deadAt, promotingAt, writableAt },
    };
  } finally {
    await load.stop();
    await ready.stop();
  }
}

/** Margins for a loaded two-core machine; the figures measured are far below (docs/ha.md). */
export const MARGINS = {
  /** After the switch reaches the promoted server, exchanges succeed again within this. */
  recoverMs: 15_000,
  /** A request sent after the primary died is refused, not answered from a commit made before. */
  lateAnswerMs: 3_000,
  /** A /readyz sent this long after the primary died says 503. */
  detectMs: 1_000,
  /** Longest a /readyz may take (MANDATE_DB_HEALTH_TIMEOUT_MS is 2.5 s). */
  readyMs: 8_000,
};

export interface FailoverFigures {
  /** ms from the switch reaching the promoted server to the first exchange answered 200. */
  firstSuccessMs: number;
  /** ms from the switch to the first /readyz 200. */
  readyAgainMs: number;
  exchanges: number;
  refused: number;
  slowestMs: number;
  /** What /readyz said about the database while no server could take writes. */
  downDetails: string[];
}

/**
 * What a client and a load balancer must see in every failover shape (issue 18, "Done when"):
 * only 200 or 503 temporarily_unavailable with Retry-After, never a stalled request; all well
 * before the failure; no success from a dead database; success again within seconds of the
 * switch, and from then on; /readyz 503 exactly while the database cannot take writes.
 */
export function checkFailover(run: FailoverRun): FailoverFigures {
  const { load, ready, t } = run;
  for (const s of load) {
    if (s.status === 200) continue;
    expect({ status: s.status, error: s.error }, `exchange sent at +${s.at - t.failingFrom} ms`).toEqual({
      status: 503,
      error: 'temporarily_unavailable',
    });
    expect(Number(s.retryAfter), 'Retry-After').toBeGreaterThan(0);
  }
  const before = load.filter((s) => s.at + s.ms < t.failingFrom);
  expect(before.length, 'exchanges before the failure').toBeGreaterThan(20);
  expect(
    before.filter((s) => s.status !== 200),
    'failures before the failure',
  ).toEqual([]);
  expect(
    load.filter(
      (s) => s.status === 200 && s.at + s.ms > t.deadAt + MARGINS.lateAnswerMs && s.at + s.ms < t.promotingAt,
    ),
    'successes while no server could take writes',
  ).toEqual([]);
  expect(
    load.some((s) => s.status === 503),
    'the failure was seen',
  ).toBe(true);
  const firstSuccess = load.find((s) => s.at >= t.writableAt && s.status === 200);
  expect(firstSuccess, 'an exchange succeeded after the switch').toBeDefined();
  const firstSuccessMs = firstSuccess!.at + firstSuccess!.ms - t.writableAt;
  expect(firstSuccessMs, 'ms to the first success after the switch').toBeLessThan(MARGINS.recoverMs);
  const settled = load.filter((s) => s.at > t.writableAt + MARGINS.recoverMs);
  expect(settled.length, 'exchanges after recovery').toBeGreaterThanOrEqual(10);
  expect(
    settled.filter((s) => s.status !== 200),
    'failures after recovery',
  ).toEqual([]);

  for (const r of ready)
    expect(r.ms, `/readyz sent at +${r.at - t.failingFrom} ms took`).toBeLessThan(MARGINS.readyMs);
  expect(
    ready
      .filter((r) => r.at + r.ms < t.failingFrom && r.status !== 200)
      .map((r) => ({ at: r.at - t.failingFrom, ms: r.ms, status: r.status, body: r.body })),
    '/readyz before the failure',
  ).toEqual([]);
  const down = ready.filter((r) => r.at > t.deadAt + MARGINS.detectMs && r.at + r.ms < t.promotingAt);
  expect(down.length, '/readyz polls while no server could take writes').toBeGreaterThanOrEqual(2);
  expect(
    down
      .filter((r) => r.status !== 503 || r.body.checks?.database?.ok === true)
      .map((r) => ({ at: r.at - t.deadAt, status: r.status, body: r.body })),
    '/readyz while no server could take writes',
  ).toEqual([]);
  const readyAgain = ready.find((r) => r.at >= t.writableAt && r.status === 200);
  expect(readyAgain, '/readyz 200 after the switch').toBeDefined();
  const readyAgainMs = readyAgain!.at + readyAgain!.ms - t.writableAt;
  expect(readyAgainMs).toBeLessThan(MARGINS.recoverMs);
  expect(
    ready.filter((r) => r.at > t.writableAt + MARGINS.recoverMs && r.status !== 200),
    '/readyz after recovery',
  ).toEqual([]);
  return {
    firstSuccessMs,
    readyAgainMs,
    exchanges: load.length,
    refused: load.filter((s) => s.status !== 200).length,
    slowestMs: Math.max(...load.map((s) => s.ms)),
    downDetails: [...new Set(down.map((r) => r.body.checks?.database?.detail ?? ''))],
  };
}

const ISSUED = 'dev.mandate.token.issued';

/** Every token a client got has its issuance record and its issued event on the promoted server. */
async function expectNothingLost(c: FailoverCluster, jtis: string[]): Promise<void> {
  const records = new Set(
    (await c.sql<{ jti: string }>(c.standby, 'SELECT jti FROM issued_tokens')).map((r) => r.jti),
  );
  const events = new Set(
    (
      await c.sql<{ jti: string }>(
        c.standby,
        `SELECT event->'data'->>'jti' AS jti FROM outbox WHERE event->>'type' = '${ISSUED}'`,
      )
    ).map((r) => r.jti),
  );
  expect(
    jtis.filter((j) => !records.has(j)),
    'tokens without their record',
  ).toEqual([]);
  expect(
    jtis.filter((j) => !events.has(j)),
    'tokens without their event',
  ).toEqual([]);
}

/** The relay drains to the stream, which holds one verifiable timeline with every token's event. */
async function expectOneTimeline(c: FailoverCluster, jtis: string[]): Promise<void> {
  const drained = await eventually(
    async () => {
      const r = await fetch(`${c.svc.url}/readyz`);
      const relay = ((await r.json()) as { audit_relay?: { state: string; pending?: number } }).audit_relay;
      return relay?.state === 'relaying' && relay.pending === 0;
    },
    30_000,
    250,
  );
  expect(drained, 'the relay drained the outbox').toBe(true);
  const events = (await streamEvents(c.stream)) as { type: string; data: { jti?: string } }[];
  expect(verifyEvents(events, 'stream')).toMatchObject({ ok: true });
  const published = new Set(events.filter((e) => e.type === ISSUED).map((e) => e.data.jti));
  expect(
    jtis.filter((j) => !published.has(j)),
    'tokens whose event is not in the stream',
  ).toEqual([]);

  const out: string[] = [];
  const code = await auditCli(['verify', '--stream'], {
    env: { DATABASE_URL: c.svc.db.url, NATS_URL, MANDATE_AUDIT_STREAM: c.stream },
    out: (l) => out.push(l),
    err: (l) => out.push(l),
  });
  expect(out.join('\n')).toMatch(/^postgres: ok, (\d+) events, sequences 1\.\.\1\nstream: ok, \1 events/);
  expect(code).toBe(0);
}

/**
 * One failover shape with synchronous replication (the cluster is pushed on `clusters` for the
 * test's clean-up): what clients and /readyz saw (`checkFailover`), the process said it lost the
 * database and has it again, no replication warning, nothing lost, one timeline.
 */
export async function failoverWithoutLoss(style: SwitchStyle, clusters: FailoverCluster[]): Promise<void> {
  const c = await startFailoverCluster({ synchronous: true, hostList: style === 'host-list' });
  clusters.push(c);
  const run = await runFailover(c, style);
  const figures = checkFailover(run);
  console.log(`ha ${style}: ${JSON.stringify(figures)}`);
  // The same process throughout: it said it lost the database and that it has it again.
  const said = c.svc.logs.lines.map((l) => l.msg);
  expect(said).toContain('postgres: database unavailable; replacing connections');
  expect(said).toContain('postgres: database available again');
  // Synchronous replication: no warning at start-up.
  expect(said.filter((m) => m.includes('not synchronously replicated'))).toEqual([]);

  const jtis = run.load.flatMap((s) => (s.jti === undefined ? [] : [s.jti]));
  await expectNothingLost(c, jtis);
  await expectOneTimeline(c, jtis);
}
