/**
 * Two Mandate instances against one Postgres and one NATS (issue 3, design.md "Scale"): exchanges on
 * both, both relays publishing. Every event arrives in the stream exactly once, the one hash chain
 * verifies in Postgres and in the stream, and every issued token has its event.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStreamEvents, verifyStream } from '../../src/audit/verify-stream.js';
import { verifyPostgres } from '../../src/audit/verify.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { eventually, salesforceExchange, subjectClaims } from '../helpers/exchange.js';
import { startTestService, type TestService } from '../helpers/service.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const STREAM = `TEST_AUDIT_${tag}`;
// One KEK for both, as in any multi-instance deployment.
const env = {
  NATS_URL,
  MANDATE_AUDIT_STREAM: STREAM,
  MANDATE_AUDIT_SUBJECT_PREFIX: `t${tag}`,
  MANDATE_KEK: randomBytes(32).toString('base64url'),
};
const EXCHANGES = 120;

let db: TestDatabase;
let a: TestService;
let b: TestService;
let nc: NatsConnection;

beforeAll(async () => {
  db = await createTestDatabase();
  a = await startTestService({ db, env });
  // Both instances read clients, issuers and keys from the one database; the last configuration
  // sync wins, so subject tokens below are minted by the second instance's test IdP.
  b = await startTestService({ db, env });
  nc = await connect({ servers: NATS_URL });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
  if (nc) {
    await (await jetstreamManager(nc)).streams.delete(STREAM).catch(() => false);
    await nc.close();
  }
});

async function exchange(svc: TestService, i: number): Promise<{ status: number; jti?: string }> {
  const subject = await b.idp.mint(subjectClaims(b, { sub: `user-${i}`, scope: 'crm.read' }), {
    typ: 'at+jwt',
  });
  // One in four asks for a scope sales may not have: a refusal, audited too.
  const res = await salesforceExchange(svc, {
    subject_token: subject,
    scope: i % 4 === 0 ? 'hr.records.read' : 'crm.read',
  });
  const token = res.body.access_token;
  if (typeof token !== 'string') return { status: res.status };
  const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    jti: string;
  };
  return { status: res.status, jti: claims.jti };
}

async function pending(svc: TestService): Promise<number> {
  const r = (await (await fetch(`${svc.url}/readyz`)).json()) as { audit_relay: { pending: number } };
  return r.audit_relay.pending;
}

describe('two instances, one Postgres, one NATS', () => {
  it('publishes every event exactly once, in one verifiable chain', async () => {
    const results = await Promise.all(
      Array.from({ length: EXCHANGES }, (_, i) => exchange(i % 2 === 0 ? a : b, i)),
    );
    const issued = results.filter((r) => r.status === 200);
    expect(issued).toHaveLength(EXCHANGES - EXCHANGES / 4);
    expect(results.filter((r) => r.status === 400)).toHaveLength(EXCHANGES / 4);

    expect(await eventually(async () => (await pending(a)) + (await pending(b)) === 0, 20_000)).toBe(true);

    const events = (await readStreamEvents(nc, STREAM)) as {
      id: string;
      type: string;
      data: { jti?: string };
    }[];
    // One decision per exchange, one token event per exchange (issued or refused).
    expect(events).toHaveLength(2 * EXCHANGES);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const issuedJtis = new Set(events.map((e) => e.data.jti).filter((j): j is string => j !== undefined));
    for (const r of issued) expect(issuedJtis.has(r.jti ?? '')).toBe(true);

    const fromPostgres = await verifyPostgres(db.db);
    expect(fromPostgres).toMatchObject({ ok: true, checked: 2 * EXCHANGES });
    const fromStream = await verifyStream(nc, STREAM);
    expect(fromStream).toMatchObject({ ok: true, checked: 2 * EXCHANGES, duplicates: 0 });
  });
});
