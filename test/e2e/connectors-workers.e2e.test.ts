/**
 * Connector metrics with two workers (issue 16 §4, docs/operations.md#metrics): a real Mandate
 * process with MANDATE_WORKERS=2 (node:cluster, one port) and a `salesforce` connector to the
 * emulator of Salesforce's token endpoint. Exchanges over new connections reach both workers; each
 * worker keeps its own cache, so alice's token is fetched at most once per worker. Every scrape,
 * whichever worker answers it, counts the cluster: issued + cached = alice's exchanges, issued =
 * the emulator's calls for alice, refused = carol's (each a downstream call: refusals are not
 * cached), unavailable = the outage's, and the downstream call histogram's count = every call the
 * emulator received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../examples/apis/salesforce-login.js';
import { nowSeconds, post, TOKEN_EXCHANGE, ACCESS_TOKEN } from '../helpers/exchange.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { answeringPids, spawnMandate, waitForListening, type MandateProcess } from '../helpers/process.js';
import { API, basic, form, MCP, SECRETS } from '../helpers/service.js';
import { startSalesforceSide, trustActiveKey } from './connector-stack.js';

const ALICE = 24;
const CAROL = 3;
const OUTAGE = 2;

describe('connector metrics with two workers', () => {
  let db: TestDatabase;
  let emu: SalesforceEmulator;
  let proc: MandateProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    const side = await startSalesforceSide({
      name: 'workers',
      users: {
        alice: { approved: true, userId: '0055e000001AliceAAA' },
        carol: { approved: false, userId: '0055e000001CarolAAA' },
      },
      connector: { token_lifetime_seconds: 900, timeout_ms: 1_000 },
    });
    emu = side.emu;
    proc = await spawnMandate({
      databaseUrl: db.url,
      env: { MANDATE_WORKERS: '2', MANDATE_POLICY_BUNDLE: side.bundle },
      connectors: [side.connector],
    });
    // Both workers, before the first exchange: /readyz answers once the first one listens.
    await waitForListening(proc, 2);
    await trustActiveKey(emu, db.db);
  }, 180_000);
  afterAll(async () => {
    await proc?.remove();
    await emu?.close();
    await db?.drop();
  });

  /** One exchange on a new connection, so that either worker may answer. */
  const exchange = async (sub: string, scope: string) => {
    const now = nowSeconds();
    const subject = await proc.idp.mint(
      {
        iss: proc.idp.issuer,
        sub,
        aud: MCP.salesforce,
        client_id: 'claude-desktop',
        groups: ['sales'],
        scope: 'crm.read crm.write',
        iat: now,
        exp: now + 600,
        jti: `subj-${Math.random().toString(36).slice(2)}`,
      },
      { typ: 'at+jwt' },
    );
    return post(
      proc.tokenEndpoint,
      form({
        grant_type: TOKEN_EXCHANGE,
        subject_token_type: ACCESS_TOKEN,
        subject_token: subject,
        resource: API.salesforce,
        scope,
      }),
      { authorization: basic('mcp-salesforce', SECRETS.salesforce), connection: 'close' },
    );
  };

  /** The pids of the workers that answered /token. */
  const tokenPids = (): Set<number> => answeringPids(proc, '/token');

  const scrape = async (): Promise<Map<string, number>> => {
    const res = await fetch(`${proc.url}/metrics`, { headers: { connection: 'close' } });
    expect(res.status).toBe(200);
    const out = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      const m = /^(mandate_connector_\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
      if (m !== null) out.set(m[1]!, Number(m[2]));
    }
    return out;
  };
  const requests = (outcome: string) =>
    `mandate_connector_requests_total{service="salesforce",kind="salesforce",outcome="${outcome}"}`;
  const calls = 'mandate_connector_request_duration_seconds_count{service="salesforce",kind="salesforce"}';

  it('sums both workers’ connector counters and downstream call timings on every scrape', async () => {
    for (let i = 0; i < ALICE; i++) {
      const res = await exchange('alice', 'crm.read');
      expect(res.status, res.text).toBe(200);
    }
    for (let i = 0; i < CAROL; i++) expect((await exchange('carol', 'crm.read')).status).toBe(400);
    emu.mode = 'down';
    for (let i = 0; i < OUTAGE; i++) expect((await exchange('alice', 'crm.write')).status).toBe(503);
    emu.mode = 'up';
    await new Promise((r) => setTimeout(r, 200)); // the last request log lines
    expect(tokenPids().size, 'both workers answered exchanges').toBe(2);

    const forAlice = emu.issued.filter((t) => t.username === 'alice@acme.example').length;
    expect(emu.requests.length).toBe(forAlice + CAROL + OUTAGE);
    expect(forAlice).toBeGreaterThanOrEqual(1); // one per worker that served alice, at most
    expect(forAlice).toBeLessThanOrEqual(2);
    for (let i = 0; i < 4; i++) {
      const m = await scrape();
      expect(m.get(requests('issued'))).toBe(forAlice);
      expect(m.get(requests('cached'))).toBe(ALICE - forAlice);
      expect(m.get(requests('refused'))).toBe(CAROL);
      expect(m.get(requests('unavailable'))).toBe(OUTAGE);
      expect(m.get(calls)).toBe(emu.requests.length);
      const inf = `mandate_connector_request_duration_seconds_bucket{le="+Inf",service="salesforce",kind="salesforce"}`;
      expect(m.get(inf)).toBe(emu.requests.length);
    }
  }, 120_000);
});
