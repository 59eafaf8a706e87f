/**
 * The one OAuth error type, shared by the kit and by Mandate itself. Every refusal on the wire is one
 * of these, serialized as RFC 6749 §5.2 JSON (`{ error, error_description }`) with its status and
 * headers.
 */

/**
 * The `error` codes Mandate and the kit send: RFC 6749 §5.2, RFC 6750 §3.1, RFC 8693 §2.2.2,
 * RFC 8707 §2, RFC 9449 §7 and §8, RFC 7591 §3.2.2, OpenID Connect Core §3.1.2.6, OpenID CIBA Core
 * 1.0 §11 and §13.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'server_error'
  // RFC 7591 §3.2.2 (dynamic client registration).
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  // OpenID Connect Core §3.1.2.6: a person must act before the request can succeed.
  | 'interaction_required'
  // OpenID CIBA Core 1.0 §11 (token endpoint, poll mode) and §13 (backchannel authentication).
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'unknown_user_id'
  | 'expired_login_hint_token'
  | 'invalid_binding_message'
  // RFC 9396 §5 (Rich Authorization Requests).
  | 'invalid_authorization_details';

const defaultStatus: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  access_denied: 403,
  temporarily_unavailable: 503,
  server_error: 500,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  interaction_required: 400,
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  unknown_user_id: 400,
  expired_login_hint_token: 400,
  invalid_binding_message: 400,
  invalid_authorization_details: 400,
};

/** The wire body of a refusal; empty for a bare challenge (RFC 6750 §3.1). */
export type OAuthErrorBody = { error: OAuthErrorCode; error_description: string } | Record<string, never>;

/** Longest `error_description` sent: descriptions may quote what the client sent. */
const MAX_DESCRIPTION = 300;

/**
 * RFC 6749 §5.2: `error_description` holds only %x20-21 / %x23-5B / %x5D-7E. A description that
 * quotes a parameter may hold anything (U+0000, CR LF, `"`), so the wire copy replaces every other
 * character with `?` and is cut to a bounded length; the full text stays in logs and audit.
 */
export function wireDescription(text: string): string {
  const safe = text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return safe.length <= MAX_DESCRIPTION ? safe : `${safe.slice(0, MAX_DESCRIPTION - 3)}...`;
}

/**
 * An OAuth refusal: the RFC `error` code, its description, the HTTP status (the code's default unless
 * given) and the headers to send with it (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`). Send
 * `status`, `headers` and `toJSON()` as they are.
 */
export class OAuthError extends Error {
  /** The RFC `error` code. */
  readonly error: OAuthErrorCode;
  /** The HTTP status to answer with. */
  readonly status: number;
  /** Headers to send with the refusal (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`). */
  readonly headers: Record<string, string>;
  /** Precise internal reason for logs and audit (never sent on the wire). */
  readonly reason: string | undefined;
  /**
   * RFC 6750 §3.1: a request that lacks any authentication information gets the challenge alone,
   * with no error code or other error information (so the body is empty too).
   */
  readonly challengeOnly: boolean;

  /** A refusal with `error` and `description`; `options.status` overrides the code's default. */
  constructor(
    error: OAuthErrorCode,
    description: string,
    options: {
      status?: number;
      headers?: Record<string, string>;
      reason?: string;
      cause?: unknown;
      challengeOnly?: boolean;
    } = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthError';
    this.error = error;
    this.status = options.status ?? defaultStatus[error];
    this.headers = options.headers ?? {};
    this.reason = options.reason;
    this.challengeOnly = options.challengeOnly === true;
  }

  /** The human-readable `error_description` (full text; the wire copy is {@link wireDescription}'s). */
  get description(): string {
    return this.message;
  }

  /** The RFC 6749 §5.2 wire body: `{ error, error_description }`, or `{}` for a bare challenge. */
  toJSON(): OAuthErrorBody {
    if (this.challengeOnly) return {};
    return { error: this.error, error_description: wireDescription(this.message) };
  }
}

/**
 * Maps anything thrown to an OAuthError: an OAuthError as it is, anything else a generic
 * `server_error` (500) whose wire body says nothing of the cause.
 */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return new OAuthError('server_error', 'the server could not complete the request', { cause: err });
}
