/**
 * What the service guarantees whatever the policy says (design.md "The decision contract";
 * RFC 8693 §2.1 / standards.md "Invariants: scopes never grow; lifetime never beyond the subject
 * token's"): granted scopes ⊆ requested ∩ the subject token's scopes, deduplicated, in request
 * order; lifetime ≤ the policy's and ≤ the subject token's remaining lifetime; an allow that is
 * left with nothing to grant, or with no lifetime, becomes a deny; so does an allow that requires a
 * person's approval (`require_approval`) for an action that cannot wait for one.
 */
import type { DecisionInput, Obligations, PolicyResult, Reason } from './contract.js';

export interface EnforcedResult {
  allow: boolean;
  scopes: string[];
  ttl_seconds: number;
  reasons: Reason[];
  obligations: Obligations;
}

/**
 * The actions whose answer may wait for a person (ADR 0014): a token exchange becomes an OpenID
 * CIBA approval. Every other action answers now, so an allow that needs an approval is a deny there.
 */
export const DEFERRABLE_ACTIONS: ReadonlySet<string> = new Set(['token_exchange']);

type InvariantInput = Pick<DecisionInput, 'now' | 'scopes'> & {
  action?: DecisionInput['action'];
  subject: Pick<DecisionInput['subject'], 'scopes' | 'exp'>;
};

export function enforceInvariants(input: InvariantInput, result: PolicyResult): EnforcedResult {
  const reasons: Reason[] = [...result.reasons];
  const obligations = { ...result.obligations, require_dpop: result.obligations.require_dpop === true };
  const deny = (extra?: Reason): EnforcedResult => {
    if (extra !== undefined) reasons.push(extra);
    if (reasons.length === 0) reasons.push({ code: 'policy_denied', message: 'denied by policy' });
    return { allow: false, scopes: [], ttl_seconds: 0, reasons, obligations };
  };
  if (result.allow !== true) return deny();
  const policyGranted = new Set(result.scopes);
  const subjectScopes = input.subject.scopes === undefined ? undefined : new Set(input.subject.scopes);
  const requested = new Set(input.scopes);
  const scopes: string[] = [];
  const seen = new Set<string>();
  for (const s of input.scopes) {
    if (seen.has(s) || !policyGranted.has(s)) continue;
    seen.add(s);
    if (subjectScopes !== undefined && !subjectScopes.has(s)) {
      reasons.push({ code: 'scope_dropped', message: `scope ${s}: not in the subject token` });
      continue;
    }
    scopes.push(s);
  }
  for (const s of policyGranted) {
    if (!requested.has(s)) {
      reasons.push({ code: 'invariant_enforced', message: `policy granted unrequested scope ${s}; removed` });
    }
  }
  if (input.scopes.length > 0 && scopes.length === 0) {
    return deny({
      code: 'scope_not_allowed',
      message: 'no requested scope is both allowed and held by the subject',
    });
  }

  let ttl = result.ttl_seconds;
  if (input.subject.exp !== undefined) ttl = Math.min(ttl, input.subject.exp - input.now);
  if (!(ttl > 0)) {
    return deny({
      code: 'ttl_exhausted',
      message: 'no token lifetime left (subject token expired or policy ttl is 0)',
    });
  }
  // Last, so that an action held back only for want of an approval has passed every other
  // invariant: an approved tool call (oauth/authzen/tool-approval.ts) is then allowed as it stands.
  if (obligations.require_approval !== undefined && !DEFERRABLE_ACTIONS.has(input.action ?? '')) {
    return deny({
      code: 'approval_unsupported',
      message: `the policy requires an approval, which action ${input.action ?? '(none)'} cannot wait for`,
    });
  }
  return { allow: true, scopes, ttl_seconds: ttl, reasons, obligations };
}
