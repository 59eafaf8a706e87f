/**
 * Verifies an ID-JAG presented as an RFC 7523 authorization grant at Mandate acting as the resource
 * authorization server: draft-ietf-oauth-identity-assertion-authz-grant §4.4.1 on top of RFC 7523
 * §3 and RFC 7521 §5.2. Every failure is `invalid_grant` (RFC 7523 §3.1), except an issuer's key
 * set being unreachable, which is `temporarily_unavailable`. The `jti` replay record is the
 * grant's job: it is written only once everything else has passed.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { readClaims, type TokenClaims } from '../tokens/claims.js';
import { OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { describeJoseError } from '../tokens/jose-errors.js';
import { localKeySet, remoteKeySet } from '../tokens/jwks-cache.js';
import type { IssuerLookup, TrustedIssuer } from '../tokens/token-verifier.js';
import { ID_JAG_ISSUER_TYPE, ID_JAG_TYP } from './id-jag-profile.js';

/** Longest remaining lifetime accepted: the replay record of a `jti` is kept until `exp`. */
export const MAX_ID_JAG_LIFETIME = 3600;

export interface IdJagVerifierDeps {
  /** Mandate's issuer identifier: the only accepted `aud`. */
  issuer: string;
  issuers: IssuerLookup;
  clockSkew: number;
  now: () => number;
}

export interface VerifiedIdJag {
  claims: TokenClaims & { jti: string; iat: number; client_id: string };
  trusted: TrustedIssuer;
}

function refuse(description: string, reason: RefusalReasonFor<'invalid_grant'>): OAuthError {
  return new OAuthError('invalid_grant', description, { reason });
}

/** `aud` must be exactly our issuer: a string, or an array holding that one value (§4.4.1). */
function checkAudience(values: string[], issuer: string): void {
  if (values.length > 1)
    throw refuse('assertion aud must name exactly one authorization server', 'aud_multiple');
  if (values[0] !== issuer) throw refuse('assertion aud is not this authorization server', 'aud_mismatch');
}

/** The trusted issuer of a compact, explicitly typed ID-JAG that Mandate did not issue itself. */
async function trustedIssuerOf(assertion: string, deps: IdJagVerifierDeps): Promise<TrustedIssuer> {
  if (assertion.split('.').length !== 3) throw refuse('assertion is not a signed JWT', 'not_jws');
  let typ: string | undefined;
  let iss: string | undefined;
  try {
    typ = decodeProtectedHeader(assertion)
      .typ?.toLowerCase()
      .replace(/^application\//, '');
    iss = decodeJwt(assertion).iss;
  } catch {
    throw refuse('assertion is not a well-formed JWT', 'malformed');
  }
  // RFC 8725 §3.11: the explicit type keeps an ID token or access token from passing as a grant.
  if (typ !== ID_JAG_TYP) throw refuse(`assertion typ must be '${ID_JAG_TYP}'`, 'typ');
  // §7.3: an IdP must not issue access tokens for an ID-JAG it issued itself.
  if (iss === deps.issuer)
    throw refuse('assertion was issued by this server and cannot be exchanged here', 'self_issued');
  const trusted = iss === undefined ? undefined : await deps.issuers.get(iss);
  if (trusted === undefined)
    throw refuse('assertion is from an issuer that is not trusted', 'untrusted_issuer');
  if (!trusted.tokenTypes.includes(ID_JAG_ISSUER_TYPE))
    throw refuse('assertion issuer is not trusted to issue ID-JAGs', 'type_not_accepted');
  return trusted;
}

/** The assertion's claims once its signature, issuer and lifetime verify with the issuer's keys. */
async function verifiedClaims(
  assertion: string,
  trusted: TrustedIssuer,
  deps: IdJagVerifierDeps,
  now: number,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(
      assertion,
      trusted.jwks ? localKeySet(trusted.jwks) : remoteKeySet(trusted.jwksUri ?? ''),
      {
        algorithms: trusted.algorithms,
        issuer: trusted.issuer,
        // §3: REQUIRED claims (aud and client_id are compared exactly below).
        requiredClaims: ['sub', 'aud', 'client_id', 'jti', 'exp', 'iat'],
        clockTolerance: deps.clockSkew,
        currentDate: new Date(now * 1000),
      },
    );
    return payload;
  } catch (err) {
    const f = describeJoseError(err, 'assertion');
    if (f.outage)
      throw new OAuthError('temporarily_unavailable', f.description, {
        reason: f.reason,
        headers: { 'Retry-After': '5' },
      });
    throw refuse(f.description, f.reason);
  }
}

/** Verifies an ID-JAG presented by `clientId` (draft-ietf-oauth-identity-assertion-authz-grant §4.4.1). */
export async function verifyIdJag(
  assertion: string,
  clientId: string,
  deps: IdJagVerifierDeps,
): Promise<VerifiedIdJag> {
  const trusted = await trustedIssuerOf(assertion, deps);
  const now = deps.now();
  const claims = await verifiedClaims(assertion, trusted, deps, now);
  // §3: jti, iat and client_id are REQUIRED; a jti that is not a non-empty string refuses the grant.
  const typed = readClaims(claims, {
    param: 'assertion',
    error: 'invalid_grant',
    required: ['aud', 'client_id', 'jti', 'iat'],
    groupsClaim: trusted.groupsClaim ?? 'groups',
    scopesClaim: trusted.scopesClaim ?? null,
    // §4.4.1: scopes = requested ∩ the ID-JAG's; an ID-JAG naming none grants none.
    scopesWhenAbsent: 'none',
    now,
  }) as VerifiedIdJag['claims'];
  if (typed.iat > now + deps.clockSkew) throw refuse('assertion is issued in the future', 'iat_future');
  if (typed.exp - now > MAX_ID_JAG_LIFETIME)
    throw refuse(`assertion must expire within ${MAX_ID_JAG_LIFETIME} seconds`, 'lifetime');
  checkAudience(typed.aud, deps.issuer);
  // §4.4.1: the client_id claim must identify the authenticated client.
  if (typed.client_id !== clientId)
    throw refuse('assertion was issued for another client', 'client_mismatch');
  if (trusted.tenant != null && typed.tenant !== trusted.tenant)
    throw refuse('assertion tenant is not the one trusted for this issuer', 'tenant_mismatch');
  return { claims: typed, trusted };
}
