/**
 * RFC 7662 token introspection for Mandate's own access tokens. The caller authenticates as a client
 * (§2.1: resource servers are confidential clients), and sees a token only when it concerns it: the
 * token's audience is one the caller answers to, or the token was issued to the caller (§4: do not
 * reveal tokens to whoever asks). Everything else, and anything invalid, expired or revoked, is
 * `{ "active": false }` with no further detail (§2.2).
 */
import type { KeyObject } from 'node:crypto';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { IssuedTokenRow } from '../../store/tokens.js';
import { authenticateClient } from '../clients/client-auth.js';
import type { OAuthClient } from '../clients/client.js';
import { clientAuthAt, type OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import { verifyJwt } from '../tokens/verify-jwt.js';
import type { Params } from '../params.js';

/** A refresh token as introspection sees it (from the first hop's grant store). */
export interface RefreshTokenView {
  clientId: string;
  sub: string;
  /** The resource (RFC 8707) the grant is for. */
  resource: string;
  scope: string;
  iat: number;
  /** Expiry of the grant (refresh-token family). */
  exp: number;
  /** False once rotated (outside any grace window) or once the grant is revoked. */
  usable: boolean;
}

/** What introspection reads beyond the context: Mandate's own keys and issuance records. */
export interface IntrospectionPorts {
  selfKeys: () => Map<string, KeyObject>;
  issuedToken(jti: string): Promise<IssuedTokenRow | undefined>;
  /** Looks up an opaque refresh token; absent where no first hop runs (access tokens only). */
  refreshToken?(token: string): Promise<RefreshTokenView | undefined>;
}

export type IntrospectionDeps = Pick<
  OAuthContext,
  'issuer' | 'endpoints' | 'clients' | 'replay' | 'clockSkew' | 'now'
> &
  IntrospectionPorts;

export interface IntrospectionRequest {
  params: Params;
  authorization: string | undefined;
}

const INACTIVE = { active: false } as const;

function audiences(aud: JWTPayload['aud']): string[] {
  return aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
}

function concerns(caller: OAuthClient, claims: JWTPayload & Record<string, unknown>): boolean {
  if (claims.client_id === caller.clientId) return true;
  return audiences(claims.aud).some((a) => a === caller.clientId || caller.audiences.includes(a));
}

export async function introspect(
  req: IntrospectionRequest,
  deps: IntrospectionDeps,
): Promise<Record<string, unknown>> {
  const { client, method } = await authenticateClient(
    req.authorization,
    req.params,
    clientAuthAt(deps, 'introspect'),
  );
  if (method === 'none')
    throw new OAuthError('invalid_client', 'introspection requires client authentication', {
      reason: 'public_client',
    });
  const token = req.params.require('token');
  // Refresh tokens are opaque; access tokens are JWTs (RFC 9068). The hint is not needed (§2.1).
  if (token.split('.').length !== 3) return introspectRefreshToken(token, client, deps);

  const keys: JWTVerifyGetKey = async (header) => {
    const key = header.kid === undefined ? undefined : deps.selfKeys().get(header.kid);
    if (key === undefined)
      throw new OAuthError('invalid_grant', 'unknown signing key', { reason: 'no_matching_key' });
    return key;
  };
  let claims: JWTPayload & Record<string, unknown>;
  try {
    // node:crypto, synchronously, as the token endpoint verifies subject tokens (verify-jwt.ts).
    ({ payload: claims } = await verifyJwt(token, keys, {
      algorithms: ['ES256'],
      issuer: deps.issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'jti', 'sub'],
      // No tolerance: a token past its `exp` is not active (RFC 7662 §2.2), whatever the skew.
      clockSkew: 0,
      now: deps.now(),
    }));
  } catch {
    return INACTIVE;
  }
  if (!concerns(client, claims)) return INACTIVE;
  // The issuance record says whether it was revoked (RFC 7009); a token without one is not ours.
  const issued = await deps.issuedToken(String(claims.jti));
  if (issued === undefined || issued.revoked_at !== undefined) return INACTIVE;

  const cnf = claims.cnf as { jkt?: unknown } | undefined;
  return {
    active: true,
    scope: claims.scope,
    client_id: claims.client_id,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    exp: claims.exp,
    iat: claims.iat,
    ...(claims.nbf === undefined ? {} : { nbf: claims.nbf }),
    jti: claims.jti,
    token_type: typeof cnf?.jkt === 'string' ? 'DPoP' : 'Bearer',
    ...(claims.act === undefined ? {} : { act: claims.act }),
    ...(cnf === undefined ? {} : { cnf }),
  };
}

/** A refresh token is shown only to the client it was issued to: it is that client's credential. */
async function introspectRefreshToken(
  token: string,
  caller: OAuthClient,
  deps: IntrospectionDeps,
): Promise<Record<string, unknown>> {
  const rt = deps.refreshToken === undefined ? undefined : await deps.refreshToken(token);
  if (rt === undefined || !rt.usable || rt.exp <= deps.now() || rt.clientId !== caller.clientId)
    return INACTIVE;
  return {
    active: true,
    scope: rt.scope,
    client_id: rt.clientId,
    sub: rt.sub,
    aud: rt.resource,
    iss: deps.issuer,
    exp: rt.exp,
    iat: rt.iat,
  };
}
