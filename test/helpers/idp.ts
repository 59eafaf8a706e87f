/**
 * A test identity provider: real keys (ES256 and RS256) whose public halves are declared as a trusted
 * issuer, and a mint() that signs whatever header and claims a test asks for, hostile ones included.
 */
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface TestIdp {
  issuer: string;
  jwks: { keys: JWK[] };
  /** Public key of the ES256 signer, as PEM (for HMAC-with-public-key confusion tests). */
  publicPem: string;
  mint(
    claims: JWTPayload & Record<string, unknown>,
    opts?: { alg?: 'ES256' | 'RS256'; typ?: string; kid?: string; key?: KeyObject },
  ): Promise<string>;
  /** An unsigned token (`alg: none`). */
  unsigned(claims: Record<string, unknown>): string;
  /** A token MACed with HS256 under the given secret (e.g. the issuer's public key). */
  hs256(claims: Record<string, unknown>, secret: string | Buffer, kid?: string): string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export async function createTestIdp(issuer = 'https://idp.test.example'): Promise<TestIdp> {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: 'idp-es256', alg: 'ES256', use: 'sig' };
  const rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'idp-rs256', alg: 'RS256', use: 'sig' };
  return {
    issuer,
    jwks: { keys: [ecJwk, rsaJwk] },
    publicPem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    async mint(claims, opts = {}) {
      const alg = opts.alg ?? 'ES256';
      const key = opts.key ?? (alg === 'ES256' ? ec.privateKey : rsa.privateKey);
      return new SignJWT(claims)
        .setProtectedHeader({
          alg,
          kid: opts.kid ?? (alg === 'ES256' ? 'idp-es256' : 'idp-rs256'),
          ...(opts.typ ? { typ: opts.typ } : {}),
        })
        .sign(key);
    },
    unsigned(claims) {
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    },
    hs256(claims, secret, kid = 'idp-es256') {
      const input = `${b64({ alg: 'HS256', kid })}.${b64(claims)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    },
  };
}
