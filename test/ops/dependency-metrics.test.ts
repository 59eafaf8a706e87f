/**
 * The dependency series of /metrics (issue 14 §1) on a real Mandate over real Postgres: the
 * connection pool's use and size, and Client ID Metadata Document fetches by outcome against a
 * real HTTPS document server (a good document, a 404, a redirect, a host that is too slow; a cache
 * hit is not a fetch).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDocServer, type DocServer } from '../helpers/doc-server.js';
import { form, startTestService, type TestService } from '../helpers/service.js';
import { createTestCert, type TestCert } from '../helpers/tls.js';

let cert: TestCert;
let docs: DocServer;
let svc: TestService;

beforeAll(async () => {
  cert = await createTestCert();
  docs = await startDocServer(cert);
  svc = await startTestService({
    env: {
      MANDATE_CIMD_ALLOWED_HOSTS: 'localhost',
      MANDATE_CIMD_CA_FILE: cert.certPath,
      MANDATE_CIMD_TIMEOUT_MS: '1000',
    },
  });
}, 120_000);
afterAll(async () => {
  await svc?.close();
  await docs?.close();
  await cert?.dispose();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${svc.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one series (labels exactly as written), or undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A token request naming `clientId` unauthenticated: the client lookup fetches its document. */
const lookup = (clientId: string) =>
  fetch(svc.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', client_id: clientId }),
  });

describe('dependency metrics', () => {
  it('report the database pool: its size, connections in use and idle, callers waiting', async () => {
    const text = await scrape();
    expect(text).toContain('# HELP mandate_db_pool_connections ');
    expect(value(text, 'mandate_db_pool_max_connections')).toBe(10); // pg's default: Mandate does not set one
    const inUse = value(text, 'mandate_db_pool_connections{state="in_use"}')!;
    const idle = value(text, 'mandate_db_pool_connections{state="idle"}')!;
    expect(inUse).toBeGreaterThanOrEqual(0);
    // The service has run statements: some connection is open, and never more than the pool's size.
    expect(inUse + idle).toBeGreaterThan(0);
    expect(inUse + idle).toBeLessThanOrEqual(10);
    // Callers whose connection is still being opened count as waiting (pg-pool), so only its presence.
    expect(value(text, 'mandate_db_pool_waiting')).toBeGreaterThanOrEqual(0);
  });

  it('count metadata document fetches by outcome, not cache hits', async () => {
    const ok = docs.url('/m/ok.json');
    docs.route('/m/ok.json', {
      body: {
        client_id: ok,
        client_name: 'M',
        redirect_uris: ['http://127.0.0.1:1/cb'],
        token_endpoint_auth_method: 'none',
      },
      headers: { 'cache-control': 'max-age=3600' },
    });
    docs.route('/m/moved.json', { status: 302, headers: { location: 'https://elsewhere.example/' } });
    docs.route('/m/slow.json', { delayMs: 3000, body: {} });
    const series = (outcome: string) =>
      `mandate_cimd_fetches_total{target="metadata_document",outcome="${outcome}"}`;
    const before = await scrape();

    expect((await lookup(ok)).status).toBe(401); // found, then refused by the grant: a public client
    expect((await lookup(ok)).status).toBe(401); // from the cache
    expect((await lookup(docs.url('/m/missing.json'))).status).toBe(401);
    expect((await lookup(docs.url('/m/moved.json'))).status).toBe(401);
    expect((await lookup(docs.url('/m/slow.json'))).status).toBe(503);

    const after = await scrape();
    const moved = (outcome: string) =>
      (value(after, series(outcome)) ?? 0) - (value(before, series(outcome)) ?? 0);
    expect(docs.hits('/m/ok.json')).toBe(1);
    expect(moved('ok')).toBe(1);
    expect(moved('status_4xx')).toBe(1);
    expect(moved('redirect')).toBe(1);
    expect(moved('timeout')).toBe(1);
    expect(after).toContain('# HELP mandate_cimd_fetches_total ');
  });
});
