/**
 * NATS down (issue 3): with the audit server stopped, exchanges keep being served (their events wait
 * in the Postgres outbox), /readyz reports the growing lag as it is now; when NATS returns, every event arrives
 * exactly once and the chain verifies in the stream.
 */
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { createTestNatsServer, type TestNatsServer } from '../audit/nats-server.js';
import { eventually, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { startTestService, type TestService } from '../helpers/service.js';

const EXCHANGES = 200;
let nats: TestNatsServer;
let svc: TestService;

beforeAll(async () => {
  nats = await createTestNatsServer();
  svc = await startTestService({ env: { NATS_URL: nats.url } });
});
afterAll(async () => {
  await svc?.close();
  await nats?.remove();
});

interface Relay {
  pending: number;
  lag_seconds: number;
  published_total: number;
  last_error?: string;
}
const relay = async (): Promise<Relay> =>
  ((await (await fetch(`${svc.url}/readyz`)).json()) as { audit_relay: Relay }).audit_relay;

async function exchange(i: number): Promise<number> {
  const subject = await svc.idp.mint(subjectClaims(svc, { sub: `user-${i}`, scope: 'crm.read' }), {
    typ: 'at+jwt',
  });
  return (await salesforceExchange(svc, { subject_token: subject, scope: 'crm.read' })).status;
}

async function until(what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> {
  if (!(await eventually(ok, ms))) throw new Error(`timed out waiting for ${what}`);
}

describe('audit while NATS is down', () => {
  it('serves exchanges, holds their events, and delivers each exactly once when NATS returns', async () => {
    expect(await exchange(-1)).toBe(200);
    await until('the relay to publish the first events', async () => (await relay()).pending === 0);
    await nats.stop();

    const statuses = [];
    for (let i = 0; i < EXCHANGES; i += 20)
      statuses.push(...(await Promise.all(Array.from({ length: 20 }, (_, k) => exchange(i + k)))));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await until('the outage to show in /readyz', async () => {
      const r = await relay();
      return r.pending >= 2 * EXCHANGES && r.last_error !== undefined;
    });
    // The lag is the age of the oldest undelivered event as it is now, not a count the relay made
    // before its last back-off (issue 10 §4): it grows with the clock between any two readings.
    await new Promise((r) => setTimeout(r, 3_000));
    const lags: number[] = [];
    for (let i = 0; i < 6; i++) {
      lags.push((await relay()).lag_seconds);
      await new Promise((r) => setTimeout(r, 500));
    }
    for (let i = 1; i < lags.length; i++) expect(lags[i]! - lags[i - 1]!).toBeGreaterThan(0.3);

    await nats.start();
    await until('the relay to drain the outbox', async () => (await relay()).pending === 0, 60_000);

    const nc = await connect({ servers: nats.url });
    try {
      const events = (await readStreamEvents(nc, 'AUTHZ_AUDIT')) as { id: string }[];
      // The warm-up exchange and the 200 during the outage: a decision and a token event each.
      expect(events).toHaveLength(2 * (EXCHANGES + 1));
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(await verifyStream(nc, 'AUTHZ_AUDIT')).toMatchObject({ ok: true, duplicates: 0 });
    } finally {
      await nc.close();
    }
  });
});
