/**
 * Starting an approval (OpenID CIBA Core 1.0 §7.3, poll mode): a token exchange the policy allowed
 * with `require_approval` is kept, whole, as a pending request; the client gets an `auth_req_id`
 * (256 random bits, stored only as its SHA-256) to poll the token endpoint with, how long the
 * request stays open and the interval to poll at. The decision and the request are recorded in the
 * audit log before the answer leaves.
 */
import { randomBytes } from 'node:crypto';
import type { ApprovalObligation } from '../../policy/approval.js';
import type { Decision, DecisionInput } from '../../policy/contract.js';
import type { ApprovalRepo } from '../../store/approvals.js';
import { auditUnavailable } from '../audit-record.js';
import type { OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import { newOpaqueValue, opaqueHash } from '../tokens/opaque-secret.js';
import { approvalNotice } from './notice.js';
import { POLL_INTERVAL_SECONDS, type PendingIssuance } from './pending.js';

export interface ApprovalAsk {
  input: DecisionInput;
  decision: Decision;
  obligation: ApprovalObligation;
  issuance: PendingIssuance;
  /** CIBA §7.1 `binding_message` and `requested_expiry`, when the client sent them. */
  clientBindingMessage?: string;
  requestedExpiry?: number;
}

/**
 * CIBA §7.3: the successful authentication request acknowledgement, and two members of Mandate's
 * own (CIBA clients ignore members they do not know): `approval_uri` (named as RFC 8628's
 * `verification_uri`), the approval page, for the client to show the person (MCP URL-mode
 * elicitation, or a link in a tool error) — it cannot poll, and only the subject or a named approver
 * who signs in sees the request there — and `binding_message`, the policy's, so that the client
 * tells the person why without parsing an error description.
 */
export interface ApprovalStarted {
  auth_req_id: string;
  expires_in: number;
  interval: number;
  approval_uri: string;
  binding_message: string;
}

/** The approval page's id: public (it goes to approvers), never enough to poll. */
function newApprovalId(): string {
  return randomBytes(16).toString('base64url');
}

/** Seconds the request stays open: no longer than the policy says, the client asked, or the subject token lives. */
function openFor({ input, obligation, issuance, requestedExpiry }: ApprovalAsk): number {
  const expiresIn = Math.min(
    obligation.ttl_seconds,
    requestedExpiry ?? Number.POSITIVE_INFINITY,
    issuance.subjectExp - input.now,
  );
  if (expiresIn <= 0)
    throw new OAuthError('expired_login_hint_token', 'login_hint_token expires before it could be approved', {
      reason: 'login_hint_token_expired',
    });
  return expiresIn;
}

/** The approval_requested audit record: the token that would be issued, and the approval page's id. */
function approvalRequested({ input, decision, issuance }: ApprovalAsk, id: string, exp: number) {
  const token = issuance.token;
  return {
    kind: 'approval_requested' as const,
    action: input.action,
    client_id: token.clientId,
    sub: token.sub,
    aud: token.aud,
    scope: token.scopes.join(' '),
    decision_id: decision.decision_id,
    approval_id: id,
    exp,
    ...(token.act === undefined ? {} : { act: token.act }),
    ...(issuance.subjectJti === undefined ? {} : { subject_jti: issuance.subjectJti }),
  };
}

export async function startApproval(
  ctx: OAuthContext,
  approvals: ApprovalRepo,
  ask: ApprovalAsk,
): Promise<{ body: ApprovalStarted; id: string }> {
  const { input, decision, obligation, issuance } = ask;
  const now = input.now;
  const expiresIn = openFor(ask);
  const authReqId = newOpaqueValue();
  const id = newApprovalId();
  const token = issuance.token;
  try {
    await ctx.audit.commit({
      decision: { decision, input },
      tokens: [approvalRequested(ask, id, now + expiresIn)],
    });
  } catch (err) {
    throw auditUnavailable(err);
  }
  await approvals.insert({
    id,
    authReqIdHash: opaqueHash(authReqId),
    clientId: token.clientId,
    sub: input.subject.sub,
    iss: input.subject.iss,
    obligation: { ...obligation },
    clientBindingMessage: ask.clientBindingMessage ?? null,
    input: input as unknown as Record<string, unknown>,
    decision: decision as unknown as Record<string, unknown>,
    issuance: issuance as unknown as Record<string, unknown>,
    createdAt: now,
    expiresAt: now + expiresIn,
    pollInterval: POLL_INTERVAL_SECONDS,
  });
  const approvalUri = `${ctx.endpoints.approvals}/${id}`;
  void ctx.announceApproval?.(
    approvalNotice(id, approvalUri, {
      input,
      obligation,
      issuance,
      ...(ask.clientBindingMessage === undefined ? {} : { clientBindingMessage: ask.clientBindingMessage }),
      expiresAt: now + expiresIn,
    }),
  );
  return {
    body: {
      auth_req_id: authReqId,
      expires_in: expiresIn,
      interval: POLL_INTERVAL_SECONDS,
      approval_uri: approvalUri,
      binding_message: obligation.binding_message,
    },
    id,
  };
}
