/** Key sets built once: the same object per URL or inline set, a real remote set fetched over HTTP. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { localKeySet, remoteKeySet } from '../../../src/oauth/tokens/jwks-cache.js';

describe('key set caches', () => {
  it('build one local key set per JWKS object', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    expect(localKeySet(jwks)).toBe(localKeySet(jwks));
    expect(localKeySet({ keys: [...jwks.keys] })).not.toBe(localKeySet(jwks));
    const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    await expect(jwtVerify(jwt, localKeySet(jwks))).resolves.toBeDefined();
  });

  it('build one remote key set per URL, which caches the document between verifications', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'r1', alg: 'ES256' }] });
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      const set = remoteKeySet(url);
      expect(remoteKeySet(url)).toBe(set);
      expect(remoteKeySet(`${url}?other`)).not.toBe(set);
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'r1' }).sign(privateKey);
      await jwtVerify(jwt, remoteKeySet(url));
      await jwtVerify(jwt, remoteKeySet(url));
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });
});
