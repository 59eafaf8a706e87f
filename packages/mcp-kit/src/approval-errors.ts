/**
 * How an exchange that waits for a person's approval (Mandate's `require_approval`, OpenID CIBA
 * poll mode) ends when it ends without a token: still pending (the person has not decided yet:
 * show them the approval page and call again), denied, or expired. Each is an {@link ExchangeError}
 * whose `explain()` is the tool error's text.
 */
import { ExchangeError, type ExchangeErrorInit } from './exchange-errors.js';

/** MCP 2025-11-25: the JSON-RPC error code of URLElicitationRequiredError. */
export const URL_ELICITATION_REQUIRED = -32042;

/** An MCP URL-mode elicitation (`elicitation/create` with `mode: "url"`, MCP 2025-11-25). */
export interface UrlElicitation {
  mode: 'url';
  message: string;
  url: string;
  elicitationId: string;
}

/** What an ended or pending approval is about: the page to approve on and why. */
export interface ApprovalErrorInit extends ExchangeErrorInit {
  /** The approval page (Mandate's `approval_uri`); undefined when it named none on its own origin. */
  approvalUri: string | undefined;
  /** The policy's binding message: why a person must approve. */
  bindingMessage: string;
  /** The MCP elicitation id the kit used (or would use) for this approval. */
  elicitationId: string;
}

/** Any approval that ended without a token, or is still waiting. */
export class ApprovalError extends ExchangeError {
  override readonly name: string = 'ApprovalError';
  readonly approvalUri: string | undefined;
  readonly bindingMessage: string;
  readonly elicitationId: string;
  constructor(init: ApprovalErrorInit, options?: { cause?: unknown }) {
    super(init, options);
    this.approvalUri = init.approvalUri;
    this.bindingMessage = init.bindingMessage;
    this.elicitationId = init.elicitationId;
  }
}

/**
 * No one has approved yet (CIBA `authorization_pending`): the person approves on
 * `approvalUri`, then the same tool call, made again, completes (the kit keeps the pending
 * request). Send `explain()` as a tool error, or `toJsonRpcError()` to a client that supports
 * URL-mode elicitation.
 */
export class ApprovalPendingError extends ApprovalError {
  override readonly name = 'ApprovalPendingError';
  override explain(): string {
    return this.approvalUri === undefined
      ? `Approval required: ${this.bindingMessage}. The approvers have been asked; call the tool again once it is approved.`
      : `Approval required: ${this.bindingMessage}. Approve the request at ${this.approvalUri}, then call the tool again.`;
  }

  /** The elicitation that shows the approval page (MCP 2025-11-25 URL mode); undefined without one. */
  elicitation(): UrlElicitation | undefined {
    if (this.approvalUri === undefined) return undefined;
    return {
      mode: 'url',
      message: `Approval required: ${this.bindingMessage}`,
      url: this.approvalUri,
      elicitationId: this.elicitationId,
    };
  }

  /**
   * MCP's URLElicitationRequiredError (-32042): the client shows the page, then retries; undefined
   * when there is no page to show (send `explain()` as a tool error then).
   */
  toJsonRpcError(): { code: number; message: string; data: { elicitations: UrlElicitation[] } } | undefined {
    const elicitation = this.elicitation();
    if (elicitation === undefined) return undefined;
    return {
      code: URL_ELICITATION_REQUIRED,
      message: `Approval required: ${this.bindingMessage}`,
      data: { elicitations: [elicitation] },
    };
  }
}

/** The approver denied the request (CIBA `access_denied`); nothing was issued. */
export class ApprovalDeniedError extends ApprovalError {
  override readonly name = 'ApprovalDeniedError';
  override explain(): string {
    return `The request was denied: ${this.bindingMessage} was not approved, so nothing was done.`;
  }
}

/** No one decided before the request expired (CIBA `expired_token`); nothing was issued. */
export class ApprovalExpiredError extends ApprovalError {
  override readonly name = 'ApprovalExpiredError';
  override explain(): string {
    return `The approval request expired before anyone approved it (${this.bindingMessage}); nothing was done.`;
  }
}
