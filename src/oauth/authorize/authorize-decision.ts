/**
 * The `authorize` decision (rego/README.md, Actions): may this user, through this client, reach
 * this MCP server, and with which scopes. A denial goes back to the client as `access_denied` with
 * the policy's reasons (RFC 6749 §4.1.2.1), and is recorded like every other refusal.
 */
import type { DecisionFact } from '../../audit/port.js';
import type { Decision } from '../../policy/contract.js';
import { reasonCode, reasonText } from '../../policy/reasons.js';
import type { OAuthContext } from '../context.js';
import { firstHopInput } from '../issuance/first-hop-token.js';
import type { LoginSession } from './login-port.js';
import {
  AuthorizeError,
  targetOf,
  type AuthorizationRequest,
  type RefusalTarget,
} from './authorization-request.js';
import type { AuditEntry } from '../../audit/port.js';
import { recordRefusal, refusedFact } from '../audit-record.js';

/**
 * Records a refusal at the authorization endpoint before the client hears of it; when the audit
 * log cannot take it, the client is sent `temporarily_unavailable` (RFC 6749 §4.1.2.1) instead.
 */
export async function recordRefusalOrRedirect(
  ctx: OAuthContext,
  entry: AuditEntry,
  what: string,
  target: RefusalTarget,
): Promise<void> {
  try {
    await recordRefusal(ctx, entry, what);
  } catch (err) {
    throw new AuthorizeError('temporarily_unavailable', (err as Error).message, target, 'audit_unavailable');
  }
}

export interface Decided {
  decision: Decision;
  fact: DecisionFact;
}

export async function decideAuthorize(
  req: AuthorizationRequest,
  session: LoginSession,
  ctx: OAuthContext,
  ip: string | undefined,
): Promise<Decided> {
  const now = ctx.now();
  const input = firstHopInput(
    'authorize',
    session.subject,
    req.client,
    req.resource.resource,
    req.scopes,
    now,
    {
      auth_time: session.authTime,
      ...(req.dpopJkt === undefined ? {} : { dpop_jkt: req.dpopJkt }),
      ...(ip === undefined ? {} : { ip }),
    },
  );
  const decision = ctx.decisions.decide(input);
  const fact = { decision, input };
  if (decision.allow) return { decision, fact };
  const codes = decision.reasons.map(reasonCode);
  const text = decision.reasons.map(reasonText).filter((t) => t !== '');
  const description = text.length > 0 ? text.join('; ') : 'denied by policy';
  await recordRefusalOrRedirect(
    ctx,
    {
      decision: fact,
      tokens: [
        refusedFact({
          kind: 'refused',
          action: 'authorize',
          client_id: req.client.clientId,
          sub: session.subject.sub,
          aud: req.resource.resource,
          error: 'access_denied',
          reason: `policy:${codes.join(',') || 'deny'}`,
          decision_id: decision.decision_id,
        }),
      ],
    },
    'an authorization refusal',
    targetOf(req),
  );
  throw new AuthorizeError('access_denied', description, targetOf(req), 'policy');
}
