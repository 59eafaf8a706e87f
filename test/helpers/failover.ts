/**
 * A Postgres failover under load, for the HA tests (issue 18 item 6, docs/ha.md): a real primary
 * and a streaming standby started by the test on their own ports, a TCP proxy as the switch
 * Mandate connects through, a real Mandate (HTTP, policy, audit relay to JetStream) doing token
 * exchanges at a steady rate, and a poller of `/readyz`. failover-run.ts kills the primary, promotes
 * the standby and moves the switch, then judges what the clients saw.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
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
  MANDATE_DB_CONNECT_TIMEOUT_MS: '3000',
  MANDATE_DB_ACQUIRE_TIMEOUT_MS: '3000',
  MANDATE_DB_STATEMENT_TIMEOUT_MS: '3000',
  MANDATE_DB_TRANSACTION_TIMEOUT_MS: '6000',
  MANDATE_DB_HEALTH_TIMEOUT_MS: '2500',
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
  /**
   * Mandate's DATABASE_URL lists both servers with target_session_attrs=read-write instead of
   * pointing at the proxy (the third switch style).
   */
  hostList?: boolean;
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
  const url = new URL(database.url);
  const hostList = `postgres://postgres@127.0.0.1:${primary.port},127.0.0.1:${standby.port}${url.pathname}?target_session_attrs=read-write`;
  const svc = await startTestService({
    db: opts.hostList ? { ...database, url: hostList } : database,
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
export async function exchangeOnce(svc: TestService, sub = 'ha-warm-up'): Promise<WireResult | undefined> {
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
