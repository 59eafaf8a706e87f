/**
 * Verifies the JWTs presented as subject and actor tokens (RFC 8693 §2.1): Mandate's own access
 * tokens against its key set, and tokens of the external issuers declared in configuration against
 * theirs. Algorithms come from an allow-list (never `none`, never HMAC, so a public key can never
 * be used as an HMAC secret); `exp` is required and `nbf`/`iat` are checked with bounded skew.
 */
import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { readClaims, type TokenClaims } from './claims.js';
import { verifyJwt, type DecodedJwt, type VerifyJwtOptions } from './verify-jwt.js';
import { auditReason, OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { describeJoseError } from './jose-errors.js';
import { localKeySet, remoteKeySet } from './jwks-cache.js';
import { tokenTypeName } from './token-types.js';
import type { JSONWebKeySet } from 'jose';

export interface TrustedIssuer {
  issuer: string;
  jwksUri?: string | null;
  jwks?: JSONWebKeySet | null;
  algorithms: string[];
  tokenTypes: string[];
  groupsClaim?: string | null;
  /** A further claim holding scopes, beside `scope` and `scp`. */
  scopesClaim?: string | null;
  /** What a token without any scope claim holds: nothing (the default), or what the policy grants. */
  scopesWhenAbsent?: 'none' | 'policy';
  /** Required `tenant` claim of this issuer's ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant §3). */
  tenant?: string | null;
}

export interface IssuerLookup {
  get(issuer: string): Promise<TrustedIssuer | undefined>;
}

export interface VerifiedToken {
  /** The claims as typed values (claims.ts): nothing reads the raw payload. */
  claims: TokenClaims;
  /** True when Mandate itself issued the token. */
  self: boolean;
}

export interface VerifyOptions {
  /**
   * Leave the scope ceiling to the policy when the token carries no scope claim, whatever its
   * issuer says: for an ID token presented as an identity assertion (ID-JAG issuance).
   */
  identityAssertion?: boolean;
}

export interface TokenVerifierDeps {
  issuer: string;
  /** Mandate's own public keys by kid (active, next and retired-but-unexpired). */
  selfKeys: () => Map<string, KeyObject>;
  issuers: IssuerLookup;
  clockSkew: number;
  now: () => number;
  /**
   * Whether one of Mandate's own tokens was revoked (RFC 7009), by `jti`: one primary-key lookup,
   * asked only for Mandate's tokens, which all carry a `jti`.
   */
  isRevoked?: (jti: string) => Promise<boolean>;
}

/** `typ` values that mark a JWT as something other than an access or ID token. */
const foreignTypes = new Set([
  'dpop+jwt',
  'oauth-id-jag+jwt',
  'logout+jwt',
  'secevent+jwt',
  'token-introspection+jwt',
]);

function unsupportedType(param: string, tokenTypeUri: string): OAuthError {
  return new OAuthError('invalid_request', `unsupported ${param}_type '${tokenTypeUri}'`, {
    reason: 'token_type_unsupported',
  });
}

function fail(param: string, description: string, reason: RefusalReasonFor<'invalid_grant'>): OAuthError {
  return new OAuthError('invalid_grant', `${param} ${description}`, { reason });
}

/** The trusted issuer `iss` of a foreign token, trusted for the declared type, whose typ fits it. */
async function trustedIssuer(
  deps: TokenVerifierDeps,
  iss: string | undefined,
  typ: string | undefined,
  typeName: string,
  param: string,
): Promise<TrustedIssuer> {
  const trusted =
    iss === undefined
      ? undefined
      : await deps.issuers.get(iss).catch((err: unknown) => {
          throw new OAuthError(
            'temporarily_unavailable',
            'the trusted issuer registry is unavailable; try again shortly',
            { headers: { 'Retry-After': '2' }, reason: 'issuer_store_unavailable', cause: err },
          );
        });
  if (trusted === undefined) throw fail(param, 'is from an issuer that is not trusted', 'untrusted_issuer');
  if (!trusted.tokenTypes.includes(typeName))
    throw fail(param, `of type ${typeName} is not accepted from this issuer`, 'type_not_accepted');
  if (typeName === 'id_token' && typ === 'at+jwt')
    throw fail(param, 'is an access token, not an id_token', 'type_mismatch');
  if (typeName === 'access_token' && typ !== undefined && typ !== 'at+jwt' && typ !== 'jwt')
    throw fail(param, `has typ '${typ}', not an access token`, 'type_mismatch');
  return trusted;
}

/** The payload once signature and registered claims verify; jose's failures as refusals or an outage. */
async function verifiedPayload(
  token: string,
  keys: JWTVerifyGetKey,
  opts: VerifyJwtOptions,
  decoded: DecodedJwt,
  param: string,
): Promise<JWTPayload> {
  try {
    return (await verifyJwt(token, keys, opts, decoded)).payload;
  } catch (err) {
    if (err instanceof OAuthError)
      throw new OAuthError(err.error, `${param}: ${err.message}`, { reason: auditReason(err) });
    const f = describeJoseError(err, param);
    if (f.outage)
      throw new OAuthError('temporarily_unavailable', f.description, {
        reason: f.reason,
        headers: { 'Retry-After': '5' },
      });
    throw new OAuthError('invalid_grant', f.description, { reason: f.reason });
  }
}

/**
 * The token decoded once (verifyJwt reuses it rather than decoding the token again), with its
 * `typ` (media-type form folded) and `iss`; a foreign `typ` is refused here.
 */
function decodeOnce(token: string, param: string): { decoded: DecodedJwt; typ?: string; iss?: string } {
  let iss: string | undefined;
  let typ: string | undefined;
  let decoded: DecodedJwt;
  try {
    decoded = { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
    typ = (decoded.header as { typ?: string }).typ?.toLowerCase().replace(/^application\//, '');
    iss = (decoded.payload as { iss?: string }).iss;
  } catch {
    throw fail(param, 'is not a well-formed JWT', 'malformed');
  }
  if (typ !== undefined && foreignTypes.has(typ))
    throw fail(param, `has type '${typ}', not a usable token`, 'typ');
  return { decoded, ...(typ === undefined ? {} : { typ }), ...(iss === undefined ? {} : { iss }) };
}

/** Who signed the token and with which keys: Mandate itself, or a trusted issuer. */
async function signerOf(
  deps: TokenVerifierDeps,
  selfKeySet: JWTVerifyGetKey,
  iss: string | undefined,
  typ: string | undefined,
  typeName: string,
  param: string,
): Promise<{ keys: JWTVerifyGetKey; algorithms: string[]; trusted?: TrustedIssuer; self: boolean }> {
  if (iss === deps.issuer) {
    // Mandate's own tokens are RFC 9068 access tokens and nothing else.
    if (typ !== 'at+jwt') throw fail(param, "issued by Mandate must have typ 'at+jwt'", 'typ');
    if (typeName === 'id_token') throw fail(param, 'is an access token, not an id_token', 'type_mismatch');
    return { keys: selfKeySet, algorithms: ['ES256'], self: true };
  }
  const trusted = await trustedIssuer(deps, iss, typ, typeName, param);
  const keys = trusted.jwks ? localKeySet(trusted.jwks) : remoteKeySet(trusted.jwksUri ?? '');
  return { keys, algorithms: trusted.algorithms, trusted, self: false };
}

export function createTokenVerifier(deps: TokenVerifierDeps) {
  const selfKeySet: JWTVerifyGetKey = async (header) => {
    const key = header.kid === undefined ? undefined : deps.selfKeys().get(header.kid);
    if (key === undefined)
      throw new OAuthError('invalid_grant', 'unknown signing key', { reason: 'no_matching_key' });
    return key;
  };

  /**
   * Verifies `token` presented as `param` (subject_token or actor_token) with the declared type URI.
   * Every failure is `invalid_grant` (the token is the grant being exchanged), except an issuer's
   * key set being unreachable, which is `temporarily_unavailable`.
   */
  async function verify(
    token: string,
    tokenTypeUri: string,
    param: string,
    opts: VerifyOptions = {},
  ): Promise<VerifiedToken> {
    const typeName = tokenTypeName[tokenTypeUri];
    if (typeName === undefined) throw unsupportedType(param, tokenTypeUri);
    if (token.split('.').length !== 3) throw fail(param, 'is not a signed JWT', 'not_jws');
    const { decoded, typ, iss } = decodeOnce(token, param);
    const { keys, algorithms, trusted, self } = await signerOf(deps, selfKeySet, iss, typ, typeName, param);

    const now = deps.now();
    const verifyOpts = {
      algorithms,
      issuer: iss ?? '',
      requiredClaims: ['exp', 'sub'],
      clockSkew: deps.clockSkew,
      now,
    };
    const claims = await verifiedPayload(token, keys, verifyOpts, decoded, param);
    if (typeof claims.iat === 'number' && claims.iat > now + deps.clockSkew)
      throw fail(param, 'is issued in the future', 'iat_future');
    const typed = readClaims(claims, {
      param,
      error: 'invalid_grant',
      // Mandate's own access tokens always carry these (RFC 9068 §2.2).
      required: self ? ['jti', 'iat', 'client_id'] : [],
      groupsClaim: trusted?.groupsClaim ?? 'groups',
      scopesClaim: trusted?.scopesClaim ?? null,
      scopesWhenAbsent: opts.identityAssertion ? 'policy' : (trusted?.scopesWhenAbsent ?? 'none'),
      now,
    });
    if (self && deps.isRevoked !== undefined && (await deps.isRevoked(typed.jti ?? '')))
      throw fail(param, 'has been revoked', 'revoked');
    return { claims: typed, self };
  }

  return { verify };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
