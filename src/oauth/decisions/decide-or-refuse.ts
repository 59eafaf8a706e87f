/**
 * What every grant at the token endpoint does with the decision service, in one place: decide,
 * record the decision on the trace (a refusal is then audited with it), and check in this order:
 * a denial becomes its OAuth error (policy-denial.ts) first, whatever the obligations say; an
 * allowed decision that says `require_approval` (only a token exchange can get one: invariants.ts)
 * is answered `interaction_required`, and nothing is issued until a person approves the same request
 * made at the backchannel authentication endpoint (OpenID CIBA, ADR 0014); an allowed decision that
 * says `require_dpop` refuses a request that carried no DPoP proof (`dpop_required`).
 */
import type { Decision, DecisionInput } from '../../policy/contract.js';
import { denialError } from './policy-denial.js';
import { OAuthError, type OAuthErrorCode } from '../errors.js';
import type { OAuthContext } from '../context.js';
import type { Trace } from '../token-request.js';

export function decideOrRefuse(
  ctx: OAuthContext,
  trace: Trace,
  input: DecisionInput,
  /** The error for a missing proof: `invalid_request`, or `invalid_grant` where a profile says so. */
  dpopError: OAuthErrorCode = 'invalid_request',
): Decision {
  const decision = ctx.decisions.decide(input);
  trace.decision = { decision, input };
  if (!decision.allow) throw denialError(decision);
  const approval = decision.obligations.require_approval;
  if (approval !== undefined)
    throw new OAuthError(
      'interaction_required',
      `a person must approve this request (${approval.binding_message}): ` +
        'send it to the backchannel authentication endpoint',
      { reason: 'approval_required' },
    );
  if (decision.obligations.require_dpop === true && input.context.dpop_jkt === undefined)
    throw new OAuthError(dpopError, 'this target requires a DPoP-bound token: send a DPoP proof', {
      reason: 'dpop_required',
    });
  return decision;
}
