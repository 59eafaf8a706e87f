/**
 * buildHttp over real parts (Postgres, keys, the shipped policy): the app publishes the signing
 * keys, reports readiness from the database, keys and policy, answers bad token requests with
 * OAuth error JSON, counts them in the metrics, and serves /metrics on the main port when asked.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { buildHttp } from '../../src/wiring/http.js';
import { buildParts, type Parts } from './parts.js';

let p: Parts;
let app: FastifyInstance;
beforeAll(async () => {
  p = await buildParts({ MANDATE_METRICS_PORT: 'main' });
  app = p.closers.own(buildHttp({ ...p, log: createLogger('error') }));
  await app.ready();
}, 60_000);
afterAll(async () => {
  await p?.close();
});

describe('buildHttp', () => {
  it('publishes the signing keys at /jwks', async () => {
    const res = await app.inject({ method: 'GET', url: '/jwks' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(p.keys.signing.jwks());
  });

  it('is ready when the database is writable, the keys loaded and the policy in force', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(JSON.stringify(res.json())).toContain('database');
  });

  it('answers a bad token request with OAuth error JSON and counts it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=password&username=a&password=b',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string };
    expect(body.error).toMatch(/^(unsupported_grant_type|invalid_client|invalid_request)$/);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(
      new RegExp(
        `mandate_token_responses_total\\{grant_type="other",outcome="error",error="${body.error}"\\} 1`,
      ),
    );
    expect(metrics.body).toMatch(/mandate_http_requests_total\{route="\/jwks",method="GET",status="200"\} 1/);
  });
});
