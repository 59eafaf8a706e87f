import { describe, expect, it } from 'vitest';
import { cimdClientRecord, parseCimdUrl } from '../../../../src/oauth/clients/cimd/cimd-document.js';
import { OAuthError } from '../../../../src/oauth/errors.js';

const URL_ID = 'https://app.example.com/oauth/client.json';

function refusal(fn: () => unknown): { error: string; reason: string | undefined } {
  try {
    fn();
  } catch (err) {
    if (err instanceof OAuthError) return { error: err.error, reason: err.reason };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Client ID Metadata Document URL (CIMD §3)', () => {
  it('accepts an https URL with a path', () => {
    expect(parseCimdUrl(URL_ID).host).toBe('app.example.com');
  });

  it.each([
    'http://app.example.com/client.json',
    'https://app.example.com/',
    'https://app.example.com',
    'https://app.example.com/a/../client.json',
    'https://app.example.com/a/./client.json',
    'https://app.example.com/a/%2e%2e/client.json',
    'https://app.example.com/client.json#frag',
    'https://user:pw@app.example.com/client.json',
    'https://',
  ])('refuses %s with invalid_client', (id) => {
    expect(refusal(() => parseCimdUrl(id))).toEqual({ error: 'invalid_client', reason: 'cimd_url' });
  });
});

describe('Client ID Metadata Document contents (CIMD §4)', () => {
  const doc = { client_id: URL_ID, client_name: 'App', redirect_uris: ['https://app.example.com/cb'] };

  it('becomes a public cimd client with the listed redirect URIs', () => {
    expect(cimdClientRecord(URL_ID, doc, 100, 200)).toMatchObject({
      clientId: URL_ID,
      clientName: 'App',
      tokenEndpointAuthMethod: 'none',
      redirectUris: ['https://app.example.com/cb'],
      trust: 'cimd',
      source: 'cimd',
      expiresAt: 200,
    });
  });

  it('names the client by its host when the document has no name', () => {
    expect(cimdClientRecord(URL_ID, { ...doc, client_name: undefined }, 1, 2).clientName).toBe(
      'app.example.com',
    );
  });

  it.each([
    [
      'a different client_id',
      { ...doc, client_id: 'https://evil.example/client.json' },
      'cimd_client_id_mismatch',
    ],
    [
      'a client_id differing by a trailing slash',
      { ...doc, client_id: `${URL_ID}/` },
      'cimd_client_id_mismatch',
    ],
    ['no client_id', { ...doc, client_id: undefined }, 'cimd_client_id_mismatch'],
    ['a JSON array', [doc], 'cimd_client_id_mismatch'],
    ['a client secret', { ...doc, client_secret: 'x'.repeat(40) }, 'cimd_metadata'],
    [
      'a shared-secret method',
      { ...doc, token_endpoint_auth_method: 'client_secret_basic' },
      'cimd_metadata',
    ],
    ['no redirect URIs', { ...doc, redirect_uris: [] }, 'cimd_metadata'],
    [
      'a fragment in a redirect URI',
      { ...doc, redirect_uris: ['https://app.example.com/cb#x'] },
      'cimd_metadata',
    ],
    ['a redirect URI without a host', { ...doc, redirect_uris: ['https:///cb'] }, 'cimd_metadata'],
    [
      'a loopback redirect URI with userinfo',
      { ...doc, redirect_uris: ['http://evil.example@127.0.0.1:4000/cb'] },
      'cimd_metadata',
    ],
  ])('refuses a document with %s', (_name, body, reason) => {
    expect(refusal(() => cimdClientRecord(URL_ID, body, 1, 2))).toEqual({ error: 'invalid_client', reason });
  });
});
