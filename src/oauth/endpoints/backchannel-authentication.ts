/**
 * The backchannel authentication endpoint (OpenID CIBA Core 1.0 §7, poll mode; ADR 0014): an MCP
 * server whose token exchange was answered `interaction_required` asks here for the same exchange
 * to wait for a person's approval. Its profile of CIBA's parameters: `login_hint_token` is the
 * subject token of the exchange (the user's access token the MCP server received), and the
 * exchange's own parameters (`resource`/`audience`, `scope`, `actor_token`, `requested_token_type`)
 * say what is asked; `binding_message` and `requested_expiry` are CIBA's. The request is checked and
 * decided exactly as the exchange is; a policy that still requires an approval starts one. Without a
 * target and with one `mcp_tool_call` authorization detail, the request is a tool call to approve
 * (authzen/tool-approval.ts): decided as its AuthZEN evaluation is.
 */
import { MAX_BINDING_MESSAGE } from '../../policy/approval.js';
import { recordRefusal, refusedFact } from '../audit-record.js';
import { startApproval, type ApprovalStarted } from '../approvals/start-approval.js';
import { authenticateClient, claimedClientId } from '../clients/client-auth.js';
import type { OAuthClient } from '../clients/client.js';
import { clientAuthAt, type OAuthContext } from '../context.js';
import { denialError, denialReason } from '../decisions/policy-denial.js';
import { auditReason, OAuthError, reasonOf, toOAuthError } from '../errors.js';
import { startToolCallApproval } from '../authzen/tool-approval.js';
import { parseAuthorizationDetails } from '../grants/authorization-details.js';
import { exchangeInput, exchangeToken } from '../grants/exchange-input.js';
import { checkParties, type ExchangeParties } from '../grants/exchange-parties.js';
import { parseExchangeRequest } from '../grants/exchange-request.js';
import type { Params } from '../params.js';
import type { TokenRequest, Trace } from '../token-request.js';
import { GrantType, TokenType } from '../tokens/token-types.js';

// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f-\u009f]/;

function bindingMessage(p: Params): string | undefined {
  const m = p.get('binding_message');
  if (m !== undefined && (m.length > MAX_BINDING_MESSAGE || controlChars.test(m)))
    throw new OAuthError(
      'invalid_binding_message',
      `binding_message must be at most ${MAX_BINDING_MESSAGE} characters, without control characters`,
      { reason: 'binding_message' },
    );
  return m;
}

function requestedExpiry(p: Params): number | undefined {
  const raw = p.get('requested_expiry');
  if (raw === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(raw))
    throw new OAuthError('invalid_request', 'requested_expiry must be a positive number of seconds', {
      reason: 'requested_expiry',
    });
  return Number(raw);
}

/** CIBA §7.1: exactly one hint; this profile names the user by the exchange's subject token. */
function loginHintToken(p: Params): string {
  if (p.has('login_hint') || p.has('id_token_hint') || p.has('subject_token'))
    throw new OAuthError(
      'invalid_request',
      "name the user with login_hint_token alone: the access token the user's client presented",
      { reason: 'login_hint' },
    );
  return p.require('login_hint_token');
}

/** The subject token failed its checks: CIBA's errors for a hint that names no one usable (§13). */
function hintRefusal(e: OAuthError): OAuthError {
  const detail = `login_hint_token refused: ${e.message}`;
  return reasonOf(e) === 'expired'
    ? new OAuthError('expired_login_hint_token', detail, { reason: 'login_hint_token_expired', cause: e })
    : new OAuthError('unknown_user_id', detail, { reason: 'login_hint_token_refused', cause: e });
}

async function parties(
  req: TokenRequest,
  ctx: OAuthContext,
  trace: Trace,
  auth: Parameters<typeof checkParties>[1],
): Promise<{ request: ReturnType<typeof parseExchangeRequest>; parties: ExchangeParties }> {
  const request = parseExchangeRequest(req.params, {
    token: loginHintToken(req.params),
    tokenType: TokenType.accessToken,
  });
  try {
    return { request, parties: await checkParties(request, auth, ctx, trace) };
  } catch (err) {
    if (err instanceof OAuthError && err.error === 'invalid_grant') throw hintRefusal(err);
    throw err;
  }
}

/** A tool call to approve (ADR 0014, "Tool calls"): no target service, the call as its one detail. */
function isToolCall(p: Params): boolean {
  return !p.has('resource') && !p.has('audience') && p.has('authorization_details');
}

function toolCall(
  req: TokenRequest,
  ctx: OAuthContext,
  trace: Trace,
  client: OAuthClient,
  { clientBindingMessage, expiry }: { clientBindingMessage: string | undefined; expiry: number | undefined },
) {
  const detail = parseAuthorizationDetails(req.params.get('authorization_details'))!;
  return startToolCallApproval(
    ctx,
    client,
    {
      token: loginHintToken(req.params),
      detail,
      ...(clientBindingMessage === undefined ? {} : { clientBindingMessage }),
      ...(expiry === undefined ? {} : { requestedExpiry: expiry }),
    },
    trace,
  );
}

async function start(req: TokenRequest, ctx: OAuthContext, trace: Trace, clientId: (id: string) => void) {
  const approvals = ctx.approvals;
  if (approvals === undefined)
    throw new OAuthError('invalid_request', 'approvals are not served by this instance', {
      reason: 'approvals_unavailable',
    });
  const auth = await authenticateClient(
    req.authorization,
    req.params,
    clientAuthAt(ctx, 'backchannelAuthentication'),
  );
  clientId(auth.client.clientId);
  if (auth.method === 'none' || !auth.client.grantTypes.includes(GrantType.tokenExchange))
    throw new OAuthError(
      'unauthorized_client',
      'only a client that may exchange tokens may ask for approvals',
      {
        reason: 'grant_type',
      },
    );
  const clientBindingMessage = bindingMessage(req.params);
  const expiry = requestedExpiry(req.params);
  if (isToolCall(req.params)) return toolCall(req, ctx, trace, auth.client, { clientBindingMessage, expiry });
  const { request, parties: p } = await parties(req, ctx, trace, auth);
  const ask = await exchangeInput(req, request, p, auth.client, ctx);
  const decision = ctx.decisions.decide(ask.input);
  trace.decision = { decision, input: ask.input };
  if (!decision.allow) {
    const e = denialError(decision);
    throw new OAuthError('access_denied', e.message, { reason: denialReason(decision) });
  }
  if (decision.obligations.require_dpop === true && ask.jkt === undefined)
    throw new OAuthError('invalid_request', 'this target requires a DPoP-bound token: send a DPoP proof', {
      reason: 'dpop_required',
    });
  const obligation = decision.obligations.require_approval;
  if (obligation === undefined)
    throw new OAuthError(
      'invalid_request',
      'no approval is needed: exchange the token at the token endpoint',
      {
        reason: 'approval_not_required',
      },
    );
  return startApproval(ctx, approvals, {
    input: ask.input,
    decision,
    obligation,
    issuance: {
      token: exchangeToken(ctx, request, p, ask, decision.scopes),
      subjectExp: p.subject.exp,
      issuedTokenType: request.requestedTokenType,
      ...(request.scopes === undefined ? {} : { requestedScopes: request.scopes }),
      ...(p.subject.jti === undefined ? {} : { subjectJti: p.subject.jti }),
    },
    ...(clientBindingMessage === undefined ? {} : { clientBindingMessage }),
    ...(expiry === undefined ? {} : { requestedExpiry: expiry }),
  });
}

/** Answers one backchannel authentication request; a refusal is recorded before it is thrown. */
export async function handleBackchannelAuthentication(
  req: TokenRequest,
  ctx: OAuthContext,
): Promise<ApprovalStarted> {
  const trace: Trace = {};
  let clientId: string | undefined;
  try {
    return (await start(req, ctx, trace, (id) => (clientId = id))).body;
  } catch (err) {
    const e = toOAuthError(err);
    if (e.error === 'server_error') ctx.log.error('backchannel authentication failed', { err: String(err) });
    if (reasonOf(e) === 'audit_unavailable') throw e;
    const claimed = clientId === undefined ? claimedClientId(req.authorization, req.params) : undefined;
    const fact = refusedFact({
      kind: 'refused',
      action: 'backchannel_authentication',
      ...(clientId !== undefined
        ? { client_id: clientId }
        : claimed === undefined
          ? {}
          : { claimed_client_id: claimed }),
      error: e.error,
      reason: auditReason(e),
      ...(trace.sub === undefined ? {} : { sub: trace.sub }),
      ...(trace.decision === undefined ? {} : { decision_id: trace.decision.decision.decision_id }),
    });
    await recordRefusal(
      ctx,
      { ...(trace.decision === undefined ? {} : { decision: trace.decision }), tokens: [fact] },
      'a refused backchannel authentication request',
      { error: e.error },
    );
    throw e;
  }
}
