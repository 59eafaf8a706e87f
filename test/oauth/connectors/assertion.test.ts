import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  assertionClaims,
  clientAssertion,
  JWT_BEARER_GRANT,
} from '../../../src/oauth/connectors/assertion.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('connector assertions (RFC 7523)', () => {
  it('carry iss, sub, aud, iat, exp = iat + ttl and a fresh jti', () => {
    const a = assertionClaims('mandate', 'alice@crm', 'https://login.crm', 1000, 180);
    expect(a).toMatchObject({
      iss: 'mandate',
      sub: 'alice@crm',
      aud: 'https://login.crm',
      iat: 1000,
      exp: 1180,
    });
    expect(a.jti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(assertionClaims('a', 'b', 'c', 1000, 180).jti).not.toBe(a.jti);
  });

  it('authenticate a client with private_key_jwt: iss = sub = client_id, 60 s, RS256 under its kid', async () => {
    const now = Math.floor(Date.now() / 1000);
    const params = clientAssertion(
      'conn-1',
      'https://as.crm/token',
      { kid: 'k7', privateKey: rsa.privateKey },
      now,
    );
    expect(params.client_id).toBe('conn-1');
    expect(params.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(decodeProtectedHeader(params.client_assertion!)).toEqual({ kid: 'k7', typ: 'JWT', alg: 'RS256' });
    const { payload } = await jwtVerify(params.client_assertion!, rsa.publicKey, {
      algorithms: ['RS256'],
      audience: 'https://as.crm/token',
      issuer: 'conn-1',
      subject: 'conn-1',
    });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.iat).toBe(now);
  });

  it('name the RFC 7523 grant type', () => {
    expect(JWT_BEARER_GRANT).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
  });
});
