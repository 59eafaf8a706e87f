/**
 * How the protocol core records what it decided (docs/audit.md, "No decision without its record").
 *
 * - A decision's answer waits for its record: a token is sent only after its issuance and events
 *   commit (endpoints/token-endpoint.ts), and a refusal is answered only after its event commits
 *   (`recordRefusal`). When the audit log cannot take it, the client gets 503
 *   `temporarily_unavailable` with `Retry-After` instead, and nothing it learns goes unrecorded:
 *   a refusal tells a caller something too (a secret is wrong, a scope is out of reach), and an
 *   outage of the audit store must not open a window for unrecorded probing.
 * - What already happened stays done (`recordAfterTheFact`): a revocation has taken effect in the
 *   database when its event is written; if the audit log is down, the token stays revoked (the safe
 *   outcome) and the failure is logged at error level.
 */
import type { AuditEntry, TokenFact } from '../audit/port.js';
import type { OAuthContext } from './context.js';
import { OAuthError } from './errors.js';
import type { RefusalReason } from './refusals.js';

/**
 * A refusal's audit fact, its `reason` a member of the catalogue (refusals.ts): the audit port
 * types it as a string (audit/ cannot see the catalogue), so every refusal the core records is
 * built here, and a free string there, a description or a message, does not compile.
 */
export type RefusedFact = Omit<TokenFact, 'kind' | 'reason'> & { kind: 'refused'; reason: RefusalReason };

/** The fact of a refusal, typed so that its reason is catalogued. */
export function refusedFact(fact: RefusedFact): TokenFact {
  return fact;
}

/** The answer when a decision cannot be recorded: the client did nothing wrong, and may retry. */
export function auditUnavailable(cause: unknown): OAuthError {
  return new OAuthError('temporarily_unavailable', 'the audit log is unavailable; try again shortly', {
    headers: { 'Retry-After': '2' },
    reason: 'audit_unavailable',
    cause,
  });
}

/** Records a refusal before it is answered; throws `auditUnavailable` when it cannot. */
export async function recordRefusal(
  ctx: Pick<OAuthContext, 'audit' | 'log'>,
  entry: AuditEntry,
  what: string,
  fields: Record<string, unknown> = {},
): Promise<void> {
  try {
    await ctx.audit.commit(entry);
  } catch (err) {
    ctx.log.error(`could not record ${what}; answering temporarily_unavailable instead`, {
      err: String(err),
      ...fields,
    });
    throw auditUnavailable(err);
  }
}

/** Records what has already taken effect (a revocation); a failure is logged, never thrown. */
export async function recordAfterTheFact(
  ctx: Pick<OAuthContext, 'audit' | 'log'>,
  entry: AuditEntry,
  what: string,
  fields: Record<string, unknown> = {},
): Promise<void> {
  try {
    await ctx.audit.commit(entry);
  } catch (err) {
    ctx.log.error(`could not record ${what}`, { err: String(err), ...fields });
  }
}
