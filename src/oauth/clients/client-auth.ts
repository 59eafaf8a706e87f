/**
 * Client authentication at the token endpoint: `client_secret_basic` and `client_secret_post`
 * (RFC 6749 §2.3.1), `private_key_jwt` (RFC 7523 §2.2, OIDC Core §9) and `none` (public clients).
 * Exactly one method per request; a failure is `invalid_client` (401, with `WWW-Authenticate: Basic`
 * when the client used HTTP authentication, RFC 6749 §5.2).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import type { ReplayStore } from '../../store/replay-store.js';
import type { AuthenticatedClient, ClientLookup, OAuthClient, TokenEndpointAuthMethod } from './client.js';
import { OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { describeJoseError } from '../tokens/jose-errors.js';
import { localKeySet, remoteKeySet } from '../tokens/jwks-cache.js';
import type { Params } from '../params.js';
import { ASYMMETRIC_ALGORITHMS } from '@mandate/mcp-kit';
import { readClaims } from '../tokens/claims.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Longest lifetime accepted for a client assertion: a replay record is kept until it expires. */
const MAX_ASSERTION_LIFETIME = 300;

export interface ClientAuthDeps {
  clients: ClientLookup;
  replay: ReplayStore;
  /** Audiences a client assertion may name: the issuer and the token endpoint URL. */
  assertionAudiences: string[];
  clockSkew: number;
  now: () => number;
  /**
   * An endpoint whose body is not a form (the AuthZEN JSON API) has nowhere for
   * `client_secret_post`'s parameters: there a client registered for either secret method
   * presents the same secret with HTTP Basic.
   */
  secretByBasic?: boolean;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function secretMatches(client: OAuthClient, secret: string): boolean {
  if (!client.secretHash) return false;
  const expected = Buffer.from(client.secretHash, 'base64url');
  const got = createHash('sha256').update(secret).digest();
  return expected.length === got.length && timingSafeEqual(expected, got);
}

function basicCredentials(header: string): { id: string; secret: string } {
  const m = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  const decoded = m?.[1] === undefined ? '' : Buffer.from(m[1], 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 1) throw basicFailure('malformed Basic authorization header');
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(decoded.slice(0, sep)), secret: decode(decoded.slice(sep + 1)) };
  } catch {
    throw basicFailure('malformed Basic authorization header');
  }
}

/**
 * The client id a request named, before (or without) authenticating: the `client_id` parameter or
 * the Basic header's user. Never throws; for the audit of a refusal only, never for a decision.
 */
export function claimedClientId(authorization: string | undefined, params: Params): string | undefined {
  try {
    const body = params.get('client_id');
    if (body !== undefined) return body;
    return authorization !== undefined && /^Basic\s/i.test(authorization)
      ? basicCredentials(authorization).id || undefined
      : undefined;
  } catch {
    return undefined;
  }
}

function basicFailure(
  description: string,
  reason: RefusalReasonFor<'invalid_client'> = 'malformed_basic',
): OAuthError {
  return new OAuthError('invalid_client', description, {
    headers: { 'WWW-Authenticate': 'Basic realm="mandate", charset="UTF-8"' },
    reason,
  });
}

function failure(
  method: TokenEndpointAuthMethod,
  description: string,
  reason: RefusalReasonFor<'invalid_client'>,
): OAuthError {
  return method === 'client_secret_basic'
    ? basicFailure(description, reason)
    : new OAuthError('invalid_client', description, { reason });
}

function presentedMethod(authorization: string | undefined, params: Params): TokenEndpointAuthMethod {
  const used: TokenEndpointAuthMethod[] = [];
  // `Basic` with nothing after it is an attempt too (node drops the trailing space): RFC 6749 §5.2's
  // 401 with a Basic challenge, not "client authentication is required".
  if (authorization !== undefined && /^Basic(\s|$)/i.test(authorization)) used.push('client_secret_basic');
  if (params.has('client_secret')) used.push('client_secret_post');
  if (params.has('client_assertion') || params.has('client_assertion_type')) used.push('private_key_jwt');
  if (used.length > 1)
    throw new OAuthError('invalid_request', 'use exactly one client authentication method', {
      reason: 'multiple_auth_methods',
    });
  return used[0] ?? 'none';
}

/** What the request presents for `method`: the client id it names, and its secret or assertion. */
function presentedCredentials(
  method: TokenEndpointAuthMethod,
  authorization: string | undefined,
  params: Params,
): { clientId: string | undefined; secret?: string | undefined; assertion?: string } {
  if (method === 'client_secret_basic') {
    const { id: clientId, secret } = basicCredentials(authorization ?? '');
    const bodyId = params.get('client_id');
    if (bodyId !== undefined && bodyId !== clientId)
      throw new OAuthError('invalid_request', 'client_id in the body differs from the authorization header', {
        reason: 'client_id_mismatch',
      });
    return { clientId, secret };
  }
  if (method === 'client_secret_post')
    return { clientId: params.get('client_id'), secret: params.get('client_secret') };
  if (method !== 'private_key_jwt') return { clientId: params.get('client_id') };
  if (params.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE)
    throw new OAuthError('invalid_client', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`, {
      reason: 'bad_assertion_type',
    });
  const assertion = params.require('client_assertion');
  let clientId: string | undefined;
  try {
    clientId = decodeJwt(assertion).sub;
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a JWT', {
      reason: 'malformed_assertion',
    });
  }
  const bodyId = params.get('client_id');
  if (bodyId !== undefined && bodyId !== clientId)
    throw new OAuthError('invalid_client', 'client_id differs from the client assertion subject', {
      reason: 'assertion_sub',
    });
  return { clientId, assertion };
}

/** The client `clientId` names; a registry that cannot be read is an outage, not a bad client (never a 500). */
function lookupClient(deps: ClientAuthDeps, clientId: string): Promise<OAuthClient | undefined> {
  return deps.clients.get(clientId).catch((err: unknown) => {
    // A lookup that decided (a client metadata document refused, or its host down) says so itself.
    if (err instanceof OAuthError) throw err;
    throw new OAuthError('temporarily_unavailable', 'the client registry is unavailable; try again shortly', {
      headers: { 'Retry-After': '2' },
      reason: 'client_store_unavailable',
      cause: err,
    });
  });
}

/** Authenticates the client of a request by the one method it uses (RFC 6749 §2.3, RFC 7523 §2.2). */
export async function authenticateClient(
  authorization: string | undefined,
  params: Params,
  deps: ClientAuthDeps,
): Promise<AuthenticatedClient> {
  const method = presentedMethod(authorization, params);
  const { clientId, secret, assertion } = presentedCredentials(method, authorization, params);
  if (clientId === undefined || clientId === '')
    throw new OAuthError('invalid_client', 'client authentication is required', { reason: 'no_client' });

  const client = await lookupClient(deps, clientId);
  if (client === undefined) throw failure(method, 'client authentication failed', 'unknown_client');
  const registered =
    deps.secretByBasic === true && client.tokenEndpointAuthMethod === 'client_secret_post'
      ? 'client_secret_basic'
      : client.tokenEndpointAuthMethod;
  if (registered !== method)
    throw failure(
      method,
      `client must authenticate with ${client.tokenEndpointAuthMethod}`,
      'method_mismatch',
    );

  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    if (!secretMatches(client, secret ?? ''))
      throw failure(method, 'client authentication failed', 'bad_secret');
  } else if (method === 'private_key_jwt') {
    await verifyAssertion(client, assertion ?? '', deps);
  }
  return { client, method };
}

async function verifyAssertion(client: OAuthClient, assertion: string, deps: ClientAuthDeps): Promise<void> {
  const keys = client.jwks
    ? localKeySet(client.jwks)
    : client.jwksUri
      ? remoteKeySet(client.jwksUri)
      : undefined;
  if (keys === undefined)
    throw new OAuthError('invalid_client', 'client has no registered keys', { reason: 'no_keys' });
  const now = deps.now();
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: ASYMMETRIC_ALGORITHMS,
      issuer: client.clientId,
      subject: client.clientId,
      audience: deps.assertionAudiences,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: deps.clockSkew,
      currentDate: new Date(now * 1000),
    }));
  } catch (err) {
    const f = describeJoseError(err, 'client_assertion');
    if (f.outage)
      throw new OAuthError('temporarily_unavailable', f.description, {
        reason: f.reason,
        headers: { 'Retry-After': '5' },
      });
    throw new OAuthError('invalid_client', f.description, { reason: `assertion_${f.reason}` });
  }
  // RFC 7523 §3: a jti that is not a non-empty string (a number, null, "") cannot be remembered.
  const { exp, jti } = readClaims(payload, {
    param: 'client_assertion',
    error: 'invalid_client',
    required: ['aud', 'jti'],
    now,
  });
  if (exp - now > MAX_ASSERTION_LIFETIME)
    throw new OAuthError(
      'invalid_client',
      `client_assertion must expire within ${MAX_ASSERTION_LIFETIME} seconds`,
      {
        reason: 'assertion_lifetime',
      },
    );
  // RFC 7523 §3 point 7: a jti may be used once; remember it until the assertion expires.
  const first = await deps.replay.remember(
    `client_assertion:${client.clientId}`,
    jti ?? '',
    exp + deps.clockSkew,
  );
  if (!first)
    throw new OAuthError('invalid_client', 'client_assertion has already been used', {
      reason: 'assertion_replay',
    });
}
