/**
 * The token endpoint (RFC 6749 §3.2): picks the grant, authenticates the client, runs the grant,
 * and records the outcome, issued or refused, through the audit port before anything is sent: an
 * outcome that cannot be recorded is answered 503 temporarily_unavailable (audit-record.ts).
 */
import { IssuedRecordError } from '../../store/tokens.js';
import { authenticateClient, claimedClientId } from '../clients/client-auth.js';
import { clientAuthAt, type OAuthContext } from '../context.js';
import { auditReason, OAuthError, toOAuthError } from '../errors.js';
import type { TokenRequest, TokenResponse, Trace } from '../token-request.js';
import type { GrantRegistry } from '../grants/index.js';
import type { Grant } from '../grants/grant.js';
import { downstreamFactOf } from '../connectors/downstream-error.js';
import { auditUnavailable, recordAfterTheFact, recordRefusal, refusedFact } from '../audit-record.js';

/** RFC 6749 §5.1: token responses, and their errors, must not be cached. */
export const noStore = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * The grant's view of the request: the parameters it declares alone, none of them repeated unless
 * it may be (RFC 6749 §3.2: "MUST NOT be included more than once"; unknown ones are ignored).
 */
export function grantRequest(req: TokenRequest, grant: Grant): TokenRequest {
  for (const name of grant.parameters)
    if (req.params.count(name) > 1 && grant.repeatable?.has(name) !== true)
      throw new OAuthError('invalid_request', `parameter '${name}' must not be repeated`, {
        reason: 'parameter_repeated',
      });
  return { ...req, params: req.params.only(['grant_type', ...grant.parameters]) };
}

/** Answers a token request with the grant of `grants` its `grant_type` names. */
export async function handleTokenRequest(
  req: TokenRequest,
  ctx: OAuthContext,
  grants: GrantRegistry,
): Promise<TokenResponse> {
  const trace: Trace = {};
  let clientId: string | undefined;
  let grantType: string | undefined;
  try {
    grantType = req.params.require('grant_type');
    const grant = grants.get(grantType);
    if (grant === undefined)
      throw new OAuthError('unsupported_grant_type', `grant_type '${grantType}' is not supported`, {
        reason: 'unsupported_grant_type',
      });
    const auth =
      (await grant.authenticate?.(req, ctx)) ??
      (await authenticateClient(req.authorization, req.params, clientAuthAt(ctx, 'token')));
    clientId = auth.client.clientId;
    await ctx.rateLimits?.take('token', rateKey(clientId, auth.method, req.ip));
    if (grant.requiresClientAuthentication && auth.method === 'none')
      throw new OAuthError('invalid_client', `grant_type '${grantType}' requires client authentication`, {
        reason: 'public_client',
      });
    if (![grantType, ...(grant.permittedBy ?? [])].some((g) => auth.client.grantTypes.includes(g)))
      throw new OAuthError('unauthorized_client', `client is not allowed to use grant_type '${grantType}'`, {
        reason: 'grant_type',
      });
    const result = await grant.handle(grantRequest(req, grant), auth, ctx, trace);
    try {
      await ctx.audit.commit(result.audit);
    } catch (err) {
      // An issuance holding a value no record can hold is refused before it joins a group commit:
      // that is about what the grant presented, not an outage (503 only when a dependency is down).
      if (err instanceof IssuedRecordError)
        throw new OAuthError('invalid_grant', `the token would carry a ${err.field} no record can hold`, {
          reason: 'unrecordable_issuance',
          cause: err,
        });
      // No token leaves without its audit record.
      throw auditUnavailable(err);
    }
    // RFC 9449 §8.2: hand the client its next nonce with every response to a DPoP request.
    const nonce: Record<string, string> =
      req.dpop.length > 0 && ctx.dpopNonce !== undefined ? { 'DPoP-Nonce': ctx.dpopNonce() } : {};
    return { body: result.response.body, headers: { ...result.response.headers, ...nonce, ...noStore } };
  } catch (err) {
    const e = toOAuthError(err);
    if (e.error === 'server_error')
      ctx.log.error('token request failed', { err: String(err), stack: (err as Error)?.stack });
    // No refusal is answered without its record either: when it cannot be written, this throws
    // temporarily_unavailable instead (audit-record.ts).
    await recordTokenRefusal(
      ctx,
      e,
      trace,
      clientId === undefined ? claimed(req) : { client_id: clientId },
      grantType,
    );
    throw e;
  }
}

/** A refusal before the client authenticated names the client the request claimed, if any. */
function claimed(req: TokenRequest): { claimed_client_id?: string } {
  const id = claimedClientId(req.authorization, req.params);
  return id === undefined ? {} : { claimed_client_id: id };
}

/**
 * The token endpoint's budget is per client, counted once the client is authenticated, so that no
 * one else can spend it. A public client proves nothing by its id (every installation of an AI
 * client shares it), so its budget is per client and address.
 */
function rateKey(clientId: string, method: string, ip: string | undefined): string {
  return method === 'none' ? `${clientId} ${ip ?? ''}` : clientId;
}

async function recordTokenRefusal(
  ctx: OAuthContext,
  e: OAuthError,
  trace: Trace,
  client: { client_id: string } | { claimed_client_id?: string },
  grantType: string | undefined,
): Promise<void> {
  if (e.reason === 'audit_unavailable') return;
  // A CIBA poll of a request still waiting (OpenID CIBA §11) is not a refusal: the request, its
  // approval or denial and its token are each recorded; every five-second poll is not.
  if (e.error === 'authorization_pending' || e.error === 'slow_down') return;
  const fact = refusedFact({
    kind: 'refused',
    action: grantType ?? 'unknown',
    ...client,
    error: e.error,
    reason: auditReason(e),
    ...(trace.sub === undefined ? {} : { sub: trace.sub }),
    ...(trace.decision === undefined ? {} : { decision_id: trace.decision.decision.decision_id }),
    // The acting party the decision was about (RFC 8693 `act` shape), so the refusal names the agent.
    ...(trace.decision?.input.actor === undefined ? {} : { act: trace.decision.input.actor }),
  });
  const downstream = downstreamFactOf(e);
  if (downstream !== undefined) fact.downstream = downstream;
  const entry = { ...(trace.decision === undefined ? {} : { decision: trace.decision }), tokens: [fact] };
  // An outage answer (503) says nothing about the request: its record is kept when it can be.
  if (e.error === 'temporarily_unavailable')
    await recordAfterTheFact(ctx, entry, 'a request answered temporarily_unavailable');
  else await recordRefusal(ctx, entry, 'a refused token request', { error: e.error });
}
