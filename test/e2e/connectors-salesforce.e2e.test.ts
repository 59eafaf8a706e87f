/**
 * The `salesforce` connector end to end (issue 16, ADR 0013): an MCP server's unchanged token
 * exchange for the Salesforce API returns the access token an emulator of Salesforce's token
 * endpoint issued for exactly the user the policy mapped, with `instance_url` and `id` passed
 * through; the emulator checks the JWT Bearer Flow's assertion against the certificate Mandate
 * generated for the connected app. Caching (counted downstream calls, refresh near expiry),
 * refusals with no downstream call, a downstream refusal naming Salesforce's error, an outage
 * and a hung endpoint answered 503 with Retry-After, and no assertion, downstream token or
 * private key in the pino log lines or the audit events; every connector exchange is one token
 * event in the audit chain, which verifies.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyPostgres } from '../../src/audit/verify.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import {
  connectorKeyMaterial,
  expectNoLeak,
  outboxText,
  pinoLines,
  TEST_KEK,
} from '../helpers/connector-leaks.js';
import {
  ACCESS_TOKEN,
  buildPolicyVariant,
  nowSeconds,
  salesforceExchange,
  subjectClaims,
} from '../helpers/exchange.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../examples/apis/salesforce-login.js';
import { API, startTestService, type TestService } from '../helpers/service.js';

const CONSUMER_KEY = '3MVG9test.consumer.key.for.mandate';

interface OutboxEvent {
  type: string;
  data: { sub?: string; error?: string; reason?: string; downstream?: Record<string, unknown> };
}

describe('salesforce connector against an emulator of Salesforce’s token endpoint', () => {
  let emu: SalesforceEmulator;
  let svc: TestService;
  let clock = 0; // seconds added to the real clock (refresh near expiry)
  const pino = pinoLines();
  /** Every exchange's answer, for the audit's count at the end. */
  const answers: { status: number; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    emu = await startSalesforceEmulator({
      consumerKey: CONSUMER_KEY,
      now: () => nowSeconds() + clock,
      users: {
        'alice@acme.example': { approved: true, userId: '0055e000001AliceAAA' },
        'carol@acme.example': { approved: false, userId: '0055e000001CarolAAA' },
      },
    });
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), 'mandate-sf-connector-')), 'bundle.tar.gz'),
      (data) => {
        data.downstream_subjects = {
          salesforce: { alice: 'alice@acme.example', carol: 'carol@acme.example' },
        };
      },
      'salesforce-connector-test',
    );
    svc = await startTestService({
      env: { MANDATE_POLICY_BUNDLE: bundle, MANDATE_KEK: TEST_KEK },
      log: pino.log,
      now: () => nowSeconds() + clock,
      connectors: [
        {
          service: 'salesforce',
          resource: API.salesforce,
          audiences: ['salesforce'],
          kind: 'salesforce',
          consumer_key: CONSUMER_KEY,
          login_url: emu.loginUrl,
          token_lifetime_seconds: 600,
          refresh_before_seconds: 60,
          timeout_ms: 500,
          retry_after_seconds: 7,
        },
      ],
    });
    // The connected app's certificate, as `mandate connectors cert salesforce` prints it.
    const [active] = await listConnectorKeys(svc.db.db, 'salesforce');
    expect(active?.state).toBe('active');
    emu.setCertificate(active!.certificatePem);
  }, 60_000);
  afterEach(() => {
    clock = 0;
    emu.mode = 'up';
  });
  afterAll(async () => {
    await svc?.close();
    await emu?.close();
  });

  const exchange = async (sub: string, scope: string) => {
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(
        subjectClaims(svc, { sub, iat: nowSeconds() + clock, exp: nowSeconds() + clock + 3600 }),
        { typ: 'at+jwt' },
      ),
      scope,
    });
    answers.push(res);
    return res;
  };

  const events = async (): Promise<OutboxEvent[]> =>
    (await svc.db.db.query<{ event: OutboxEvent }>('SELECT event FROM outbox ORDER BY sequence')).rows.map(
      (r) => r.event,
    );

  it('answers the unchanged exchange with Salesforce’s token for the mapped user, instance_url and id passed through', async () => {
    const res = await exchange('alice', 'crm.read');
    expect(res.status, res.text).toBe(200);
    expect(emu.issued).toHaveLength(1);
    expect(res.body).toEqual({
      access_token: emu.issued[0]!.token,
      issued_token_type: ACCESS_TOKEN,
      token_type: 'Bearer',
      expires_in: 600,
      scope: 'api id web',
      instance_url: 'https://acme.my.salesforce.com',
      id: `${emu.loginUrl}/id/${emu.orgId}/0055e000001AliceAAA`,
    });
    // The JWT Bearer Flow's conventions exactly: header alg only, iss/sub/aud/exp only.
    const [{ header, claims }] = emu.assertions as [{ header: object; claims: Record<string, unknown> }];
    expect(header).toEqual({ alg: 'RS256' });
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iss', 'sub']);
    expect(claims).toMatchObject({ iss: CONSUMER_KEY, sub: 'alice@acme.example', aud: emu.loginUrl });
    expect((claims.exp as number) - nowSeconds()).toBeLessThanOrEqual(180);
    expect((claims.exp as number) - nowSeconds()).toBeGreaterThan(60);
    expect(Object.keys(emu.requests[0]!).sort()).toEqual(['assertion', 'grant_type']);

    const issued = (await events()).filter((e) => e.type === 'dev.mandate.token.issued').at(-1);
    expect(issued?.data.downstream).toEqual({
      service: 'salesforce',
      kind: 'salesforce',
      subject: 'alice@acme.example',
      cached: false,
    });
  });

  it('reuses the cached token for the same user and scopes, and refreshes it near expiry', async () => {
    const before = emu.requests.length;
    const again = await exchange('alice', 'crm.read');
    expect(again.status).toBe(200);
    expect(again.body.access_token).toBe(emu.issued[0]!.token);
    expect(emu.requests.length).toBe(before);
    expect(
      (await events()).filter((e) => e.type === 'dev.mandate.token.issued').at(-1)?.data.downstream?.cached,
    ).toBe(true);

    // Concurrent misses for one key share one downstream call (other scopes: another key).
    const burst = await Promise.all([1, 2, 3, 4].map(() => exchange('alice', 'crm.read crm.write')));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(burst.map((r) => r.body.access_token)).size).toBe(1);
    expect(emu.requests.length).toBe(before + 1);

    clock = 530; // 70 s before the first token expires: still reused, with what is left of its life
    const late = await exchange('alice', 'crm.read');
    expect(late.body.access_token).toBe(emu.issued[0]!.token);
    expect(late.body.expires_in).toBeLessThanOrEqual(70);
    expect(emu.requests.length).toBe(before + 1);

    clock = 545; // within refresh_before_seconds (60) of expiry: a fresh one
    const fresh = await exchange('alice', 'crm.read');
    expect(fresh.status).toBe(200);
    expect(fresh.body.access_token).not.toBe(emu.issued[0]!.token);
    expect(fresh.body.expires_in).toBe(600);
    expect(emu.requests.length).toBe(before + 2);
  });

  it('refuses a user the policy does not map, with no downstream call', async () => {
    const before = emu.requests.length;
    const res = await exchange('bob', 'crm.read');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
    expect(res.body.error_description).toContain('no salesforce identity is mapped for bob');
    expect(emu.requests.length).toBe(before);
  });

  it('names Salesforce’s own error when it refuses the user', async () => {
    const res = await exchange('carol', 'crm.read');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
    expect(res.body.error_description).toBe(
      "salesforce's authorization server refused the token (invalid_grant: user hasn't approved this consumer)",
    );
    const refused = (await events()).filter((e) => e.type === 'dev.mandate.token.refused').at(-1);
    expect(refused?.data).toMatchObject({
      sub: 'carol',
      error: 'invalid_target',
      reason: 'downstream_refused',
      downstream: {
        service: 'salesforce',
        kind: 'salesforce',
        subject: 'carol@acme.example',
        error: 'invalid_grant',
        error_description: "user hasn't approved this consumer",
      },
    });
  });

  it('answers a downstream outage and a hung endpoint with 503 temporarily_unavailable and Retry-After', async () => {
    emu.mode = 'down';
    const down = await exchange('alice', 'crm.write');
    expect(down.status).toBe(503);
    expect(down.body.error).toBe('temporarily_unavailable');
    expect(down.headers.get('retry-after')).toBe('7');

    emu.mode = 'hang';
    const started = Date.now();
    const hung = await exchange('alice', 'crm.write');
    expect(hung.status).toBe(503);
    expect(hung.headers.get('retry-after')).toBe('7');
    expect(Date.now() - started).toBeLessThan(3_000); // timeout_ms 500, not the socket's default
    emu.mode = 'up';
    // Failures are not cached: the next exchange asks again and gets a token.
    const ok = await exchange('alice', 'crm.write');
    expect(ok.status).toBe(200);
    const outage = (await events()).filter(
      (e) => e.type === 'dev.mandate.token.refused' && e.data.reason === 'downstream_unavailable',
    );
    expect(outage.length).toBeGreaterThanOrEqual(2);
  });

  /** The connector series of /metrics, as `name{labels} value` lines keyed by name and labels. */
  const scrape = async (): Promise<Map<string, number>> => {
    const res = await fetch(`${svc.url}/metrics`);
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

  it('counts issued, cached, refused and unavailable exchanges and times the downstream calls in /metrics', async () => {
    clock = 5_000; // every token held so far has expired: the next one is fetched
    const before = await scrape();
    const delta = (after: Map<string, number>, k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect((await exchange('alice', 'crm.read')).status).toBe(200); // issued
    expect((await exchange('alice', 'crm.read')).body.access_token).toBe(emu.issued.at(-1)!.token); // cached
    // The policy refuses bob (no mapping): a decision, counted in mandate_policy_decisions_total.
    expect((await exchange('bob', 'crm.read')).status).toBe(400);
    expect((await exchange('carol', 'crm.read')).status).toBe(400); // refused downstream
    emu.mode = 'down';
    expect((await exchange('alice', 'crm.write')).status).toBe(503); // unavailable
    const after = await scrape();
    expect(delta(after, requests('issued'))).toBe(1);
    expect(delta(after, requests('cached'))).toBe(1);
    expect(delta(after, requests('refused'))).toBe(1);
    expect(delta(after, requests('unavailable'))).toBe(1);
    expect(delta(after, calls)).toBe(3); // alice's fresh token, carol's refusal, the outage
    const le = (b: string) =>
      `mandate_connector_request_duration_seconds_bucket{le="${b}",service="salesforce",kind="salesforce"}`;
    expect(after.get(le('+Inf'))).toBe(after.get(calls));
  });

  it('writes no assertion, downstream token or private key into the pino logs or the audit events', async () => {
    const logs = pino.lines.join('\n');
    expect(logs).toContain('downstream token refused'); // the capture holds the service's lines
    expect(logs).toContain('"msg":"request"');
    expectNoLeak(
      { 'pino log lines': logs, 'audit events': await outboxText(svc.db.db) },
      {
        assertion: emu.requests.map((r) => r.assertion!),
        'Salesforce token': emu.issued.map((i) => i.token),
        'connector private key': await connectorKeyMaterial(svc.db.db, 'salesforce'),
      },
    );
    expect(emu.requests.length).toBeGreaterThan(4);
  });

  it('records every connector exchange, issued from the cache or fresh, or refused, as one event in a chain that verifies', async () => {
    const report = await verifyPostgres(svc.db.db);
    expect(report.broken).toBeUndefined();
    expect(report.ok).toBe(true);
    // Policy refusals (bob: no mapping) never reach the connector; every other answer did.
    const reached = answers.filter(
      (a) => !String(a.body.error_description).includes('no salesforce identity'),
    );
    const tokens = (await events()).filter((e) => e.data.downstream !== undefined);
    expect(tokens.length).toBe(reached.length);
    expect(tokens.map((e) => e.type)).toEqual(
      reached.map((a) => (a.status === 200 ? 'dev.mandate.token.issued' : 'dev.mandate.token.refused')),
    );
  });
});
