/**
 * Readiness, unknown routes and error bodies over real HTTP: /readyz is 200 only when the database,
 * keys and policy are loaded and 503 naming the failing check otherwise; an unknown route is an
 * exact JSON 404; no error body ever carries a stack trace or a file path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/service.js';

const STACK = /\n\s+at |node_modules|\/src\/|\.ts:\d+|\.js:\d+/;

describe('health and error bodies', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it('/healthz is 200', async () => {
    const res = await fetch(`${svc.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with every check ok when ready', async () => {
    const res = await fetch(`${svc.url}/readyz`);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body.status).toBe('ready');
    expect(Object.keys(body.checks).sort()).toEqual(expect.arrayContaining(['database', 'keys', 'policy']));
    for (const [name, check] of Object.entries(body.checks)) expect(check.ok, name).toBe(true);
  });

  it('answers an unknown route with an exact JSON 404', async () => {
    const res = await fetch(`${svc.url}/no/such/thing?secret=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'no such endpoint: GET /no/such/thing',
    });
    const get = await fetch(`${svc.url}/token`);
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({
      error: 'invalid_request',
      error_description: 'no such endpoint: GET /token',
    });
  });

  it('answers a malformed URL with the same JSON error body', async () => {
    const res = await fetch(`${svc.url}/%E0%A4%A`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'the request URL is malformed',
    });
  });

  it('never sends a stack trace in an error body', async () => {
    const probes: [string, RequestInit][] = [
      ['/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }],
      [
        '/token',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%' },
      ],
      [
        '/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic !!!' },
          body: 'grant_type=urn:ietf:params:oauth:grant-type:token-exchange',
        },
      ],
      [
        '/token',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'x'.repeat(70_000),
        },
      ],
      ['/token', { method: 'DELETE' }],
      ['/.well-known/oauth-authorization-server/../../etc/passwd', { method: 'GET' }],
      ['/%E0%A4%A', { method: 'GET' }],
    ];
    for (const [path, init] of probes) {
      const res = await fetch(`${svc.url}${path}`, init);
      const text = await res.text();
      expect(res.status, `${path} ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${path} ${text}`).toBeLessThan(500);
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(body).sort(), text).toEqual(['error', 'error_description']);
      expect(text, path).not.toMatch(STACK);
    }
  });

  // Last: it takes the database away.
  it('/readyz is 503 naming the database when the database is gone, without a stack trace', async () => {
    await svc.db.drop();
    const res = await fetch(`${svc.url}/readyz`);
    const text = await res.text();
    const body = JSON.parse(text) as {
      status: string;
      checks: Record<string, { ok: boolean; detail?: string }>;
    };
    expect(res.status, text).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.checks.database?.ok).toBe(false);
    expect(typeof body.checks.database?.detail).toBe('string');
    expect(body.checks.keys?.ok).toBe(true);
    expect(body.checks.policy?.ok).toBe(true);
    expect(text).not.toMatch(STACK);
    // An exchange now fails as an outage, never as a 500 with internals.
    const token = await fetch(`${svc.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=urn:ietf:params:oauth:grant-type:token-exchange&client_id=nobody-cached',
    });
    const tokenText = await token.text();
    expect(tokenText).not.toMatch(STACK);
    expect({ status: token.status, body: JSON.parse(tokenText) as unknown }).toEqual({
      status: 503,
      body: {
        error: 'temporarily_unavailable',
        error_description: 'the client registry is unavailable; try again shortly',
      },
    });
    expect(token.headers.get('retry-after')).toBe('2');
  });
});
