/**
 * Typed failures of the token exchange, so that a tool can tell the user what happened. Mandate
 * answers refusals with RFC 6749 §5.2 / RFC 8693 §2.2.2 errors whose `error_description` is the
 * policy's reason (rego/README.md "Reason codes"); these classes keep both.
 */

/** What a failed exchange is made of; `retryAfterSeconds` from the answer's `Retry-After`. */
export interface ExchangeErrorInit {
  error: string;
  description: string;
  status: number;
  service: string;
  scopes: readonly string[];
  retryAfterSeconds?: number;
}

/** Any failed exchange: `error` is the OAuth error code, `description` the server's words. */
export class ExchangeError extends Error {
  readonly error: string;
  readonly description: string;
  readonly status: number;
  readonly service: string;
  readonly scopes: readonly string[];
  /**
   * Seconds the server asked to wait before trying again (`Retry-After`, RFC 9110 §10.2.3), sent
   * with 429 when a rate limit refused the exchange (RFC 6585 §4) and with 503; undefined without.
   */
  readonly retryAfterSeconds: number | undefined;
  constructor(init: ExchangeErrorInit, options?: { cause?: unknown }) {
    super(`token exchange for ${init.service} failed: ${init.error}: ${init.description}`, options);
    this.name = 'ExchangeError';
    this.error = init.error;
    this.description = init.description;
    this.status = init.status;
    this.service = init.service;
    this.scopes = init.scopes;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** One sentence for the person using the AI client. */
  explain(): string {
    return `Could not get access to ${this.service}: ${this.description}`;
  }
}

/**
 * Mandate refused the exchange by policy or because of the user's token: `invalid_scope`,
 * `invalid_target`, `unauthorized_client`, `invalid_grant`, `access_denied`, or `invalid_request`
 * (e.g. a DPoP proof the service requires). `description` is the policy's reason.
 */
export class ExchangeDeniedError extends ExchangeError {
  override readonly name = 'ExchangeDeniedError';
  override explain(): string {
    return `Access to ${this.service} (${this.scopes.join(' ')}) was refused by policy: ${this.description}`;
  }
}

/**
 * Mandate could not be reached or answered `temporarily_unavailable` (a 429 rate limit or a 503) /
 * a 5xx: try again later, after `retryAfterSeconds` when the server said.
 */
export class ExchangeUnavailableError extends ExchangeError {
  override readonly name = 'ExchangeUnavailableError';
  override explain(): string {
    const when = this.retryAfterSeconds === undefined ? 'shortly' : `in ${this.retryAfterSeconds} seconds`;
    return `The authorization service is unavailable right now; try again ${when} (${this.description})`;
  }
}

/**
 * `Retry-After` as seconds from `now` (epoch seconds): delta-seconds or an HTTP-date (RFC 9110
 * §10.2.3); undefined when absent or neither.
 */
export function retryAfterSeconds(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const v = header.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil(at / 1000 - now));
}

const DENIALS = new Set([
  'invalid_scope',
  'invalid_target',
  'unauthorized_client',
  'invalid_grant',
  'access_denied',
  'invalid_request',
]);

/** The error class for an OAuth error response (RFC 6749 §5.2). */
export function exchangeErrorFor(init: ExchangeErrorInit): ExchangeError {
  if (init.status >= 500 || init.error === 'temporarily_unavailable' || init.error === 'server_error')
    return new ExchangeUnavailableError(init);
  if (DENIALS.has(init.error)) return new ExchangeDeniedError(init);
  return new ExchangeError(init);
}
