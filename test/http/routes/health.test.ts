// The health routes on a bare fastify app: /healthz is always 200; /readyz is 200 "ready" only
// when every check is ok, else 503 "not_ready" with every check (the failing one named), never
// cached, with the metrics merged in.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthRoutes, type ReadinessCheck } from '../../../src/http/routes/health.js';

async function app(readiness: ReadinessCheck, metrics: () => Record<string, unknown> = () => ({})) {
  const a = Fastify();
  healthRoutes(a, readiness, metrics);
  await a.ready();
  return a;
}

describe('health routes', () => {
  it('/healthz is 200 ok without asking the checks', async () => {
    let asked = false;
    const a = await app(async () => ((asked = true), { database: { ok: false } }));
    const res = await a.inject('/healthz');
    expect({ status: res.statusCode, body: res.json() as unknown }).toEqual({
      status: 200,
      body: { status: 'ok' },
    });
    expect(asked).toBe(false);
  });

  it('/readyz is 200 ready when every check is ok, with the metrics fields', async () => {
    const a = await app(
      async () => ({ database: { ok: true }, policy: { ok: true, detail: 'revision "r"', revision: 'r' } }),
      () => ({ audit: { lag: 0 } }),
    );
    const res = await a.inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, policy: { ok: true, detail: 'revision "r"', revision: 'r' } },
      audit: { lag: 0 },
    });
  });

  it('/readyz is 503 not_ready when any one check fails, reporting them all', async () => {
    const a = await app(async () => ({
      database: { ok: true },
      keys: { ok: false, detail: 'no signing key' },
      policy: { ok: true },
    }));
    const res = await a.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      status: 'not_ready',
      checks: { database: { ok: true }, keys: { ok: false, detail: 'no signing key' }, policy: { ok: true } },
    });
  });

  it('asks the checks afresh on every request', async () => {
    let ok = true;
    const a = await app(async () => ({ database: { ok } }));
    expect((await a.inject('/readyz')).statusCode).toBe(200);
    ok = false;
    expect((await a.inject('/readyz')).statusCode).toBe(503);
  });
});
