import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  mintAccessToken,
  newTokenId,
  type MintRequest,
} from '../../../src/oauth/tokens/mint-access-token.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = { signingKey: () => ({ kid: 'k1', alg: 'ES256' as const, privateKey: ec.privateKey }) };
const now = Math.floor(Date.now() / 1000);
const req: MintRequest = {
  issuer: 'https://mandate.example',
  sub: 'alice',
  aud: 'https://mcp.example',
  clientId: 'agent',
  scopes: ['read', 'write'],
  ttlSeconds: 300,
  now,
};

describe('mintAccessToken (RFC 9068)', () => {
  it('signs an at+jwt with the registered claims, verifiable with the signing key', async () => {
    const { token, claims } = await mintAccessToken(signer, req);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    const { payload } = await jwtVerify(token, ec.publicKey, {
      typ: 'at+jwt',
      issuer: 'https://mandate.example',
      audience: 'https://mcp.example',
      subject: 'alice',
    });
    expect(payload).toEqual(claims);
    expect(claims).toEqual({
      iss: 'https://mandate.example',
      sub: 'alice',
      aud: 'https://mcp.example',
      client_id: 'agent',
      scope: 'read write',
      iat: now,
      exp: now + 300,
      jti: claims.jti,
    });
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('adds act and cnf.jkt only when given', async () => {
    const { claims } = await mintAccessToken(signer, { ...req, act: { sub: 'agent' }, jkt: 'thumb' });
    expect(claims.act).toEqual({ sub: 'agent' });
    expect(claims.cnf).toEqual({ jkt: 'thumb' });
  });

  it('never lets extra claims override the registered ones', async () => {
    const { claims } = await mintAccessToken(signer, {
      ...req,
      act: { sub: 'agent' },
      jkt: 'thumb',
      extra: {
        auth_time: 1,
        iss: 'x',
        sub: 'root',
        aud: 'x',
        client_id: 'x',
        scope: 'admin',
        iat: 0,
        exp: 9e9,
        jti: 'j',
        cnf: { jkt: 'evil' },
        act: { sub: 'evil' },
      },
    });
    expect(claims).toMatchObject({
      auth_time: 1,
      iss: 'https://mandate.example',
      sub: 'alice',
      aud: 'https://mcp.example',
      client_id: 'agent',
      scope: 'read write',
      iat: now,
      exp: now + 300,
      cnf: { jkt: 'thumb' },
      act: { sub: 'agent' },
    });
    expect(claims.jti).not.toBe('j');
  });

  it('gives every token a fresh 128-bit jti', () => {
    const ids = new Set(Array.from({ length: 200 }, newTokenId));
    expect(ids.size).toBe(200);
    expect(Buffer.from([...ids][0]!, 'base64url')).toHaveLength(16);
  });
});
