/**
 * A real HTTPS server for client metadata documents: each test registers what a path answers
 * (status, headers, body, delay), so hostile hosts (slow, oversize, redirecting, not JSON) are real.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCert } from './tls.js';

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
}

export interface DocServer {
  port: number;
  /** `https://localhost:<port><path>` */
  url(path: string): string;
  route(path: string, r: Route): void;
  hits(path: string): number;
  close(): Promise<void>;
}

export async function startDocServer(cert: TestCert): Promise<DocServer> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const server: Server = createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const r = routes.get(path);
    if (r === undefined) {
      res.writeHead(404).end();
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {});
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers }).end(body);
    };
    if (r.delayMs === undefined) send();
    else setTimeout(send, r.delayMs).unref();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path) => `https://localhost:${port}${path}`,
    route: (path, r) => void routes.set(path, r),
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
