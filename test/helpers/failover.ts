/**
 * A Postgres failover under load, for the HA tests (issue 18 item 6, docs/ha.md): a real primary
 * and a streaming standby started by the test on their own ports, a TCP proxy as the switch
 * Mandate connects through, a real Mandate (HTTP, policy, audit relay to JetStream) doing token
 * exchanges at a steady rate, and a poller of `/readyz`. Each test kills the primary, promotes the
 * standby and moves the switch its own way, then reads what the clients saw.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { expect } from 'vitest';
import { readStreamEvents } from '../../src/audit/verify-stream.js';
import { eventually, salesforceExchange, subjectClaims, type WireResult } from './exchange.js';
import { createTestDatabase } from './pg.js';
import { startPgServer, type PgServer } from './pg-server.js';
import { startTestService, type TestService } from './service.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * Deadlines of the HA set-up docs/ha.md recommends, a little longer than a fast network needs so
 * that a loaded test machine does not trip them in steady state.
 */
export const HA_DEADLINES = {
  MANDATE_DB_CONNECT_TIMEOUT_MS: '2000',
  MANDATE_DB_ACQUIRE_TIMEOUT_MS: '2000',
  MANDATE_DB_STATEMENT_TIMEOUT_MS: '2000',
  MANDATE_DB_TRANSACTION_TIMEOUT_MS: '4000',
  MANDATE_DB_HEALTH_TIMEOUT_MS: '1500',
};

export interface FailoverCluster {
  primary: PgServer;
  standby: PgServer;
  /** The switch: Mandate's DATABASE_URL points at it. */
  proxy: TcpProxy;
  /** The standby's replication link to the primary, when asked for (`lagging`). */
  replication?: TcpProxy;
  svc: TestService;
  /** The JetStream stream of this test's audit events. */
  stream: string;
  /** SQL on the database Mandate uses, on `server`. */
  sql<R = Record<string, unknown>>(server: PgServer, text: string): Promise<R[]>;
  close(): Promise<void>;
}

export interface FailoverClusterOptions {
  /** Commits wait for the standby (synchronous_standby_names = '*'). */
  synchronous?: boolean;
  /** The standby replicates through a proxy that the test can hang (a lagging standby). */
  lagging?: boolean;
}

async function streaming(primary: PgServer, sync: boolean): Promise<boolean> {
  const rows = await primary.sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'${sync ? " AND sync_state = 'sync'" : ''}`,
  );
  return rows[0]?.n === 1;
}

export async function startFailoverCluster(opts: FailoverClusterOptions = {}): Promise<FailoverCluster> {
  const primary = await startPgServer();
  const proxy = await startTcpProxy(primary.port);
  const database = await createTestDatabase({
    adminUrl: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    postgres: { max: 2 },
  });
  const name = new URL(database.url).pathname.slice(1);
  const replication = opts.lagging ? await startTcpProxy(primary.port) : undefined;
  const standby = await startPgServer({
    standbyOf: { host: '127.0.0.1', port: replication?.port ?? primary.port },
  });
  if (!(await eventually(() => streaming(primary, false), 30_000)))
    throw new Error('the standby did not start streaming');
  if (opts.synchronous) {
    await primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'");
    await primary.sql('SELECT pg_reload_conf()');
    if (!(await eventually(() => streaming(primary, true), 30_000)))
      throw new Error('the standby did not become synchronous');
  }
  const stream = `HA_${randomBytes(4).toString('hex')}`;
  const svc = await startTestService({
    db: database,
    env: { ...HA_DEADLINES, NATS_URL, MANDATE_AUDIT_STREAM: stream, MANDATE_AUDIT_SUBJECT_PREFIX: stream },
  });
  return {
    primary,
    standby,
    proxy,
    ...(replication ? { replication } : {}),
    svc,
    stream,
    sql: (server, text) => server.sql(text, name),
    async close() {
      await svc.close().catch(() => undefined);
      await database.db.close().catch(() => undefined);
      await proxy.close();
      await replication?.close();
      await deleteStream(stream).catch(() => undefined);
    },
  };
}

/** What one client saw. */
export interface Sample {
  /** When the request was sent and answered (ms since the epoch). */
  at: number;
  ms: number;
  /** 0: no answer (the request was aborted after `STALL_MS`). */
  status: number;
  error?: string;
  description?: string;
  retryAfter?: string;
  jti?: string;
}

/** A request unanswered for this long has stalled (every database step is bounded far below). */
export const STALL_MS = 20_000;

function jtiOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
}

/** One token exchange for `sub`; undefined when it was not answered within `STALL_MS`. */
async function exchangeOnce(svc: TestService, sub = 'ha-warm-up'): Promise<WireResult | undefined> {
  const subject = await svc.idp.mint(subjectClaims(svc, { sub, scope: 'crm.read' }), { typ: 'at+jwt' });
  return Promise.race([
    salesforceExchange(svc, { subject_token: subject, scope: 'crm.read' }),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), STALL_MS).unref()),
  ]).catch(() => undefined);
}

export interface Load {
  samples: Sample[];
  /** Stops sending and waits for every request to be answered. */
  stop(): Promise<Sample[]>;
}

/**
 * Token exchanges at up to `perSecond`, each with its own user, without waiting for the previous
 * one, at most `maxInflight` at a time.
 */
export function startLoad(svc: TestService, perSecond = 50, maxInflight = 16): Load {
  const samples: Sample[] = [];
  const inflight = new Set<Promise<void>>();
  let n = 0;
  const one = async (): Promise<void> => {
    const at = Date.now();
    const r = await exchangeOnce(svc, `ha-${n++}`);
    const s: Sample = { at, ms: Date.now() - at, status: r?.status ?? 0 };
    if (r !== undefined && r.status !== 200) {
      s.error = String(r.body.error ?? r.text);
      s.description = String(r.body.error_description ?? '');
      s.retryAfter = r.headers.get('retry-after') ?? undefined;
    }
    if (r?.status === 200) s.jti = jtiOf(String(r.body.access_token));
    samples.push(s);
  };
  const timer = setInterval(() => {
    // A closed loop beyond `maxInflight`: a slow (loaded) machine gets fewer requests, not a queue
    // that would time out on its own.
    if (inflight.size >= maxInflight) return;
    const p = one().finally(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / perSecond);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await Promise.all(inflight);
      return samples.sort((a, b) => a.at - b.at);
    },
  };
}

export interface ReadySample {
  at: number;
  ms: number;
  status: number;
  body: { checks?: { database?: { ok: boolean; detail: string } }; audit_relay?: Record<string, unknown> };
}

export interface ReadyPoller {
  samples: ReadySample[];
  stop(): Promise<ReadySample[]>;
}

/** GET /readyz every `everyMs`, one at a time, as a load balancer's health check does. */
export function pollReadiness(svc: TestService, everyMs = 250): ReadyPoller {
  const samples: ReadySample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const res = await fetch(`${svc.url}/readyz`, { signal: AbortSignal.timeout(STALL_MS) });
        samples.push({ at, ms: Date.now() - at, status: res.status, body: (await res.json()) as never });
      } catch {
        samples.push({ at, ms: Date.now() - at, status: 0, body: {} });
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every event of the test's stream. */
export async function streamEvents(stream: string): Promise<unknown[]> {
  const nc = await connect({ servers: NATS_URL, name: 'mandate-ha-test' });
  try {
    return await readStreamEvents(nc, stream);
  } finally {
    await nc.close();
  }
}

async function deleteStream(stream: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: 'mandate-ha-test' });
  try {
    await (await jetstreamManager(nc)).streams.delete(stream);
  } finally {
    await nc.close();
  }
}

/** How the switch moves when the primary dies (docs/ha.md, "Three ways to switch"). */
export type SwitchStyle = 'reset' | 'hang' | 'before-promotion';

export interface Timeline {
  /** The failure began (nothing before it may fail). */
  failingFrom: number;
  /** The primary is dead and unreachable. */
  deadAt: number;
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
    await sleep(opts.gapMs ?? 8_000);
    await c.standby.promote();
    c.proxy.setTarget(c.standby.port);
    c.proxy.resume();
    const writableAt = Date.now();
    await sleep(opts.afterMs ?? 12_000);
    return { load: await load.stop(), ready: await ready.stop(), t: { failingFrom, deadAt, writableAt } };
  } finally {
    await load.stop();
    await ready.stop();
  }
}

/** Margins for a loaded two-core machine; the figures measured are far below (docs/ha.md). */
export const MARGINS = {
  /** After the switch reaches the promoted server, exchanges succeed again within this. */
  recoverMs: 10_000,
  /** A request sent after the primary died is refused, not answered from a commit made before. */
  lateAnswerMs: 3_000,
  /** A /readyz sent this long after the primary died says 503. */
  detectMs: 1_000,
  /** Longest a /readyz may take (MANDATE_DB_HEALTH_TIMEOUT_MS is 1.5 s). */
  readyMs: 6_000,
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
      (s) => s.status === 200 && s.at + s.ms > t.deadAt + MARGINS.lateAnswerMs && s.at + s.ms < t.writableAt,
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
  expect(settled.length, 'exchanges after recovery').toBeGreaterThan(20);
  expect(
    settled.filter((s) => s.status !== 200),
    'failures after recovery',
  ).toEqual([]);

  for (const r of ready)
    expect(r.ms, `/readyz sent at +${r.at - t.failingFrom} ms took`).toBeLessThan(MARGINS.readyMs);
  expect(
    ready.filter((r) => r.at + r.ms < t.failingFrom && r.status !== 200),
    '/readyz before the failure',
  ).toEqual([]);
  const down = ready.filter((r) => r.at > t.deadAt + MARGINS.detectMs && r.at + r.ms < t.writableAt);
  expect(down.length, '/readyz polls while no server could take writes').toBeGreaterThanOrEqual(2);
  expect(
    down.filter((r) => r.status !== 503 || r.body.checks?.database?.ok !== false),
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
