/**
 * A small TCP proxy owned by one test: the "switch" in front of a primary and its standby (a
 * virtual IP, a DNS name, a proxy such as HAProxy or PgBouncer), or the link a standby replicates
 * through. It forwards each connection to the current target and can fail the two ways a switch
 * fails:
 *
 * - `resetAll()`: every open connection is reset (a VIP moving, a proxy restarting), and a target
 *   that closes or refuses a connection closes the client's too;
 * - `hang()`: every open connection, and every new one, stops forwarding without closing: the
 *   client's bytes are swallowed, nothing comes back, and the target closing its side is not passed
 *   on, as when a host vanished from the network (a DNS name still pointing at it, a partition);
 *   `resume()` forwards new connections again, while the hung ones stay hung.
 *
 * Written here rather than taken from a library because a test needs exactly these two failure
 * modes and the list of open pairs, which general-purpose proxies do not expose.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port clients connect to (127.0.0.1). */
  readonly port: number;
  /** New connections go to 127.0.0.1:`port`. */
  setTarget(port: number): void;
  /** Resets every open connection. */
  resetAll(): void;
  /** Open and new connections stop forwarding, without closing. */
  hang(): void;
  /** New connections forward again (to the current target). */
  resume(): void;
  /** Connections open now. */
  open(): number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  hung: boolean;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let hanging = false;
  const pairs = new Set<Pair>();

  const drop = (pair: Pair): void => {
    if (pair.hung) return;
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  };

  const server: Server = createServer((client) => {
    const upstream = hanging ? undefined : connect(target, '127.0.0.1');
    const pair: Pair = { client, upstream: upstream ?? client, hung: upstream === undefined };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pairs.delete(pair);
      if (upstream !== undefined && !upstream.destroyed) upstream.destroy();
    });
    // A hung connection swallows what the client sends (reading keeps its writes from blocking).
    client.on('data', (chunk: Buffer) => {
      if (!pair.hung) upstream?.write(chunk);
    });
    if (upstream === undefined) return;
    client.pause();
    upstream.on('connect', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.hung) client.write(chunk);
    });
    upstream.on('error', () => drop(pair));
    upstream.on('close', () => drop(pair));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;

  return {
    port,
    setTarget(p) {
      target = p;
    },
    resetAll() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.client.resetAndDestroy();
        if (pair.upstream !== pair.client) pair.upstream.destroy();
      }
    },
    hang() {
      hanging = true;
      for (const pair of pairs) pair.hung = true;
    },
    resume() {
      hanging = false;
    },
    open: () => pairs.size,
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
