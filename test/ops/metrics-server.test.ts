import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/log.js';
import { serveMetricsPort } from '../../src/ops/metrics-server.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(text: () => Promise<string>, lines: string[] = []) {
  const log = createLogger('info', (l) => lines.push(l));
  const server = await serveMetricsPort(0, '127.0.0.1', text, log);
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('serveMetricsPort', () => {
  it('serves the exposition text on GET /metrics (a query string allowed) with its content type', async () => {
    const lines: string[] = [];
    const base = await serve(async () => 'mandate_up 1\n', lines);
    for (const path of ['/metrics', '/metrics?x=1']) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
      expect(await res.text()).toBe('mandate_up 1\n');
    }
    expect(lines.some((l) => l.includes('serving /metrics on a port of its own'))).toBe(true);
  });

  it('answers 404 to any other path or method', async () => {
    const base = await serve(async () => 'x');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/x`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it('answers 503 without the error when the scrape fails, and logs it', async () => {
    const lines: string[] = [];
    const base = await serve(async () => {
      throw new Error('registry exploded: secret detail');
    }, lines);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('metrics unavailable\n');
    expect(lines.some((l) => l.includes('metrics: scrape failed') && l.includes('registry exploded'))).toBe(
      true,
    );
  });

  it('rejects when the port is taken', async () => {
    const base = await serve(async () => 'x');
    const port = Number(new URL(base).port);
    await expect(serveMetricsPort(port, '127.0.0.1', async () => 'x', createLogger('error'))).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});
