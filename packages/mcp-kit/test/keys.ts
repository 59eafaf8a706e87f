/**
 * Signing keys and a JWKS endpoint stand-in for the kit's unit tests: a fetch that serves whatever
 * key set the test publishes, counting requests, and a token minter over those keys.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

export const ISSUER = 'https://mandate.test.example';
export const RESOURCE = 'https://mcp.test.example/mcp';
export const JWKS_URI = `${ISSUER}/jwks`;

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** A fetch serving `published.keys` at JWKS_URI; `calls` counts requests. */
export function jwksEndpoint(keys: SigningKey[]): {
  fetch: typeof fetch;
  published: { keys: SigningKey[] };
  calls: number;
  down: boolean;
} {
  const state = {
    published: { keys },
    calls: 0,
    down: false,
    fetch: (async (input: string | URL | Request) => {
      state.calls++;
      if (String(input) !== JWKS_URI) return new Response('not found', { status: 404 });
      if (state.down) throw new TypeError('fetch failed');
      return Response.json({ keys: state.published.keys.map((k) => k.jwk) });
    }) as typeof fetch,
  };
  return state;
}

export function mint(
  key: SigningKey,
  claims: JWTPayload & Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt', ...header })
    .sign(key.privateKey);
}

export function claims(
  now: number,
  extra: Record<string, unknown> = {},
): JWTPayload & Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'alice',
    client_id: 'claude-desktop',
    scope: 'crm.read',
    iat: now,
    exp: now + 300,
    jti: `jti-${now}-${Math.random().toString(36).slice(2)}`,
    ...extra,
  };
}
