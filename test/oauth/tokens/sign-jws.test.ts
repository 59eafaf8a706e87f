import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { signEs256, signRs256 } from '../../../src/oauth/tokens/sign-jws.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('compact JWS signing', () => {
  it('signs ES256 that jose verifies, with a 64-byte r||s signature, whatever alg the header asked for', async () => {
    const jws = signEs256({ typ: 'at+jwt', kid: 'k1', alg: 'none' }, { sub: 'alice', n: 1 }, ec.privateKey);
    expect(decodeProtectedHeader(jws)).toEqual({ typ: 'at+jwt', kid: 'k1', alg: 'ES256' });
    expect(Buffer.from(jws.split('.')[2]!, 'base64url')).toHaveLength(64);
    const { payload } = await compactVerify(jws, ec.publicKey, { algorithms: ['ES256'] });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'alice', n: 1 });
  });

  it('signs RS256 that jose verifies', async () => {
    const jws = signRs256({ kid: 'r' }, { iss: 'x' }, rsa.privateKey);
    expect(decodeProtectedHeader(jws)).toEqual({ kid: 'r', alg: 'RS256' });
    await expect(compactVerify(jws, rsa.publicKey, { algorithms: ['RS256'] })).resolves.toBeDefined();
  });

  it('produces signatures that fail verification once the payload is altered', async () => {
    const [h, , s] = signEs256({}, { sub: 'alice' }, ec.privateKey).split('.');
    const forged = `${h}.${Buffer.from('{"sub":"mallory"}').toString('base64url')}.${s}`;
    await expect(compactVerify(forged, ec.publicKey)).rejects.toThrow();
  });
});
