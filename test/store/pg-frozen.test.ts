/**
 * A frozen Postgres (issue 10 §4, issue 18 item 1): every process of a throwaway server stopped
 * with SIGSTOP, so its connections stay open and nothing answers. Requests must not hang with it:
 * exchanges are answered 503 temporarily_unavailable with Retry-After within a few seconds (the
 * statement, transaction, acquire and connect deadlines), /readyz answers 503 fast, and after
 * SIGCONT the same process serves again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPgServer, stopAllPgServers, type PgServer } from '../helpers/pg-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { eventually, salesforceExchange, subjectClaims, type WireResult } from '../helpers/exchange.js';

const DEADLINES = {
  MANDATE_DB_CONNECT_TIMEOUT_MS: '1000',
  MANDATE_DB_ACQUIRE_TIMEOUT_MS: '1000',
  MANDATE_DB_STATEMENT_TIMEOUT_MS: '1000',
  MANDATE_DB_TRANSACTION_TIMEOUT_MS: '2000',
  MANDATE_DB_HEALTH_TIMEOUT_MS: '1000',
};
/** Generous for a loaded machine: the deadlines above add up to about 2 s per request. */
const FAST_MS = 6_000;

let server: PgServer;
let database: TestDatabase;
let svc: TestService;

beforeAll(async () => {
  server = await startPgServer();
  database = await createTestDatabase({ adminUrl: server.url() });
  svc = await startTestService({ db: database, env: DEADLINES });
});
afterAll(async () => {
  server?.thaw();
  await svc?.close();
  await database?.drop();
  await stopAllPgServers();
});

let n = 0;
async function exchange(): Promise<WireResult & { ms: number }> {
  const subject = await svc.idp.mint(subjectClaims(svc, { sub: `user-${n++}`, scope: 'crm.read' }), {
    typ: 'at+jwt',
  });
  const t0 = Date.now();
  const r = await salesforceExchange(svc, { subject_token: subject, scope: 'crm.read' });
  return { ...r, ms: Date.now() - t0 };
}

async function readyz(): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${svc.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, ms: Date.now() - t0 };
}

function expectUnavailable(r: WireResult & { ms: number }): void {
  expect(r.status, r.text).toBe(503);
  expect(r.body.error).toBe('temporarily_unavailable');
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(r.ms).toBeLessThan(FAST_MS);
}

describe('a frozen Postgres', () => {
  it('gives 503 with Retry-After within seconds, /readyz 503 fast, and service again after SIGCONT', async () => {
    const first = await exchange();
    expect(first.status, first.text).toBe(200);
    const ok = await readyz();
    expect(ok.status).toBe(200);
    expect(ok.body.checks).toMatchObject({
      database: { ok: true, detail: '127.0.0.1:' + server.port + ' accepts writes' },
    });

    server.freeze();
    try {
      // On connections already open (the pool's, the outbox's): statement and transaction deadlines.
      const [ready, ...wave] = await Promise.all([readyz(), ...Array.from({ length: 8 }, () => exchange())]);
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(FAST_MS);
      expect(ready.body.checks).toMatchObject({ database: { ok: false } });
      for (const r of wave) expectUnavailable(r);

      // Once the client cache has expired (5 s), on new connections: connect and acquire deadlines.
      await new Promise((r) => setTimeout(r, 5_500));
      const later = await Promise.all([readyz(), exchange(), exchange()]);
      expect(later[0].status).toBe(503);
      expect(later[0].ms).toBeLessThan(FAST_MS);
      expectUnavailable(later[1]);
      expectUnavailable(later[2]);
    } finally {
      server.thaw();
    }

    // The same process serves again, on fresh connections.
    const issued: string[] = [];
    const back = await eventually(async () => {
      const r = await exchange();
      if (r.status === 200) issued.push(String(r.body.access_token));
      return r.status === 200;
    }, 15_000);
    expect(back).toBe(true);
    expect((await readyz()).status).toBe(200);
    // No token left without its record.
    const jti = JSON.parse(Buffer.from(issued[0]!.split('.')[1]!, 'base64url').toString()).jti as string;
    const rows = await database.db.query('SELECT 1 FROM issued_tokens WHERE jti = $1', [jti]);
    expect(rows.rowCount).toBe(1);
  });
});
