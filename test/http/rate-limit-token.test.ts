/**
 * The token endpoint's rate limit per client (issue 14 §4), on two real Mandates sharing one
 * Postgres: a concurrent burst spread over both gets exactly the shared budget through and 429 +
 * Retry-After + OAuth JSON for the rest, whichever instance answers; another client keeps its own
 * budget; each refusal is in the audit outbox and in /metrics. When the counter is slow (its row
 * locked) or fails (its table gone), requests are answered as if there were no limit, with one log
 * line (fail open, ADR 0010).
 */
import { randomBytes } from 'node:crypto';
import { createExchangeClient, ExchangeUnavailableError } from '@mandate/mcp-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTER_DEADLINE_MS } from '../../src/oauth/rate-limit.js';
import {
  API,
  basic,
  form,
  SECRETS,
  startTestService,
  testConfigFile,
  type TestService,
} from '../helpers/service.js';
import {
  ACCESS_TOKEN,
  post,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
} from '../helpers/exchange.js';

const LIMIT = 4;
// One KEK for both instances: they share the signing keys sealed in the database.
const env = { MANDATE_RATE_LIMIT_TOKEN: `${LIMIT}/1h`, MANDATE_KEK: randomBytes(32).toString('base64url') };

/** A token exchange at `svc` with a subject token of `a`'s IdP, which both instances trust. */
async function exchange(svc: TestService, a: TestService) {
  return salesforceExchange(svc, { subject_token: await a.idp.mint(subjectClaims(a)), scope: 'crm.read' });
}

/** mcp-workday (client_secret_post) asking for a token: counted against its own budget. */
function workdayRequest(svc: TestService) {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      subject_token: 'not-a-token',
      resource: API.workday,
      client_id: 'mcp-workday',
      client_secret: SECRETS.workday,
    }),
  );
}

describe('token endpoint rate limit shared by two instances', () => {
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    a = await startTestService({ env });
    // The second instance's configuration file names the first one's IdP: syncing its own would
    // replace the trusted issuers both read from the database.
    b = await startTestService({ env, db: a.db, configFile: () => testConfigFile(a.idp) });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('lets the budget through once across both and answers the rest 429 with Retry-After', async () => {
    const burst = await Promise.all(Array.from({ length: 3 * LIMIT }, (_, i) => exchange(i % 2 ? b : a, a)));
    const refused = burst.filter((r) => r.status === 429);
    const passed = burst.filter((r) => r.status !== 429);
    expect(passed.map((r) => r.status)).toEqual(Array(LIMIT).fill(200));
    expect(refused).toHaveLength(2 * LIMIT);
    for (const r of refused) {
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
      expect(r.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: `too many requests; retry after ${retryAfter} seconds`,
      });
      expect(r.headers.get('cache-control')).toBe('no-store');
    }
    // Both instances refused some: the budget is the database's, not each process's.
    const byInstance = [0, 1].map((k) => burst.filter((r, i) => i % 2 === k && r.status === 429).length);
    expect(byInstance.every((n) => n > 0)).toBe(true);

    // Another client has its own budget: its (bad) request is answered, not refused by the limit.
    const other = await workdayRequest(b);
    expect([other.status, other.body.error]).toEqual([400, 'invalid_grant']);
    expect((await exchange(b, a)).status).toBe(429);
    // A request whose client fails authentication spends nobody's budget and is answered as before.
    const wrong = await post(a.tokenEndpoint, form({ grant_type: TOKEN_EXCHANGE }), {
      authorization: basic('mcp-salesforce', 'not-the-secret-0123456789abcdefghijkl'),
    });
    expect(wrong.status).toBe(401);

    const refusals = await a.db.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM outbox WHERE event::text LIKE '%"rate_limited_token"%'`,
    );
    const scrapes = [await a.service.metrics.text(), await b.service.metrics.text()];
    const counted = scrapes.map((t) =>
      Number(/mandate_rate_limit_refusals_total\{limit="token"\} (\d+)/.exec(t)?.[1] ?? 0),
    );
    // The burst's refusals and the one after the other client's request.
    expect(counted[0]! + counted[1]!).toBe(2 * LIMIT + 1);
    expect(Number(refusals.rows[0]?.n)).toBe(2 * LIMIT + 1);
  });

  it("reaches an MCP server through the kit's exchange client as ExchangeUnavailableError with Retry-After", async () => {
    const kit = createExchangeClient({
      issuer: a.issuer,
      clientId: 'mcp-salesforce',
      clientSecret: SECRETS.salesforce,
      services: { salesforce: { resource: API.salesforce } },
    });
    const err = (await kit
      .getDownstreamToken(await a.idp.mint(subjectClaims(a)), 'salesforce', ['crm.read'])
      .catch((e: unknown) => e)) as ExchangeUnavailableError;
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect([err.status, err.error]).toEqual([429, 'temporarily_unavailable']);
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(err.explain()).toContain(`try again in ${err.retryAfterSeconds} seconds`);
  });

  it('fails open when the counter is slow: a held row lock delays the request by the 1 s deadline, no more', async () => {
    // mcp-salesforce is past its budget (the burst above): an answer other than 429 is the limit
    // not applied. Another session holds the lock of its counter row, as a stuck statement would.
    const holder = new pg.Client({ connectionString: a.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT hits FROM rate_limits WHERE name = 'token' AND key = 'mcp-salesforce' FOR UPDATE`,
      );
      const started = Date.now();
      const res = await exchange(b, a);
      const took = Date.now() - started;
      expect(res.status).toBe(200);
      expect(took).toBeGreaterThanOrEqual(COUNTER_DEADLINE_MS - 50);
      expect(took).toBeLessThan(COUNTER_DEADLINE_MS + 4000);
      expect(b.logs.lines.filter((l) => l.msg.startsWith('rate limit not applied'))).toHaveLength(1);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // The lock gone, the limit applies again.
    expect((await exchange(b, a)).status).toBe(429);
  });

  it('fails open when the counter cannot count: requests are answered, one warning is logged', async () => {
    await a.db.db.query('DROP TABLE rate_limits');
    const results = await Promise.all(Array.from({ length: 3 }, () => exchange(a, a)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const warnings = a.logs.lines.filter((l) => l.msg.startsWith('rate limit not applied'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.fields).toMatchObject({ limit: 'token' });
    expect(await a.service.metrics.text()).toMatch(/mandate_rate_limit_failures_total\{limit="token"\} 3/);
  });
});
