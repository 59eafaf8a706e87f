/**
 * Asking the decision service (src/policy) from a grant or an endpoint:
 *
 * - `decide-or-refuse.ts`: decide, record the decision on the trace, refuse a denial or an unmet
 *   `require_dpop` obligation.
 * - `policy-denial.ts`: a policy denial as its OAuth error (precise reason codes, wire error).
 * - `subject-input.ts`: the decision input's `subject` and `context` from a verified token's claims.
 */
export {};
