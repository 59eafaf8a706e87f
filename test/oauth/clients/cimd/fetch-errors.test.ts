import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchError, fetchForClient } from '../../../../src/oauth/clients/cimd/fetch-errors.js';
import { FetchFailure, type SafeFetchOptions } from '../../../../src/oauth/clients/cimd/safe-fetch.js';
import { OAuthError } from '../../../../src/oauth/errors.js';
import { startDocServer, type DocServer } from '../../../helpers/doc-server.js';
import { createTestCert, type TestCert } from '../../../helpers/tls.js';

describe('fetchError', () => {
  it('maps an outage to temporarily_unavailable with Retry-After', () => {
    const e = fetchError(
      new FetchFailure('timeout', 'slow', true),
      'the client metadata document',
    ) as OAuthError;
    expect(e).toBeInstanceOf(OAuthError);
    expect(e.toJSON()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the client metadata document could not be fetched: slow',
    });
    expect(e.headers).toEqual({ 'Retry-After': '5' });
    expect(e.reason).toBe('cimd_timeout');
  });

  it('maps anything else the fetcher refused to invalid_client, without Retry-After', () => {
    const e = fetchError(
      new FetchFailure('private_address', 'private'),
      "the client's jwks_uri",
    ) as OAuthError;
    expect(e.toJSON()).toEqual({
      error: 'invalid_client',
      error_description: "the client's jwks_uri could not be used: private",
    });
    expect(e.reason).toBe('cimd_private_address');
    expect(e.headers['Retry-After']).toBeUndefined();
  });

  it('passes through an error that is not a fetch failure', () => {
    const other = new TypeError('bug');
    expect(fetchError(other, 'x')).toBe(other);
  });
});

describe('fetchForClient', () => {
  let cert: TestCert;
  let docs: DocServer;
  let seen: [string, string][];
  let opts: SafeFetchOptions;
  beforeAll(async () => {
    cert = await createTestCert();
    docs = await startDocServer(cert);
  });
  afterAll(async () => {
    await docs?.close();
    await cert?.dispose();
  });
  const options = (): SafeFetchOptions => {
    seen = [];
    opts = {
      timeoutMs: 2500,
      maxBytes: 1024,
      allowedHosts: new Set(['localhost']),
      ca: cert.cert,
      observe: (target, outcome) => seen.push([target, outcome]),
    };
    return opts;
  };

  it('reports ok and returns the document', async () => {
    docs.route('/doc', { body: { x: 1 } });
    const fetched = await fetchForClient(new URL(docs.url('/doc')), options(), 'metadata_document');
    expect(fetched.body).toEqual({ x: 1 });
    expect(seen).toEqual([['metadata_document', 'ok']]);
  });

  it('reports the failure reason and refuses it on the wire naming what was fetched', async () => {
    const err = await fetchForClient(new URL(docs.url('/nothing')), options(), 'jwks_uri').catch(
      (e: unknown) => e,
    );
    expect(seen).toEqual([['jwks_uri', 'status_404']]);
    expect((err as OAuthError).toJSON()).toEqual({
      error: 'invalid_client',
      error_description:
        "the client's jwks_uri could not be used: localhost:" + docs.port + ' answered with HTTP 404',
    });
  });
});
