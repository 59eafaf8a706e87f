/**
 * MCP SEP-1933: at the token endpoint a workload's platform JWT, sent as the jwt-bearer grant's
 * `assertion` with no client credentials, is the client's authentication and identity (no secret,
 * no registration): the issuer's claim rules name the client. A request that carries client
 * credentials is not a workload's (it is an ID-JAG redemption, authenticated as usual).
 */
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import type { TokenRequest } from '../token-request.js';
import { classifyAssertion, verifyWorkload, type VerifiedWorkload } from './verify-workload.js';

/** A client authenticated by its workload's platform JWT, with the workload its grant redeems. */
export interface WorkloadClient extends AuthenticatedClient {
  method: 'workload_assertion';
  workload: VerifiedWorkload;
}

function carriesClientCredentials(req: TokenRequest): boolean {
  const p = req.params;
  return (
    (req.authorization !== undefined && /^Basic(\s|$)/i.test(req.authorization)) ||
    p.has('client_secret') ||
    p.has('client_assertion') ||
    p.has('client_assertion_type')
  );
}

/** The workload's client, or undefined when the request is for the usual client authentication. */
export async function authenticateWorkload(
  req: TokenRequest,
  ctx: OAuthContext,
): Promise<WorkloadClient | undefined> {
  if (carriesClientCredentials(req)) return undefined;
  const assertion = req.params.require('assertion');
  const found = classifyAssertion(assertion, ctx.workloads);
  if (found.kind === 'id_jag') return undefined;
  const trusted = found.issuer;
  if (trusted === undefined)
    throw new OAuthError('invalid_grant', 'assertion is from an issuer that is not trusted', {
      reason: 'untrusted_issuer',
    });
  const workload = await verifyWorkload(assertion, trusted, {
    issuer: ctx.issuer,
    tokenEndpoint: ctx.endpoints.token,
    clockSkew: ctx.clockSkew,
    now: ctx.now,
  });
  const clientId = req.params.get('client_id');
  if (clientId !== undefined && clientId !== workload.rule.clientId)
    throw new OAuthError('invalid_grant', 'client_id is not the client this workload is trusted as', {
      reason: 'workload_client_mismatch',
    });
  const client = await ctx.clients.get(workload.rule.clientId).catch((err: unknown) => {
    throw new OAuthError('temporarily_unavailable', 'the client registry is unavailable; try again shortly', {
      headers: { 'Retry-After': '2' },
      reason: 'client_store_unavailable',
      cause: err,
    });
  });
  // Configuration checks that every rule names a configured client; one removed since is refused.
  if (client === undefined)
    throw new OAuthError('invalid_grant', 'the client this workload is trusted as is not registered', {
      reason: 'workload_unknown_client',
    });
  return { client, method: 'workload_assertion', workload };
}
