/**
 * The audit port: the protocol core reports what it decided and what it issued through this one
 * interface. Implementations record the issuance and its events atomically (the Postgres outbox),
 * so no token exists without its event and no event without its token.
 */
import type { Decision, DecisionInput } from '../policy/contract.js';
import type { IssuedTokenRecord } from '../store/tokens.js';

export type TokenEventKind =
  | 'issued'
  | 'refused'
  | 'refreshed'
  | 'revoked'
  | 'reused'
  // A token exchange waiting for a person's approval (OpenID CIBA, ADR 0014).
  | 'approval_requested'
  | 'approved'
  | 'approval_denied'
  // A tool call allowed by an approval presented with its AuthZEN evaluation (used up).
  | 'approval_used';

/** A decision as the audit log sees it: the decision and the input it was made on. */
export interface DecisionFact {
  decision: Decision;
  input: DecisionInput;
}

/** A token event. Never carries a raw token, secret or key: only ids and thumbprints. */
export interface TokenFact {
  kind: TokenEventKind;
  /** Grant type or action that produced it (e.g. `token_exchange`). */
  action: string;
  /** The authenticated client; absent when the request was refused before one authenticated. */
  client_id?: string;
  /** Refused before authentication: the client id the request named (unverified). */
  claimed_client_id?: string;
  sub?: string;
  jti?: string;
  aud?: string | string[];
  scope?: string;
  token_type?: string;
  issued_token_type?: string;
  iat?: number;
  exp?: number;
  act?: Record<string, unknown>;
  cnf_jkt?: string;
  decision_id?: string;
  /** For refusals: the wire error and the precise internal reason. */
  error?: string;
  reason?: string;
  /** Subject token's jti when known (exchange lineage). */
  subject_jti?: string;
  /** A connector-backed exchange (ADR 0013): the service, kind, downstream subject, cache use, downstream error. */
  downstream?: DownstreamFact;
  /** The approval a token exchange waited for (ADR 0014), and who approved or denied it. */
  approval_id?: string;
  approver?: string;
}

/** What the audit event of a downstream issuance or refusal says (never a token or an assertion). */
export interface DownstreamFact {
  service: string;
  /** The connector kind (`salesforce`, `jwt-bearer`, `id-jag`). */
  kind: string;
  /** The downstream subject the policy mapped. */
  subject?: string;
  /** Whether the token came from Mandate's cache rather than a downstream call. */
  cached?: boolean;
  /** The downstream server's `error` (a refusal), or Mandate's reason it could not get an answer. */
  error?: string;
  /** The downstream server's `error_description`, when it sent one. */
  error_description?: string;
}

/** The W3C trace a request ran in (lowercase hex ids), for joining its events to its traces and logs. */
export interface TraceIds {
  trace_id: string;
  span_id: string;
}

export interface AuditEntry {
  decision?: DecisionFact;
  /** The request's trace; the decision event carries it (data.trace_id, data.span_id). */
  trace?: TraceIds;
  tokens: TokenFact[];
  /** When set, the issuance record is written in the same transaction as the events. */
  issued?: IssuedTokenRecord;
}

export interface AuditPort {
  commit(entry: AuditEntry): Promise<void>;
  close(): Promise<void>;
}
