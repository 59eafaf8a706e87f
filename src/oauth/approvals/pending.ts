/**
 * What a request waiting for approval keeps, so that the token issued once a person approves is
 * exactly the one the decision allowed: the decision input and the decision as they were, and the
 * token to mint but for its issuance time and lifetime, which are fixed when it is issued (and
 * bounded then by the subject token's remaining lifetime, as every exchange is).
 */
import type { ApprovalObligation } from '../../policy/approval.js';
import type { Decision, DecisionInput } from '../../policy/contract.js';
import type { ApprovalRecord } from '../../store/approvals.js';
import type { MintRequest } from '../tokens/mint-access-token.js';

/** CIBA §7.3: the interval (seconds) a client is first told to poll at. */
export const POLL_INTERVAL_SECONDS = 5;

/** The token a pending request mints once approved, and what its response and audit event carry. */
export interface PendingIssuance {
  token: Omit<MintRequest, 'ttlSeconds' | 'now'>;
  /** The subject token's expiry: the issued token never outlives it. */
  subjectExp: number;
  /** RFC 8693 §2.2.1 `issued_token_type`, and the `scope` the request sent (if any). */
  issuedTokenType: string;
  requestedScopes?: string[];
  /** The subject token's `jti`, for lineage in the audit log. */
  subjectJti?: string;
}

/** A pending request as the protocol core reads it back from the store. */
export interface Pending {
  record: ApprovalRecord;
  obligation: ApprovalObligation;
  input: DecisionInput;
  decision: Decision;
  issuance: PendingIssuance;
}

/** The store keeps the core's own values as JSON; they are read back with the types they had. */
export function pendingOf(record: ApprovalRecord): Pending {
  return {
    record,
    obligation: record.obligation as unknown as ApprovalObligation,
    input: record.input as unknown as DecisionInput,
    decision: record.decision as unknown as Decision,
    issuance: record.issuance as unknown as PendingIssuance,
  };
}
