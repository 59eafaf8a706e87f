/**
 * A database that stops accepting writes (issue 18 item 2): the server still answers, but every
 * write fails with SQLSTATE 25006 (read_only_sql_transaction), as a standby does, or a primary being
 * demoted; its sessions are also terminated (57P01). Requests get 503 temporarily_unavailable, never
 * 500; /readyz is 503 because the database cannot take writes (not merely "it answers"); the
 * connections are discarded, so when the server accepts writes again, the service resumes by itself.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/service.js';
import { eventually, salesforceExchange, subjectClaims } from '../helpers/exchange.js';

const ADMIN_URL = process.env.MANDATE_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let svc: TestService;
let name: string;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  svc = await startTestService();
  name = new URL(svc.db.url).pathname.slice(1);
});
afterAll(async () => {
  await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`).catch(() => undefined);
  await svc?.close();
});

let n = 0;
async function exchange() {
  const subject = await svc.idp.mint(subjectClaims(svc, { sub: `ro-${n++}`, scope: 'crm.read' }), {
    typ: 'at+jwt',
  });
  return salesforceExchange(svc, { subject_token: subject, scope: 'crm.read' });
}

async function readyz(): Promise<{ status: number; database: { ok: boolean; detail?: string } }> {
  const res = await fetch(`${svc.url}/readyz`);
  const body = (await res.json()) as { checks: { database: { ok: boolean; detail?: string } } };
  return { status: res.status, database: body.checks.database };
}

const terminateSessions = () =>
  admin(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
  );

describe('a database that turns read-only', () => {
  it('answers 503, reports not ready while writes fail, and resumes by itself', async () => {
    expect((await exchange()).status).toBe(200);
    expect((await readyz()).status).toBe(200);

    await admin(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    await terminateSessions();

    const during = await Promise.all(Array.from({ length: 6 }, () => exchange()));
    for (const r of during) {
      expect(r.status, r.text).toBe(503);
      expect(r.body.error).toBe('temporarily_unavailable');
      expect(r.headers.get('retry-after')).not.toBeNull();
    }
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.database).toEqual({
      ok: false,
      detail: expect.stringMatching(/is read-only \(default_transaction_read_only is on\)$/),
    });
    // Still read-only: still not ready (the probe does not count an answer as ready).
    expect((await readyz()).status).toBe(503);

    await admin(`ALTER DATABASE ${name} RESET default_transaction_read_only`);
    expect(await eventually(async () => (await exchange()).status === 200, 15_000)).toBe(true);
    expect((await readyz()).status).toBe(200);
    expect(
      svc.logs.lines.some((l) => l.msg === 'postgres: database unavailable; replacing connections'),
    ).toBe(true);
  });
});
