/**
 * One audit chain writer per machine (src/audit/cluster-writer.ts), in a real Mandate process with
 * MANDATE_WORKERS=2: both workers answer token exchanges, the primary alone writes the chain, so
 * no commit ever finds the head moved (mandate_audit_chain_conflicts_total stays 0, where a writer
 * per worker had about half its commits conflict); the chain verifies; every token given out has
 * its issuance record and its event; SIGTERM drains through the writer and exits 0. And when the
 * primary is killed mid-load, no token is ever given out without its record, and the workers exit.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { verifyPostgres } from '../../src/audit/verify.js';
import { ACCESS_TOKEN, TOKEN_EXCHANGE, nowSeconds, post } from '../helpers/exchange.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { answeringPids, spawnMandate, type MandateProcess } from '../helpers/process.js';
import { API, MCP, SECRETS, basic, form } from '../helpers/service.js';

const dbs: TestDatabase[] = [];
const procs: MandateProcess[] = [];
afterAll(async () => {
  for (const p of procs) await p.remove();
  for (const d of dbs) await d.drop();
});

async function start(): Promise<{ db: TestDatabase; proc: MandateProcess }> {
  const db = await createTestDatabase();
  dbs.push(db);
  const proc = await spawnMandate({
    databaseUrl: db.url,
    env: { MANDATE_WORKERS: '2', MANDATE_RATE_LIMIT_TOKEN: 'off' },
  });
  procs.push(proc);
  return { db, proc };
}

/** One exchange on a new connection, so that either worker may answer; the token's jti if issued. */
async function exchange(proc: MandateProcess, i: number): Promise<{ status: number; jti?: string }> {
  const subject = await proc.idp.mint(
    {
      iss: proc.idp.issuer,
      sub: `user-${i}`,
      aud: MCP.salesforce,
      client_id: 'claude-desktop',
      groups: ['sales'],
      scope: 'crm.read',
      iat: nowSeconds(),
      exp: nowSeconds() + 600,
    },
    { typ: 'at+jwt' },
  );
  const res = await post(
    proc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      subject_token: subject,
      resource: API.salesforce,
      scope: 'crm.read',
    }),
    { authorization: basic('mcp-salesforce', SECRETS.salesforce), connection: 'close' },
  );
  const token = res.body.access_token;
  return typeof token === 'string'
    ? { status: res.status, jti: String(decodeJwt(token).jti) }
    : { status: res.status };
}

/** The pids of the workers that answered /token. */
const tokenPids = (proc: MandateProcess): Set<number> => answeringPids(proc, '/token');

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

/** The jtis of `jtis` that have no issuance record or no `token.issued` event. */
async function unrecorded(db: TestDatabase, jtis: string[]): Promise<string[]> {
  const res = await db.db.query<{ jti: string }>(
    `SELECT j AS jti FROM unnest($1::text[]) AS j
      WHERE NOT EXISTS (SELECT 1 FROM issued_tokens t WHERE t.jti = j)
         OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event->'data'->>'jti' = j)`,
    [jtis],
  );
  return res.rows.map((r) => r.jti);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('one audit chain writer for two workers', () => {
  it('writes both workers’ exchanges into one chain without conflicts, and drains through it on SIGTERM', async () => {
    const { db, proc } = await start();
    const jtis: string[] = [];
    for (let round = 0; round < 20 && (tokenPids(proc).size < 2 || jtis.length < 120); round++) {
      const results = await Promise.all(Array.from({ length: 12 }, (_, k) => exchange(proc, round * 12 + k)));
      for (const r of results) {
        expect(r.status).toBe(200);
        jtis.push(r.jti!);
      }
    }
    expect(tokenPids(proc).size).toBe(2);
    const scrape = await (await fetch(`${proc.url}/metrics`, { headers: { connection: 'close' } })).text();
    const commits = metric(scrape, 'mandate_audit_commits_total');
    expect(commits).toBeGreaterThan(0);
    expect(commits).toBeLessThanOrEqual(jtis.length);
    expect(metric(scrape, 'mandate_audit_chain_conflicts_total')).toBe(0);
    expect(metric(scrape, 'mandate_audit_chain_locked_total')).toBe(0);
    expect(proc.logs.some((l) => l.includes('audit: one chain writer for the workers of this machine'))).toBe(
      true,
    );
    // One relay wakes on every commit, the other stands by.
    const relays = proc.logs.filter((l) => l.includes('"msg":"audit: relaying to'));
    expect(relays.map((l) => (JSON.parse(l) as { standby?: boolean }).standby).sort()).toEqual([false, true]);

    // While a last wave is in flight, SIGTERM: what is answered 200 is recorded, and the exit is clean.
    const wave = Promise.all(
      Array.from({ length: 12 }, (_, k) => exchange(proc, 1_000 + k).catch(() => ({ status: 0 }))),
    );
    await new Promise((r) => setTimeout(r, 30));
    proc.kill('SIGTERM');
    for (const r of await wave) if ('jti' in r && r.jti !== undefined) jtis.push(r.jti);
    expect(await proc.exited).toBe(0);
    expect(await unrecorded(db, jtis)).toEqual([]);
    expect((await verifyPostgres(db.db)).ok).toBe(true);
  }, 180_000);

  it('gives out no token without its record when the primary is killed mid-load, and the workers exit', async () => {
    const { db, proc } = await start();
    while (tokenPids(proc).size < 2) await exchange(proc, 0);
    const workers = [...tokenPids(proc)];
    const issued: string[] = [];
    let killed = false;
    const loop = async (i: number) => {
      // Requests in flight when the primary dies finish (one way or another); then the loop ends.
      for (let k = 0; !killed; k++) {
        const r = await exchange(proc, i * 1_000 + k).catch(() => ({ status: 0 }));
        if ('jti' in r && r.jti !== undefined) issued.push(r.jti);
      }
    };
    const loops = Array.from({ length: 8 }, (_, i) => loop(i));
    while (issued.length < 40) await new Promise((r) => setTimeout(r, 10));
    proc.kill('SIGKILL');
    killed = true;
    await Promise.all(loops);
    expect(await unrecorded(db, issued)).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (workers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(workers.filter(alive)).toEqual([]);
    expect((await verifyPostgres(db.db)).ok).toBe(true);
  }, 180_000);
});
