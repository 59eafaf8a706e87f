/**
 * Maps a policy denial to its OAuth error. Policies give stable reason codes (see rego/README.md);
 * the codes below have a precise wire error, anything else is `invalid_grant` (RFC 6749 §5.2: the
 * grant may not be used for this request). The policy's messages are the error_description.
 */
import type { Decision } from '../../policy/contract.js';
import { reasonCode, reasonText } from '../../policy/reasons.js';
import { OAuthError, type OAuthErrorCode } from '../errors.js';

const wireErrorByCode: Record<string, OAuthErrorCode> = {
  unknown_target: 'invalid_target',
  unknown_resource: 'invalid_target',
  downstream_subject_unmapped: 'invalid_target',
  actor_not_allowed: 'unauthorized_client',
  client_not_allowed: 'unauthorized_client',
  scope_not_allowed: 'invalid_scope',
  dpop_required: 'invalid_request',
};

// A policy that failed (an evaluation error, a result outside the decision contract) is for the
// security team to fix, not the client: a generic description here; the cause is in the log and in
// the decision event's reasons.
const policyFailures = new Set(['policy_error', 'policy_result_invalid']);

const precedence: OAuthErrorCode[] = [
  'invalid_target',
  'unauthorized_client',
  'invalid_request',
  'invalid_scope',
];

/** A denial's audit reason: `policy:` and its reason codes (refusals.ts's `policy:<codes>` family). */
export function denialReason(decision: Decision): `policy:${string}` {
  return `policy:${decision.reasons.map(reasonCode).join(',') || 'deny'}`;
}

export function denialError(decision: Decision, fallback: OAuthErrorCode = 'invalid_grant'): OAuthError {
  const codes = decision.reasons.map(reasonCode);
  if (codes.some((c) => policyFailures.has(c)))
    return new OAuthError(fallback, 'policy evaluation failed', { reason: denialReason(decision) });
  const mapped = codes.map((c) => wireErrorByCode[c]).filter((e): e is OAuthErrorCode => e !== undefined);
  const error = precedence.find((e) => mapped.includes(e)) ?? fallback;
  const text = decision.reasons.map(reasonText).filter((t) => t !== '');
  return new OAuthError(error, text.length > 0 ? text.join('; ') : 'denied by policy', {
    reason: denialReason(decision),
  });
}
