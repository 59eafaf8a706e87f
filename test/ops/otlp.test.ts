/**
 * Span export over OTLP/HTTP (issue 14 §3): a real Mandate started with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at a collector this test serves over real HTTP sends, by the time it has closed, the
 * spans of a token exchange as OTLP JSON: its service name, the caller's trace id, the request
 * span as the caller's child and the decision, signing and audit spans as the request span's; a
 * caller that did not sample (traceparent flags 00) gets nothing exported (parent-based sampler).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestService, type TestService } from '../helpers/service.js';
import { salesforceExchangeWith } from './flow.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

const received: { path: string; contentType: string; body: OtlpRequest }[] = [];
let collector: Server;
let svc: TestService;

beforeAll(async () => {
  const port = await freePort();
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(port, '127.0.0.1', r));
  svc = await startTestService({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`, OTEL_SERVICE_NAME: 'mandate-test' },
  });
}, 120_000);
afterAll(async () => {
  await svc?.close();
  await new Promise((r) => collector?.close(r));
});

const SAMPLED = '5b8aa5a2d2c872e8321cf37308d69df2';
const UNSAMPLED = '6c9bb6b3e3d983f9432d048419e7ae03';
const PARENT = '051581bf3cb55c13';

const exchange = async (traceparent: string): Promise<number> =>
  (await salesforceExchangeWith(svc, { traceparent })).status;

describe('OTLP export', () => {
  it("sends a request's spans to the collector, sampled as the caller asked", async () => {
    expect(await exchange(`00-${SAMPLED}-${PARENT}-01`)).toBe(200);
    expect(await exchange(`00-${UNSAMPLED}-${PARENT}-00`)).toBe(200);
    // Closing sends what the batching processor holds.
    await svc.service.close();

    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(received[0]!.contentType).toMatch(/^application\/json/);
    const resources = received.flatMap((r) => r.body.resourceSpans);
    const names = resources.flatMap((r) =>
      r.resource.attributes.filter((a) => a.key === 'service.name').map((a) => a.value.stringValue),
    );
    expect(new Set(names)).toEqual(new Set(['mandate-test']));
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));

    const sampled = spans.filter((s) => s.traceId === SAMPLED);
    const server = sampled.find((s) => s.name === 'POST /token');
    expect(server, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(server!.parentSpanId).toBe(PARENT);
    const children = sampled.filter((s) => s.parentSpanId === server!.spanId).map((s) => s.name);
    for (const name of ['policy.decide', 'token.sign', 'audit.commit']) expect(children).toContain(name);

    expect(spans.filter((s) => s.traceId === UNSAMPLED)).toEqual([]);
  });
});
