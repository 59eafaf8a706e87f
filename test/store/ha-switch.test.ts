/**
 * A Postgres failover under load, the switch moved three ways (issue 18 item 6, docs/ha.md): a
 * real primary with a synchronous streaming standby, both started by the test, a TCP proxy as the
 * switch, and a real Mandate doing about 50 token exchanges a second through it. The primary is
 * killed, the standby promoted, and the switch
 *
 * - resets connections (a VIP or a proxy moving),
 * - hangs them (a DNS name or a partition: the dead host's connections never answer nor close),
 * - or reaches the standby before its promotion (Mandate sees a read-only server).
 *
 * Each time: clients get only 200 or 503 temporarily_unavailable with Retry-After, nothing stalls,
 * exchanges succeed again within seconds of the promotion without a restart, /readyz is 503
 * exactly while no server can take writes, and with synchronous replication nothing is lost:
 * every token a client got has its issuance record and its event on the promoted server, and the
 * audit stream holds one timeline with every one of them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { run as auditCli } from '../../src/audit/cli.js';
import { verifyEvents } from '../../src/audit/verify.js';
import { eventually } from '../helpers/exchange.js';
import {
  NATS_URL,
  checkFailover,
  runFailover,
  startFailoverCluster,
  streamEvents,
  type FailoverCluster,
  type SwitchStyle,
} from '../helpers/failover.js';
import { stopAllPgServers } from '../helpers/pg-server.js';

let cluster: FailoverCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await stopAllPgServers();
}, 60_000);

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

async function failover(style: SwitchStyle): Promise<void> {
  cluster = await startFailoverCluster({ synchronous: true });
  const c = cluster;
  const run = await runFailover(c, style);
  const figures = checkFailover(run);
  console.log(`ha-switch ${style}: ${JSON.stringify(figures)}`);
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

describe('Postgres failover under load', () => {
  it('reset switch (VIP, proxy), synchronous replication: nothing lost, nothing stalled, exchanges back within seconds', async () => {
    await failover('reset');
  }, 180_000);

  it('hanging switch (DNS, partition): the dead host never answers, exchanges back within seconds', async () => {
    await failover('hang');
  }, 180_000);

  it('switch before promotion: the standby is read-only, /readyz 503 until it is promoted', async () => {
    await failover('before-promotion');
  }, 180_000);
});
