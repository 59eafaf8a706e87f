/**
 * The JWTs a connector signs with its own key (RS256, keys/connector-keys.ts): the grant assertion
 * (RFC 7523 §2.1, §3) and the `private_key_jwt` client assertion (RFC 7523 §2.2, OIDC Core §9).
 */
import type { KeyObject } from 'node:crypto';
import { newTokenId } from '../tokens/mint-access-token.js';
import { signRs256 } from '../tokens/sign-jws.js';

export { signRs256 };

/** The registered claims every assertion carries (RFC 7523 §3): one use, a short life. */
export function assertionClaims(
  iss: string,
  sub: string,
  aud: string,
  now: number,
  ttlSeconds: number,
): { iss: string; sub: string; aud: string; iat: number; exp: number; jti: string } {
  return { iss, sub, aud, iat: now, exp: now + ttlSeconds, jti: newTokenId() };
}

/** The client authentication parameters of `private_key_jwt` (RFC 7523 §2.2): iss = sub = client_id. */
export function clientAssertion(
  clientId: string,
  audience: string,
  key: { kid: string; privateKey: KeyObject },
  now: number,
): Record<string, string> {
  const claims = assertionClaims(clientId, clientId, audience, now, 60);
  return {
    client_id: clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: signRs256({ kid: key.kid, typ: 'JWT' }, claims, key.privateKey),
  };
}

/** RFC 7523 §2.1's grant type, which every kind here sends. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
