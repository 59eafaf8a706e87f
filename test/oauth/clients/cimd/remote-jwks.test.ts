import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJwksFetcher } from '../../../../src/oauth/clients/cimd/remote-jwks.js';
import { OAuthError } from '../../../../src/oauth/errors.js';
import { startDocServer, type DocServer } from '../../../helpers/doc-server.js';
import { createTestCert, type TestCert } from '../../../helpers/tls.js';

const key = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};

describe('createRemoteJwksFetcher', () => {
  let cert: TestCert;
  let docs: DocServer;
  let t = 0;
  let fetcher: (uri: string) => Promise<unknown>;
  beforeAll(async () => {
    cert = await createTestCert();
    docs = await startDocServer(cert);
    fetcher = createRemoteJwksFetcher(
      { timeoutMs: 2500, allowedHosts: new Set(['localhost']), ca: cert.cert },
      () => t,
    );
  });
  afterAll(async () => {
    await docs?.close();
    await cert?.dispose();
  });

  it('returns the key set and caches it for the freshness Cache-Control allows', async () => {
    docs.route('/jwks', { body: { keys: [key] }, headers: { 'cache-control': 'max-age=120' } });
    expect(await fetcher(docs.url('/jwks'))).toEqual({ keys: [key] });
    t = 119;
    await fetcher(docs.url('/jwks'));
    expect(docs.hits('/jwks')).toBe(1);
    t = 120;
    await fetcher(docs.url('/jwks'));
    expect(docs.hits('/jwks')).toBe(2);
  });

  it.each([
    ['no keys member', { nokeys: [] }],
    ['keys not an array', { keys: {} }],
    ['a key that is not an object', { keys: [key, 'x'] }],
    ['a null key', { keys: [null] }],
  ])('refuses %s as jwks_malformed', async (_name, body) => {
    const path = `/bad-${Math.random()}`;
    docs.route(path, { body });
    const err = (await fetcher(docs.url(path)).catch((e: unknown) => e)) as OAuthError;
    expect(err).toBeInstanceOf(OAuthError);
    expect(err.toJSON()).toEqual({
      error: 'invalid_client',
      error_description: "the client's jwks_uri does not hold a JWK set",
    });
    expect(err.reason).toBe('jwks_malformed');
  });

  it('refuses a key set larger than 64 KiB', async () => {
    docs.route('/huge', { body: { keys: [{ ...key, pad: 'x'.repeat(64 * 1024) }] } });
    const err = (await fetcher(docs.url('/huge')).catch((e: unknown) => e)) as OAuthError;
    expect(err.reason).toBe('cimd_too_large');
  });
});
