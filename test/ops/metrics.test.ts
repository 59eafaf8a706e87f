/**
 * /metrics (issue 14 §1) scraped while things happen: a first-hop login, exchanges (allowed,
 * denied, DPoP, a replayed DPoP proof), a policy reload and a NATS outage, each moving the series
 * it should; then a two-worker process whose counters are summed over its workers.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBundlePath } from '../../src/config/paths.js';
import { createTestNatsServer, type TestNatsServer } from '../audit/nats-server.js';
import { PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';
import { ACCESS_TOKEN, buildPolicyVariant, eventually, post, TOKEN_EXCHANGE } from '../helpers/exchange.js';
import { dpopProof, firstHop } from './flow.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { spawnMandate, type MandateProcess } from '../helpers/process.js';
import { API, basic, form, SECRETS, startTestService, type TestService } from '../helpers/service.js';

type Series = Map<string, number>;

/** `name{labels}` → value; HELP lines kept apart to check every metric has one. */
async function scrape(url: string): Promise<{ series: Series; help: Set<string>; names: Set<string> }> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics ${res.status}: ${await res.text()}`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const series: Series = new Map();
  const help = new Set<string>();
  const names = new Set<string>();
  for (const line of (await res.text()).split('\n')) {
    const h = /^# HELP (\S+) \S/.exec(line);
    if (h) help.add(h[1]!);
    const t = /^# TYPE (\S+) /.exec(line);
    if (t) names.add(t[1]!);
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    series.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return { series, help, names };
}
const v = (s: Series, key: string): number => s.get(key) ?? 0;

describe('/metrics in one process', () => {
  let svc: TestService;
  let nats: TestNatsServer;
  let dir: string;
  let bundlePath: string;
  beforeAll(async () => {
    nats = await createTestNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'mandate-metrics-'));
    bundlePath = join(dir, 'bundle.tar.gz');
    copyFileSync(defaultBundlePath(), bundlePath);
    svc = await startTestService({
      clients: [PUBLIC_CLIENT],
      resources: RESOURCES,
      env: { NATS_URL: nats.url, MANDATE_POLICY_BUNDLE: bundlePath },
    });
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    await nats?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves with a login, exchanges, a replay, a policy reload and a NATS outage', async () => {
    const before = await scrape(svc.url);
    // Every metric has help text; Node's process metrics are there.
    for (const n of before.names) expect(before.help, n).toContain(n);
    expect(before.names).toContain('process_cpu_user_seconds_total');
    expect(before.names).toContain('nodejs_eventloop_lag_seconds');

    const { redeemed } = await firstHop(svc);
    expect(redeemed.status).toBe(200);
    const exchange = {
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      subject_token: String(redeemed.body.access_token),
      resource: API.salesforce,
      scope: 'crm.read',
    };
    const authorization = basic('mcp-salesforce', SECRETS.salesforce);
    expect((await post(svc.tokenEndpoint, form(exchange), { authorization })).status).toBe(200);
    const denied = await post(svc.tokenEndpoint, form({ ...exchange, resource: API.workday }), {
      authorization,
    });
    expect(denied.status).toBe(400);
    const proof = await dpopProof(svc.tokenEndpoint);
    expect((await post(svc.tokenEndpoint, form(exchange), { authorization, dpop: proof })).status).toBe(200);
    const replayed = await post(svc.tokenEndpoint, form(exchange), { authorization, dpop: proof });
    expect(replayed.status).toBe(400);

    const after = (await scrape(svc.url)).series;
    const d = (key: string) => v(after, key) - v(before.series, key);
    expect(
      d('mandate_token_responses_total{grant_type="authorization_code",outcome="issued",error=""}'),
    ).toBe(1);
    expect(d(`mandate_token_responses_total{grant_type="${TOKEN_EXCHANGE}",outcome="issued",error=""}`)).toBe(
      2,
    );
    expect(
      d(
        `mandate_token_responses_total{grant_type="${TOKEN_EXCHANGE}",outcome="error",error="${String(denied.body.error)}"}`,
      ) + (denied.body.error === replayed.body.error ? -1 : 0),
    ).toBe(1);
    expect(
      d(
        `mandate_token_responses_total{grant_type="${TOKEN_EXCHANGE}",outcome="error",error="${String(replayed.body.error)}"}`,
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(d('mandate_replay_refusals_total{kind="dpop"}')).toBe(1);
    expect(d('mandate_policy_decisions_total{action="authorize",outcome="allow"}')).toBeGreaterThanOrEqual(1);
    expect(d('mandate_policy_decisions_total{action="token_exchange",outcome="allow"}')).toBe(2);
    expect(
      d('mandate_policy_decisions_total{action="token_exchange",outcome="deny"}'),
    ).toBeGreaterThanOrEqual(denied.body.error === 'invalid_target' ? 0 : 1);
    expect(
      d('mandate_policy_decision_duration_seconds_count{action="token_exchange"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(d('mandate_http_requests_total{route="/token",method="POST",status="200"}')).toBe(3);
    expect(d('mandate_http_request_duration_seconds_count{route="/token"}')).toBe(5);
    expect(v(after, 'mandate_db_query_errors_total')).toBe(0);

    // The audit relay delivered the events to JetStream.
    expect(
      await eventually(async () => {
        const s = (await scrape(svc.url)).series;
        return v(s, 'mandate_audit_outbox_pending') === 0 && v(s, 'mandate_audit_relay_published_total') > 0;
      }, 30_000),
    ).toBe(true);

    // A policy reload: the bundle info changes revision, the reload is counted.
    const revision = [...after.keys()].find((k) => k.startsWith('mandate_policy_bundle_info{'));
    expect(revision).toBeDefined();
    await buildPolicyVariant(bundlePath, (data) => void data, 'metrics-test-variant');
    expect(
      await eventually(async () => {
        const s = (await scrape(svc.url)).series;
        return (
          v(s, 'mandate_policy_reloads_total{outcome="loaded"}') >= 1 &&
          [...s.keys()].some((k) =>
            k.startsWith('mandate_policy_bundle_info{revision="metrics-test-variant"'),
          )
        );
      }, 60_000),
    ).toBe(true);

    // NATS down: exchanges go on, events wait in the outbox, the relay is down and counts errors.
    await nats.stop();
    expect((await post(svc.tokenEndpoint, form(exchange), { authorization })).status).toBe(200);
    expect(
      await eventually(async () => {
        const s = (await scrape(svc.url)).series;
        return (
          v(s, 'mandate_audit_outbox_pending') >= 1 &&
          v(s, 'mandate_audit_relay_up') === 0 &&
          v(s, 'mandate_audit_relay_errors_total') >= 1
        );
      }, 60_000),
    ).toBe(true);
    await nats.start();
    expect(
      await eventually(async () => {
        const s = (await scrape(svc.url)).series;
        return v(s, 'mandate_audit_outbox_pending') === 0 && v(s, 'mandate_audit_relay_up') === 1;
      }, 60_000),
    ).toBe(true);
  }, 240_000);
});

describe('/metrics with two workers', () => {
  let db: TestDatabase;
  let proc: MandateProcess;
  beforeAll(async () => {
    db = await createTestDatabase();
    proc = await spawnMandate({ databaseUrl: db.url, env: { MANDATE_WORKERS: '2' } });
  }, 180_000);
  afterAll(async () => {
    await proc?.remove();
    await db?.drop();
  });

  it('sums the workers: every request counted once, whichever worker answered it or the scrape', async () => {
    // Requests on new connections until the logs show both workers answering: the second worker
    // may still be starting when the first is ready (seen on a quiet machine, where the first
    // 24 requests all went to one worker).
    const pids = new Set<number>();
    const readPids = () => {
      for (const line of proc.logs) {
        try {
          const l = JSON.parse(line) as { msg?: string; route?: string; pid?: number };
          if (l.msg === 'request' && l.route === '/healthz' && l.pid !== undefined) pids.add(l.pid);
        } catch {
          // not JSON
        }
      }
    };
    let N = 0;
    const deadline = Date.now() + 60_000;
    while (N < 24 || (pids.size < 2 && Date.now() < deadline)) {
      expect((await fetch(`${proc.url}/healthz`, { headers: { connection: 'close' } })).status).toBe(200);
      N++;
      if (N >= 24) {
        await new Promise((r) => setTimeout(r, 50));
        readPids();
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    readPids();
    // Several scrapes, over new connections, so that both workers answer some.
    for (let i = 0; i < 4; i++) {
      const { series } = await scrape(proc.url).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${proc.logs.join('\n')}`);
      });
      expect(
        v(series, 'mandate_http_requests_total{route="/healthz",method="GET",status="200"}'),
      ).toBeGreaterThanOrEqual(N);
      expect(
        v(series, 'mandate_http_requests_total{route="/healthz",method="GET",status="200"}'),
      ).toBeLessThan(N + 10);
    }
    // Both workers answered some: a sum of N proves the primary added them up.
    expect(pids.size).toBe(2);
  }, 120_000);
});
