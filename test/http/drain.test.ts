/**
 * The drain (src/http/drain.ts) over real HTTP: once begun, a request already being handled
 * finishes (with Connection: close), new ones get OAuth JSON temporarily_unavailable with
 * Retry-After, /readyz says draining, /healthz stays 200, and settled() waits for the one in flight
 * and then for quiet.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDrain, type Drain } from '../../src/http/drain.js';

const app = Fastify();
let drain: Drain;
let base: string;
let release: (() => void) | undefined;

beforeAll(async () => {
  drain = installDrain(app);
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ready' }));
  app.get('/slow', async () => {
    await new Promise<void>((r) => (release = r));
    return { done: true };
  });
  app.get('/fast', async () => ({ fast: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => app.close());

describe('drain', () => {
  it('finishes what was accepted and refuses the rest with OAuth JSON', async () => {
    const slow = fetch(`${base}/slow`);
    await expect.poll(() => release !== undefined).toBe(true);
    drain.begin();
    expect(drain.draining).toBe(true);

    const refused = await fetch(`${base}/fast`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('connection')).toBe('close');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(await refused.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the server is shutting down; try again',
    });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    let settled = false;
    const waiting = drain.settled({ quietMs: 100, timeoutMs: 10_000 }).then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    release!();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toEqual({ done: true });
    expect(await waiting).toEqual({ timedOut: false, inFlight: 0 });
  });
});
