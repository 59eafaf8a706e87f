/**
 * installHttpMetrics on a real fastify app over real HTTP: responses counted by route pattern,
 * method and status (one label for every unmatched path), token responses by grant type, outcome
 * and the OAuth error code the body carries, and /metrics on the main port when asked.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import { installHttpMetrics } from '../../src/ops/http-metrics.js';

let app: FastifyInstance;
let metrics: Metrics;
let base: string;

beforeAll(async () => {
  metrics = createMetrics();
  app = Fastify();
  // As http/app.ts: forms are kept as text, which the token metrics read the grant type from.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  installHttpMetrics(app, metrics, { tokenPath: '/token', serveOnMainPort: true });
  app.get('/clients/:id', async () => ({ ok: true }));
  app.post('/token', async (req, reply) => {
    const grant = new URLSearchParams(req.body as string).get('grant_type');
    if (grant === 'refresh_token') return reply.code(400).send({ error: 'invalid_grant' });
    if (grant === 'boom') return reply.code(500).type('text/plain').send('not json');
    return { access_token: 'x' };
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
});

const token = (grant?: string) =>
  fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: grant === undefined ? 'a=b' : `grant_type=${encodeURIComponent(grant)}`,
  });

const sample = (text: string, name: string, labels: string) =>
  new RegExp(`^${name}\\{${labels.replace(/[{}()[\].+*?^$|\\]/g, '\\$&')}\\} (\\d+)$`, 'm').exec(text)?.[1];

describe('installHttpMetrics', () => {
  it('counts responses by route pattern, method and status; unmatched paths share one label', async () => {
    await fetch(`${base}/clients/a`);
    await fetch(`${base}/clients/b?x=1`);
    await fetch(`${base}/nowhere/${Math.random()}`);
    await fetch(`${base}/elsewhere`);
    const text = await metrics.text();
    expect(
      sample(text, 'mandate_http_requests_total', 'route="/clients/:id",method="GET",status="200"'),
    ).toBe('2');
    expect(sample(text, 'mandate_http_requests_total', 'route="(unmatched)",method="GET",status="404"')).toBe(
      '2',
    );
    expect(text).not.toContain('/nowhere');
    expect(text).toMatch(/mandate_http_request_duration_seconds_count\{route="\/clients\/:id"\} 2/);
  });

  it('counts token responses by grant type, outcome and the error code of the body', async () => {
    await token('urn:ietf:params:oauth:grant-type:token-exchange');
    await token('urn:openid:params:grant-type:ciba');
    await token('refresh_token');
    await token('made-up-grant');
    await token();
    await token('boom');
    const text = await metrics.text();
    const t = (labels: string) => sample(text, 'mandate_token_responses_total', labels);
    expect(t('grant_type="urn:ietf:params:oauth:grant-type:token-exchange",outcome="issued",error=""')).toBe(
      '1',
    );
    expect(t('grant_type="urn:openid:params:grant-type:ciba",outcome="issued",error=""')).toBe('1');
    expect(t('grant_type="refresh_token",outcome="error",error="invalid_grant"')).toBe('1');
    // Free text from the request is never a label value.
    expect(t('grant_type="other",outcome="issued",error=""')).toBe('1');
    expect(t('grant_type="(none)",outcome="issued",error=""')).toBe('1');
    expect(text).not.toContain('made-up-grant');
    expect(t('grant_type="other",outcome="error",error="unknown"')).toBe('1');
  });

  it('serves /metrics on the main port, not cached', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('mandate_http_requests_total');
  });
});
