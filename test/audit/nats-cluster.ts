/**
 * A three-node NATS cluster with JetStream, owned by one test file: its own ports, store folders
 * and cluster name, so that a node can be frozen (SIGSTOP: the process stops answering while its
 * sockets stay open, as a hung VM or a long GC pause does) without touching the shared server.
 * `remove()` resumes, stops and deletes everything, and runs on process exit too.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from '../helpers/service.js';

const BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface ClusterNode {
  name: string;
  url: string;
  /** host:port as the NATS client reports its server. */
  address: string;
  freeze(): void;
  thaw(): void;
}

export interface TestNatsCluster {
  nodes: ClusterNode[];
  /** Every client URL, comma-separated (NATS_URL). */
  servers: string;
  remove(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) {
    p.kill('SIGCONT');
    p.kill('SIGKILL');
  }
});

export async function createTestNatsCluster(size = 3): Promise<TestNatsCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'mandate-nats-cluster-'));
  const cluster = `c${randomBytes(4).toString('hex')}`;
  const ports = await Promise.all(
    Array.from({ length: size }, async () => [await freePort(), await freePort()]),
  );
  const procs: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const remove = async (): Promise<void> => {
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
            p.once('exit', () => {
              clearTimeout(timer);
              live.delete(p);
              resolve();
            });
            p.kill('SIGCONT');
            p.kill('SIGTERM');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, [client, route]] of ports.entries()) {
      const name = `n${i + 1}`;
      const routes = ports
        .filter((_, j) => j !== i)
        .map(([, r]) => `"nats-route://127.0.0.1:${r}"`)
        .join(', ');
      const conf = join(dir, `${name}.conf`);
      await writeFile(
        conf,
        `server_name: ${name}
listen: 127.0.0.1:${client}
jetstream { store_dir: "${join(dir, name)}" }
cluster { name: ${cluster}, listen: 127.0.0.1:${route}, routes: [${routes}] }
`,
      );
      const p = spawn(BIN, ['-c', conf], { stdio: 'ignore' });
      procs.push(p);
      live.add(p);
      nodes.push({
        name,
        url: `nats://127.0.0.1:${client}`,
        address: `127.0.0.1:${client}`,
        freeze: () => void p.kill('SIGSTOP'),
        thaw: () => void p.kill('SIGCONT'),
      });
    }
    const servers = nodes.map((n) => n.url).join(',');
    // Ready when JetStream answers through every node (the meta group has a leader).
    const deadline = Date.now() + 30_000;
    for (const n of nodes) {
      for (;;) {
        const ok = await connect({ servers: n.url, timeout: 1_000 })
          .then(async (nc) => {
            try {
              await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
              return true;
            } finally {
              await nc.close();
            }
          })
          .catch(() => false);
        if (ok) break;
        if (procs.some((p) => p.exitCode !== null)) throw new Error('a nats-server of the cluster exited');
        if (Date.now() > deadline) throw new Error(`NATS cluster node ${n.name} did not become ready`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    return { nodes, servers, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
