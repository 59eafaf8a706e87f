/**
 * Records what happened after the fact (a refusal, a revocation): the outcome stands whether or not
 * the audit log takes it, so a failure is logged, never thrown. Issuance is different: a token is
 * sent only after its record commits (endpoints/token-endpoint.ts).
 */
import type { AuditEntry } from '../audit/port.js';
import type { OAuthContext } from './context.js';

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
