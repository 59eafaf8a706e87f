/**
 * Reasons are `{code, message}` objects (or, from older policies, bare strings). The code is the
 * stable key the token endpoint maps to an OAuth error (rego/README.md "Reason codes"); the
 * message is for people and the decision log.
 */
import type { Reason } from './contract.js';

/** Codes the service itself adds, next to the policy's own (rego/README.md). */
export const serviceReasonCodes = [
  'invalid_input',
  'policy_error',
  'policy_result_invalid',
  'ttl_exhausted',
  'scope_not_allowed',
  'scope_dropped',
  'policy_denied',
  'invariant_enforced',
  'approval_unsupported',
] as const;

/** The stable code of a reason; a bare string reason is its own code. */
export function reasonCode(r: Reason): string {
  return typeof r === 'string' ? r : r.code;
}

/** The readable text of a reason. */
export function reasonText(r: Reason): string {
  return typeof r === 'string' ? r : r.message;
}
