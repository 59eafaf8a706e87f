/**
 * A Postgres failover with asynchronous replication and a lagging standby (issue 18 item 6,
 * docs/ha.md): the standby's replication link hangs, the primary goes on committing (and the
 * relay publishing) for a while, then dies, and the standby, lacking those commits, is promoted.
 * Losing them is physics (tokens clients hold have no record on the promoted server); what Mandate
 * must do is warn at start-up that commits are not synchronously replicated, serve again within
 * seconds, detect the fork of the audit chain, publish nothing of the new timeline on top of the
 * old one, and have `mandate audit verify --stream` name the fork and its point.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { run as auditCli } from '../../src/audit/cli.js';
import { verifyEvents } from '../../src/audit/verify.js';
import { eventually } from '../helpers/exchange.js';
import {
  NATS_URL,
  sleep,
  startFailoverCluster,
  streamEvents,
  type FailoverCluster,
} from '../helpers/failover.js';
import { checkFailover, runFailover } from '../helpers/failover-run.js';
import { stopAllPgServers } from '../helpers/pg-server.js';

let cluster: FailoverCluster | undefined;
afterAll(async () => {
  await cluster?.close();
  await stopAllPgServers();
}, 60_000);

interface RelayView {
  state: string;
  published_sequence?: number;
  fork?: { sequence: number; detail: string };
}

async function relayView(c: FailoverCluster): Promise<{ status: number; relay: RelayView }> {
  const res = await fetch(`${c.svc.url}/readyz`);
  return { status: res.status, relay: ((await res.json()) as { audit_relay: RelayView }).audit_relay };
}

describe('Postgres failover, asynchronous replication', () => {
  it('asynchronous with a lagging standby: the fork is detected, nothing forked is published, verify --stream names it', async () => {
    cluster = await startFailoverCluster({ lagging: true });
    const c = cluster;
    expect(c.svc.logs.lines.filter((l) => l.msg.includes('not synchronously replicated'))).toMatchObject([
      {
        level: 'warn',
        msg: expect.stringMatching(
          /^postgres: commits are not synchronously replicated \(synchronous_standby_names is empty\) while 1 standby is attached: /,
        ),
      },
    ]);

    let standbyHead = 0;
    const run = await runFailover(c, 'reset', {
      // The standby stops receiving; the primary commits, and the relay publishes, past it.
      beforeKill: async () => {
        c.replication!.hang();
        // What the standby holds once it has replayed everything it received.
        let seen = '';
        const still = await eventually(
          async () => {
            const [r] = await c.standby.sql<{ at: string }>(
              'SELECT pg_last_wal_receive_lsn()::text || pg_last_wal_replay_lsn()::text AS at',
            );
            const same = r!.at === seen;
            seen = r!.at;
            return same;
          },
          20_000,
          1_000,
        );
        expect(still, 'the standby stopped receiving').toBe(true);
        standbyHead = (
          await c.sql<{ s: number }>(c.standby, 'SELECT sequence::int AS s FROM audit_chain_head')
        )[0]!.s;
        const ahead = await eventually(
          async () => ((await relayView(c)).relay.published_sequence ?? 0) > standbyHead + 20,
          30_000,
          200,
        );
        expect(ahead, 'the relay published past what the standby holds').toBe(true);
      },
    });
    const figures = checkFailover(run);

    // Physics: tokens given to clients whose commit the standby never received.
    const records = new Set(
      (await c.sql<{ jti: string }>(c.standby, 'SELECT jti FROM issued_tokens')).map((r) => r.jti),
    );
    const lost = run.load.filter((s) => s.jti !== undefined && !records.has(s.jti)).length;
    expect(lost, 'tokens lost with the primary').toBeGreaterThan(0);
    console.log(`ha-async: ${JSON.stringify({ ...figures, lost, standbyHead })}`);

    // The relay stopped on the fork; readiness stays 200 (tokens are issued and recorded).
    const forked = await eventually(async () => (await relayView(c)).relay.state === 'forked', 30_000, 250);
    expect(forked, 'the relay detected the fork').toBe(true);
    const view = await relayView(c);
    expect(view.status).toBe(200);
    expect(view.relay.fork?.sequence).toBeGreaterThan(standbyHead);

    // The stream holds one timeline, the old one: nothing of the promoted server's after the fork.
    const events = (await streamEvents(c.stream)) as { sequence: string; hash: string }[];
    expect(verifyEvents(events, 'stream')).toMatchObject({ ok: true });
    const ours = new Map(
      (
        await c.sql<{ s: number; hash: string }>(c.standby, 'SELECT sequence::int AS s, hash FROM outbox')
      ).map((r) => [r.s, r.hash]),
    );
    const after = events.filter((e) => Number(e.sequence) > standbyHead);
    expect(after.length).toBeGreaterThan(20);
    expect(
      after.filter((e) => ours.get(Number(e.sequence)) === e.hash),
      'new-timeline events published',
    ).toEqual([]);
    await sleep(3_000);
    expect((await streamEvents(c.stream)).length, 'the stream stopped growing').toBe(events.length);

    // mandate audit verify --stream names the fork and its point.
    const out: string[] = [];
    const code = await auditCli(['verify', '--stream'], {
      env: { DATABASE_URL: c.svc.db.url, NATS_URL, MANDATE_AUDIT_STREAM: c.stream },
      out: (l) => out.push(l),
      err: (l) => out.push(l),
    });
    expect(code).toBe(1);
    const last = Number(events.at(-1)!.sequence);
    expect(out[0]).toMatch(/^postgres: ok, \d+ events, sequences 1\.\.\d+$/);
    expect(out[1]).toMatch(
      new RegExp(
        `^stream: FORK at sequence ${standbyHead + 1}: stream ${c.stream} holds \\d+ events from ${standbyHead + 1} to ${last} that the database's chain does not`,
      ),
    );
  }, 240_000);
});
