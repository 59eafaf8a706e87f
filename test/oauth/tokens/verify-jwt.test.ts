/**
 * The hot-path JWT verifier: node:crypto signatures with jose's key sets and jose's error classes.
 * Each row is a token that must be refused, with the jose error it must raise.
 */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  jwtVerify,
  SignJWT,
  type JWTVerifyGetKey,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signEs256 } from '../../../src/oauth/tokens/sign-jws.js';
import { verifyJwt } from '../../../src/oauth/tokens/verify-jwt.js';

const now = 1_764_140_000;
const iss = 'https://idp.test.example';
const opts = {
  algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
  issuer: iss,
  requiredClaims: ['exp', 'sub'],
  clockSkew: 60,
  now,
};
const claims = { iss, sub: 'alice', iat: now, exp: now + 300 };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const fixed =
  (key: KeyObject): JWTVerifyGetKey =>
  async () =>
    key;

function sign(
  alg: string,
  key: KeyObject,
  payload: Record<string, unknown> = claims,
  header: Record<string, unknown> = {},
) {
  return new SignJWT(payload).setProtectedHeader({ alg, ...header }).sign(key);
}

describe('verifyJwt', () => {
  let jwks: JWTVerifyGetKey;
  beforeAll(async () => {
    jwks = createLocalJWKSet({
      keys: [
        { ...(await exportJWK(ec.publicKey)), kid: 'ec', alg: 'ES256' },
        { ...(await exportJWK(rsa.publicKey)), kid: 'rsa', alg: 'RS256' },
      ],
    });
  });

  it.each([
    ['ES256', ec],
    ['RS256', rsa],
    ['PS256', rsa],
    ['EdDSA', ed],
  ] as const)('accepts %s', async (alg, pair) => {
    const { payload } = await verifyJwt(await sign(alg, pair.privateKey), fixed(pair.publicKey), opts);
    expect(payload.sub).toBe('alice');
  });

  it('accepts keys from a jose key set (CryptoKey) by kid', async () => {
    const token = await sign('ES256', ec.privateKey, claims, { kid: 'ec' });
    expect((await verifyJwt(token, jwks, opts)).payload.iss).toBe(iss);
    const rs = await sign('RS256', rsa.privateKey, claims, { kid: 'rsa' });
    expect((await verifyJwt(rs, jwks, opts)).payload.iss).toBe(iss);
  });

  it('accepts exp within the clock skew', async () => {
    const token = await sign('ES256', ec.privateKey, { ...claims, exp: now - 30 });
    await expect(verifyJwt(token, fixed(ec.publicKey), opts)).resolves.toBeDefined();
  });

  const hostile: [string, () => Promise<string> | string, KeyObject, unknown][] = [
    ['alg none', () => `${b64({ alg: 'none' })}.${b64(claims)}.`, ec.publicKey, errors.JOSEAlgNotAllowed],
    [
      'HS256 keyed with the public key',
      () => {
        const input = `${b64({ alg: 'HS256' })}.${b64(claims)}`;
        const pem = ec.publicKey.export({ type: 'spki', format: 'pem' });
        return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      },
      ec.publicKey,
      errors.JOSEAlgNotAllowed,
    ],
    [
      'ES384 not on the allow-list',
      () => sign('ES384', ec384.privateKey),
      ec384.publicKey,
      errors.JOSEAlgNotAllowed,
    ],
    ['RS256 header, EC key', () => sign('RS256', rsa.privateKey), ec.publicKey, errors.JOSENotSupported],
    ['ES256 header, P-384 key', () => sign('ES256', ec.privateKey), ec384.publicKey, errors.JOSENotSupported],
    ['private key handed back', () => sign('ES256', ec.privateKey), ec.privateKey, errors.JOSENotSupported],
    [
      'crit header',
      () => signEs256({ crit: ['x-policy'], 'x-policy': 1 }, claims, ec.privateKey),
      ec.publicKey,
      errors.JOSENotSupported,
    ],
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await sign('ES256', ec.privateKey)).split('.');
        return `${h}.${b64({ ...claims, sub: 'mallory' })}.${s}`;
      },
      ec.publicKey,
      errors.JWSSignatureVerificationFailed,
    ],
    [
      'signed by another key',
      () => sign('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      ec.publicKey,
      errors.JWSSignatureVerificationFailed,
    ],
    [
      'DER-encoded ECDSA signature',
      async () => {
        const [h, p] = (await sign('ES256', ec.privateKey)).split('.');
        const { sign: nodeSign } = await import('node:crypto');
        return `${h}.${p}.${nodeSign('sha256', Buffer.from(`${h}.${p}`), ec.privateKey).toString('base64url')}`;
      },
      ec.publicKey,
      errors.JWSSignatureVerificationFailed,
    ],
    [
      'expired beyond the skew',
      () => sign('ES256', ec.privateKey, { ...claims, exp: now - 61 }),
      ec.publicKey,
      errors.JWTExpired,
    ],
    [
      'nbf beyond the skew',
      () => sign('ES256', ec.privateKey, { ...claims, nbf: now + 61 }),
      ec.publicKey,
      errors.JWTClaimValidationFailed,
    ],
    [
      'missing exp',
      () => sign('ES256', ec.privateKey, { iss, sub: 'alice' }),
      ec.publicKey,
      errors.JWTClaimValidationFailed,
    ],
    [
      'missing sub',
      () => sign('ES256', ec.privateKey, { iss, exp: now + 60 }),
      ec.publicKey,
      errors.JWTClaimValidationFailed,
    ],
    [
      'exp not a number',
      () => sign('ES256', ec.privateKey, { ...claims, exp: String(now + 60) }),
      ec.publicKey,
      errors.JWTClaimValidationFailed,
    ],
    [
      'another issuer',
      () => sign('ES256', ec.privateKey, { ...claims, iss: 'https://evil.example' }),
      ec.publicKey,
      errors.JWTClaimValidationFailed,
    ],
    ['not a JWS', () => 'a.b', ec.publicKey, errors.JWSInvalid],
    ['JWE-shaped', () => 'a.b.c.d.e', ec.publicKey, errors.JWSInvalid],
    [
      'header not JSON',
      () => `${Buffer.from('nope').toString('base64url')}.${b64(claims)}.sig`,
      ec.publicKey,
      errors.JWTInvalid,
    ],
  ];

  it.each(hostile)('refuses: %s', async (_name, make, key, errorClass) => {
    const token = await make();
    await expect(verifyJwt(token, fixed(key), opts)).rejects.toBeInstanceOf(errorClass as new () => Error);
  });
});

describe('verifyJwt with a typ (introspection of Mandate access tokens)', () => {
  // Introspection's options; jose's jwtVerify with the same options is the reference it replaced.
  const at = {
    ...opts,
    algorithms: ['ES256'],
    typ: 'at+jwt',
    requiredClaims: ['exp', 'jti', 'sub'],
    clockSkew: 0,
  };
  const access = { ...claims, jti: 'j1' };
  const joseAccepts = (token: string): Promise<boolean> =>
    jwtVerify(token, fixed(ec.publicKey), {
      algorithms: ['ES256'],
      issuer: iss,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'jti', 'sub'],
      currentDate: new Date(now * 1000),
    }).then(
      () => true,
      () => false,
    );
  const ours = (token: string): Promise<boolean> =>
    verifyJwt(token, fixed(ec.publicKey), at).then(
      () => true,
      () => false,
    );

  it.each([
    ['typ at+jwt', { typ: 'at+jwt' }, access, true],
    ['typ application/AT+JWT', { typ: 'application/AT+JWT' }, access, true],
    ['typ JWT', { typ: 'JWT' }, access, false],
    ['no typ', {}, access, false],
    ['no jti', { typ: 'at+jwt' }, claims, false],
    ['exp now (no tolerance)', { typ: 'at+jwt' }, { ...access, exp: now }, false],
    ['exp in a second', { typ: 'at+jwt' }, { ...access, exp: now + 1 }, true],
    ['nbf in a second', { typ: 'at+jwt' }, { ...access, nbf: now + 1 }, false],
    ['iat a string', { typ: 'at+jwt' }, { ...access, iat: 'x' }, false],
  ])('%s: accepted exactly when jose accepts it', async (_name, header, payload, expected) => {
    const token = await sign('ES256', ec.privateKey, payload as Record<string, unknown>, header);
    expect(await ours(token)).toBe(expected);
    expect(await joseAccepts(token)).toBe(expected);
  });

  it('refuses a wrong typ with jose’s error class', async () => {
    const token = await sign('ES256', ec.privateKey, access, { typ: 'JWT' });
    await expect(verifyJwt(token, fixed(ec.publicKey), at)).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
  });
});

describe('verifyJwt with the caller’s decoding', () => {
  it('returns the decoded payload once the signature verifies, and refuses a bad signature all the same', async () => {
    const token = await sign('ES256', ec.privateKey);
    const decoded = { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
    const { payload } = await verifyJwt(token, fixed(ec.publicKey), opts, decoded);
    expect(payload).toBe(decoded.payload);
    const [h, , s] = token.split('.');
    const tampered = `${h}.${b64({ ...claims, sub: 'mallory' })}.${s}`;
    const forged = { header: decodeProtectedHeader(tampered), payload: decodeJwt(tampered) };
    await expect(verifyJwt(tampered, fixed(ec.publicKey), opts, forged)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });
});
