/**
 * The SSRF-safe fetcher against a real HTTPS server (a test CA, its host allowed): every refusal is
 * a FetchFailure with its catalogued reason and whether it is an outage (retry later) or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FetchFailure,
  fetchJson,
  type SafeFetchOptions,
} from '../../../../src/oauth/clients/cimd/safe-fetch.js';
import { startDocServer, type DocServer } from '../../../helpers/doc-server.js';
import { createTestCert, type TestCert } from '../../../helpers/tls.js';

let cert: TestCert;
let docs: DocServer;
let opts: SafeFetchOptions;

beforeAll(async () => {
  cert = await createTestCert();
  docs = await startDocServer(cert);
  opts = { timeoutMs: 2500, maxBytes: 1024, allowedHosts: new Set(['localhost']), ca: cert.cert };
});
afterAll(async () => {
  await docs?.close();
  await cert?.dispose();
});

async function failure(url: string, o: Partial<SafeFetchOptions> = {}): Promise<FetchFailure> {
  const err: unknown = await fetchJson(new URL(url), { ...opts, ...o }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchFailure);
  return err as FetchFailure;
}

describe('fetchJson', () => {
  it('returns the parsed body and Cache-Control of a JSON document', async () => {
    docs.route('/ok', { body: { a: 1 }, headers: { 'cache-control': 'max-age=60' } });
    await expect(fetchJson(new URL(docs.url('/ok')), opts)).resolves.toEqual({
      body: { a: 1 },
      cacheControl: 'max-age=60',
    });
  });

  it('accepts application/<x>+json with parameters, refuses text/plain (not_json)', async () => {
    docs.route('/plus', {
      body: '{"b":2}',
      headers: { 'content-type': 'application/jwk-set+json; charset=utf-8' },
    });
    expect((await fetchJson(new URL(docs.url('/plus')), opts)).body).toEqual({ b: 2 });
    docs.route('/text', { body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(await failure(docs.url('/text'))).toMatchObject({ reason: 'not_json', outage: false });
    docs.route('/jsonp', { body: '{}', headers: { 'content-type': 'application/jsonp' } });
    expect((await failure(docs.url('/jsonp'))).reason).toBe('not_json');
  });

  it('refuses a body that is not JSON', async () => {
    docs.route('/broken', { body: '{"a":' });
    expect(await failure(docs.url('/broken'))).toMatchObject({ reason: 'not_json', outage: false });
  });

  it('refuses anything but https before any connection', async () => {
    const hits = docs.hits('/ok');
    expect((await failure(`http://localhost:${docs.port}/ok`)).reason).toBe('scheme');
    expect(docs.hits('/ok')).toBe(hits);
  });

  it('refuses a redirect rather than following it', async () => {
    docs.route('/moved', { status: 302, headers: { location: docs.url('/ok') } });
    const hits = docs.hits('/ok');
    expect(await failure(docs.url('/moved'))).toMatchObject({ reason: 'redirect', outage: false });
    expect(docs.hits('/ok')).toBe(hits);
  });

  it('names the status; 5xx is an outage, 4xx is not', async () => {
    expect(await failure(docs.url('/missing'))).toMatchObject({ reason: 'status_404', outage: false });
    docs.route('/down', { status: 503 });
    expect(await failure(docs.url('/down'))).toMatchObject({ reason: 'status_503', outage: true });
  });

  it('caps the body at maxBytes: exactly maxBytes passes, one more is too_large', async () => {
    const exact = JSON.stringify({ p: 'x'.repeat(1024 - 8) });
    expect(exact).toHaveLength(1024);
    docs.route('/exact', { body: exact });
    expect(((await fetchJson(new URL(docs.url('/exact')), opts)).body as { p: string }).p).toHaveLength(1016);
    docs.route('/big', { body: JSON.stringify({ p: 'x'.repeat(1024 - 7) }) });
    expect(await failure(docs.url('/big'))).toMatchObject({ reason: 'too_large', outage: false });
  });

  it('times out a slow host as an outage', async () => {
    docs.route('/slow', { body: {}, delayMs: 2000 });
    expect(await failure(docs.url('/slow'), { timeoutMs: 200 })).toMatchObject({
      reason: 'timeout',
      outage: true,
    });
  });

  it('refuses a host resolving to a private or loopback address unless it is allowed', async () => {
    expect(await failure(docs.url('/ok'), { allowedHosts: new Set() })).toMatchObject({
      reason: 'private_address',
      outage: false,
    });
    expect((await failure(`https://127.0.0.1:${docs.port}/ok`, { allowedHosts: new Set() })).reason).toBe(
      'private_address',
    );
    expect((await failure(`https://[::1]:${docs.port}/ok`, { allowedHosts: new Set() })).reason).toBe(
      'private_address',
    );
  });

  it('does not trust a certificate outside the system roots and the configured CA', async () => {
    docs.route('/ok', { body: {} });
    expect(await failure(docs.url('/ok'), { ca: undefined })).toMatchObject({
      reason: 'unreachable',
      outage: true,
    });
  });

  it('names an unresolvable host (dns)', async () => {
    expect((await failure('https://no-such-host.invalid/x')).reason).toBe('dns');
  });
});
