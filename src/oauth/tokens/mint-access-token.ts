/**
 * Mints RFC 9068 JWT access tokens: header `typ: at+jwt`, claims `iss`, `exp`, `aud`, `sub`,
 * `client_id`, `iat`, `jti`, `scope`, and optionally `act` (RFC 8693 §4.1) and `cnf` (RFC 9449 §6).
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { signEs256 } from './sign-jws.js';

export interface Signer {
  signingKey(): { kid: string; alg: 'ES256'; privateKey: KeyObject };
}

/**
 * The claims of an access token Mandate mints (RFC 9068 §2.2). (The kit's `AccessTokenClaims` are
 * what a resource server has verified.)
 */
export interface MintedClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
  act?: Record<string, unknown>;
  cnf?: { jkt: string };
  [claim: string]: unknown;
}

export interface MintRequest {
  issuer: string;
  sub: string;
  aud: string;
  clientId: string;
  scopes: string[];
  ttlSeconds: number;
  now: number;
  act?: Record<string, unknown>;
  jkt?: string;
  /** Further claims (e.g. `auth_time`, `acr`); never overrides the registered ones above. */
  extra?: Record<string, unknown>;
}

export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

export async function mintAccessToken(
  signer: Signer,
  req: MintRequest,
): Promise<{ token: string; claims: MintedClaims }> {
  const { kid, alg, privateKey } = signer.signingKey();
  const claims: MintedClaims = {
    ...req.extra,
    iss: req.issuer,
    sub: req.sub,
    aud: req.aud,
    client_id: req.clientId,
    scope: req.scopes.join(' '),
    iat: req.now,
    exp: req.now + req.ttlSeconds,
    jti: newTokenId(),
    ...(req.act === undefined ? {} : { act: req.act }),
    ...(req.jkt === undefined ? {} : { cnf: { jkt: req.jkt } }),
  };
  const token = signEs256({ alg, kid, typ: 'at+jwt' }, claims, privateKey);
  return { token, claims };
}
