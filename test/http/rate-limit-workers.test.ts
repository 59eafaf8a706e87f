/**
 * Rate limits with MANDATE_WORKERS=2 (a real `src/main.ts` in cluster mode): the workers of one
 * instance share one budget through Postgres, whichever worker a connection lands on, and
 * /metrics sums their refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMandate, type MandateProcess } from '../helpers/process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const BUDGET = 6;

/** Pids of the workers whose request log lines name `route`, with the statuses they answered. */
function answered(proc: MandateProcess, route: string): { pid: number; status: number }[] {
  const out: { pid: number; status: number }[] = [];
  for (const line of proc.logs) {
    try {
      const l = JSON.parse(line) as { msg?: string; route?: string; pid?: number; status?: number };
      if (l.msg === 'request' && l.route === route && l.pid !== undefined)
        out.push({ pid: l.pid, status: l.status ?? 0 });
    } catch {
      // not JSON
    }
  }
  return out;
}

describe('rate limits with two workers', () => {
  let db: TestDatabase;
  let proc: MandateProcess;
  beforeAll(async () => {
    db = await createTestDatabase();
    proc = await spawnMandate({
      databaseUrl: db.url,
      env: { MANDATE_WORKERS: '2', MANDATE_RATE_LIMIT_REGISTER: `${BUDGET}/1h` },
    });
  }, 180_000);
  afterAll(async () => {
    await proc?.remove();
    await db?.drop();
  });

  it('shares one budget between the workers and sums their refusals in /metrics', async () => {
    // New connections until both workers answer (the second may still be starting).
    const deadline = Date.now() + 60_000;
    while (new Set(answered(proc, '/healthz').map((a) => a.pid)).size < 2 && Date.now() < deadline) {
      await fetch(`${proc.url}/healthz`, { headers: { connection: 'close' } });
      await new Promise((r) => setTimeout(r, 20));
    }
    const statuses: number[] = [];
    for (let i = 0; i < 2 * BUDGET; i++) {
      const res = await fetch(`${proc.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ redirect_uris: ['http://localhost:6274/oauth/callback'] }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([...Array<number>(BUDGET).fill(201), ...Array<number>(BUDGET).fill(429)]);
    await new Promise((r) => setTimeout(r, 200));
    const byWorker = answered(proc, '/register');
    // Both workers answered registrations: had each counted alone, twice the budget would pass.
    expect(new Set(byWorker.map((a) => a.pid)).size).toBe(2);
    const scrape = await (await fetch(`${proc.url}/metrics`)).text();
    expect(scrape).toMatch(
      new RegExp(`mandate_rate_limit_refusals_total\\{limit="register"\\} ${BUDGET}\\n`),
    );
  }, 120_000);
});
