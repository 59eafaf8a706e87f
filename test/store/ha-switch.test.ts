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
import { afterEach, describe, it } from 'vitest';
import type { FailoverCluster } from '../helpers/failover.js';
import { failoverWithoutLoss } from '../helpers/failover-run.js';
import { stopAllPgServers } from '../helpers/pg-server.js';

const clusters: FailoverCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.close();
  await stopAllPgServers();
}, 60_000);

describe('Postgres failover under load', () => {
  it('reset switch (VIP, proxy), synchronous replication: nothing lost, nothing stalled, exchanges back within seconds', async () => {
    await failoverWithoutLoss('reset', clusters);
  }, 180_000);

  it('hanging switch (DNS, partition): the dead host never answers, exchanges back within seconds', async () => {
    await failoverWithoutLoss('hang', clusters);
  }, 180_000);

  it('switch before promotion: the standby is read-only, /readyz 503 until it is promoted', async () => {
    await failoverWithoutLoss('before-promotion', clusters);
  }, 180_000);
});
