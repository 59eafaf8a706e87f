/**
 * A Postgres failover under load with no switch at all (issue 18 items 3 and 6, docs/ha.md, "Several
 * hosts in the URL"): Mandate's DATABASE_URL lists the primary and its synchronous standby with
 * target_session_attrs=read-write. The primary is killed and the standby promoted; new connections
 * find the promoted server by themselves. Clients get only 200 or 503 with Retry-After, exchanges
 * succeed again within seconds without a restart, /readyz is 503 exactly while no listed server
 * takes writes, and nothing is lost.
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

describe('Postgres failover under load, several hosts in DATABASE_URL', () => {
  it('several hosts with target_session_attrs=read-write, no switch: connections find the promoted server', async () => {
    await failoverWithoutLoss('host-list', clusters);
  }, 180_000);
});
