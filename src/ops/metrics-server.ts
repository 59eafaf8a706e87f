/**
 * MANDATE_METRICS_PORT=<port>: GET /metrics on a port of its own (HOST), so that the scrape can be
 * kept off the public listener. Served by the cluster primary when there are workers.
 */
import { createServer, type Server } from 'node:http';
import { Registry } from 'prom-client';
import type { Logger } from '../log.js';

export async function serveMetricsPort(
  port: number,
  host: string,
  text: () => Promise<string>,
  log: Logger,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    text().then(
      (body) => res.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE }).end(body),
      (err: unknown) => {
        log.error('metrics: scrape failed', { error: String(err) });
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  server.unref();
  log.info('metrics: serving /metrics on a port of its own', { address: `http://${host}:${port}/metrics` });
  return server;
}
