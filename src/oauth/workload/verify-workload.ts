/**
 * Verifies a workload's platform JWT (a Kubernetes service-account token, a SPIFFE JWT-SVID, a CI
 * system's OIDC token) presented as the RFC 7523 §2.1 authorization grant of MCP SEP-1933 workload
 * identity federation: RFC 7523 §3 checks against the configured issuer's keys, then the issuer's
 * claim rules name the client the workload authenticates as. Every failure is `invalid_grant`
 * (RFC 7523 §3.1) with a precise reason, except an unreachable key set (`temporarily_unavailable`).
 * The `jti` replay record is the grant's job, written once everything else has passed.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { ID_JAG_TYP } from '../id-jag/id-jag-profile.js';
import { readClaims, type TokenClaims } from '../tokens/claims.js';
import { describeJoseError } from '../tokens/jose-errors.js';
import { localKeySet, remoteKeySet } from '../tokens/jwks-cache.js';
import { matchRule, type WorkloadIssuer, type WorkloadRule, type WorkloadTrust } from './trust.js';

export interface WorkloadVerifierDeps {
  /** Mandate's issuer and token endpoint: the default accepted audiences. */
  issuer: string;
  tokenEndpoint: string;
  clockSkew: number;
  now: () => number;
}

export interface VerifiedWorkload {
  claims: TokenClaims & { jti: string; iat: number };
  issuer: WorkloadIssuer;
  rule: WorkloadRule;
}

function refuse(description: string, reason: RefusalReasonFor<'invalid_grant'>): OAuthError {
  return new OAuthError('invalid_grant', description, { reason });
}

/**
 * What an assertion presented without client credentials is, read before any signature check only
 * to pick the path and the keys: an ID-JAG (its own `typ`: the usual client authentication then
 * applies), or a workload token from the issuer it names, trusted (`issuer`) or not (`undefined`).
 */
export function classifyAssertion(
  assertion: string,
  workloads: WorkloadTrust | undefined,
): { kind: 'id_jag' } | { kind: 'workload'; issuer: WorkloadIssuer | undefined } {
  try {
    const typ = decodeProtectedHeader(assertion).typ?.toLowerCase();
    if (typ !== undefined && typ.replace(/^application\//, '') === ID_JAG_TYP) return { kind: 'id_jag' };
    const { iss } = decodeJwt(assertion);
    return { kind: 'workload', issuer: typeof iss === 'string' ? workloads?.get(iss) : undefined };
  } catch {
    throw refuse('assertion is not a well-formed JWT', 'malformed');
  }
}

export async function verifyWorkload(
  assertion: string,
  trusted: WorkloadIssuer,
  deps: WorkloadVerifierDeps,
): Promise<VerifiedWorkload> {
  if (trusted.issuer === deps.issuer)
    throw refuse('assertion was issued by this server and cannot be redeemed here', 'self_issued');
  const now = deps.now();
  const audiences = trusted.audiences.length > 0 ? [...trusted.audiences] : [deps.tokenEndpoint, deps.issuer];
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      assertion,
      trusted.jwks ? localKeySet(trusted.jwks) : remoteKeySet(trusted.jwksUri ?? ''),
      {
        algorithms: trusted.algorithms,
        issuer: trusted.issuer,
        audience: audiences,
        // SEP-1933 "JWT Format": iss, sub, aud, exp, iat and jti are REQUIRED.
        requiredClaims: ['sub', 'aud', 'exp', 'iat', 'jti'],
        clockTolerance: deps.clockSkew,
        currentDate: new Date(now * 1000),
      },
    ));
  } catch (err) {
    const f = describeJoseError(err, 'assertion');
    if (f.outage)
      throw new OAuthError('temporarily_unavailable', f.description, {
        reason: f.reason,
        headers: { 'Retry-After': '5' },
      });
    throw refuse(f.description, f.reason === 'claim_aud' ? 'aud_mismatch' : f.reason);
  }
  const claims = readClaims(payload, {
    param: 'assertion',
    error: 'invalid_grant',
    required: ['aud', 'jti', 'iat'],
    // Read (so that a malformed one refuses), never used: a workload's groups and scopes are what
    // its rule says, not what its platform asserts.
    scopesWhenAbsent: 'none',
    now,
  }) as VerifiedWorkload['claims'];
  if (claims.iat > now + deps.clockSkew) throw refuse('assertion is issued in the future', 'iat_future');
  if (claims.exp - now > trusted.maxLifetimeSeconds)
    throw refuse(`assertion must expire within ${trusted.maxLifetimeSeconds} seconds`, 'lifetime');
  // Workload trust (SEP-1933 "Trust Relationships"): only string claims compared for equality, on
  // the verified payload, so a rule can name any claim its platform sets (a namespace, a tenant).
  const rule = matchRule(trusted, claims.sub, payload);
  if (rule === undefined)
    throw refuse('no trust rule of the issuer names this workload', 'workload_not_trusted');
  return { claims, issuer: trusted, rule };
}
