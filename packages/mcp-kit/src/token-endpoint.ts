/**
 * Talking to Mandate's form endpoints as the MCP server (the token endpoint and the backchannel
 * authentication endpoint): client authentication (RFC 6749 §2.3.1, `client_secret_basic` or
 * `client_secret_post`), a DPoP proof for the endpoint when the token is to be bound (RFC 9449 §5,
 * with the `use_dpop_nonce` retry of §8), and the answer read as an OAuth JSON body; a token
 * response becomes a {@link DownstreamToken}, an error response its typed {@link ExchangeError}.
 */
import { decodeJwt } from 'jose';
import { fetchWithDpop, type DpopKey } from './dpop/client.js';
import {
  exchangeErrorFor,
  ExchangeUnavailableError,
  retryAfterSeconds,
  type ExchangeError,
} from './exchange-errors.js';
import type { DownstreamToken } from './downstream-token.js';
import { parseScopes } from './scopes.js';

/** An OAuth JSON answer (RFC 6749 §5.1 / §5.2, CIBA §7.3). */
export interface FormAnswer {
  res: Response;
  json: Record<string, unknown>;
}

export interface FormPosterOptions {
  clientId: string;
  clientSecret: string;
  authMethod: 'client_secret_basic' | 'client_secret_post';
  fetch: typeof fetch;
  timeoutMs: number;
}

/**
 * POSTs `body` to `url` as the client, proving `key` when given, with the caller's `traceparent`
 * (already checked well-formed) when given; throws only when unreachable.
 */
export type FormPoster = (
  url: string,
  body: () => URLSearchParams,
  key: DpopKey | undefined,
  signal?: AbortSignal,
  traceparent?: string,
) => Promise<FormAnswer>;

export function createFormPoster(opts: FormPosterOptions): FormPoster {
  async function once(
    url: string,
    body: URLSearchParams,
    key: DpopKey | undefined,
    signal?: AbortSignal,
    traceparent?: string,
  ) {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (traceparent !== undefined) headers.traceparent = traceparent;
    if (opts.authMethod === 'client_secret_basic') {
      // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
      const id = encodeURIComponent(opts.clientId);
      const secret = encodeURIComponent(opts.clientSecret);
      headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
    } else {
      body.set('client_id', opts.clientId);
      body.set('client_secret', opts.clientSecret);
    }
    if (key !== undefined) headers.dpop = await key.proof({ method: 'POST', url });
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const res = await opts.fetch(url, {
      method: 'POST',
      headers,
      body: body.toString(),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { res, json: typeof json === 'object' && json !== null ? json : {} };
  }
  return async (url, body, key, signal, traceparent) => {
    let answer = await once(url, body(), key, signal, traceparent);
    // RFC 9449 §8: the server wants a nonce in the proof; retry once with the one it sent.
    const nonce = answer.res.headers.get('dpop-nonce');
    if (key !== undefined && nonce !== null) key.rememberNonce(url, nonce);
    if (key !== undefined && answer.json.error === 'use_dpop_nonce' && nonce !== null)
      answer = await once(url, body(), key, signal, traceparent);
    return answer;
  };
}

/** What a failed answer is about, for its error. */
export interface AnswerSubject {
  service: string;
  scopes: readonly string[];
  now: () => number;
}

/** Mandate could not be reached (`cause` is the network failure). */
export function unreachable(about: AnswerSubject, what: string, cause: unknown): ExchangeError {
  return new ExchangeUnavailableError(
    {
      error: 'temporarily_unavailable',
      description: `the ${what} could not be reached`,
      status: 0,
      service: about.service,
      scopes: about.scopes,
    },
    { cause },
  );
}

/** The typed error of an OAuth error answer (RFC 6749 §5.2), with `Retry-After` when sent. */
export function answerError(answer: FormAnswer, about: AnswerSubject, what: string): ExchangeError {
  const { res, json } = answer;
  const error = typeof json.error === 'string' ? json.error : res.ok ? 'invalid_response' : 'server_error';
  const description =
    typeof json.error_description === 'string'
      ? json.error_description
      : `HTTP ${res.status} from the ${what}`;
  const retryAfter = retryAfterSeconds(res.headers.get('retry-after'), about.now());
  return exchangeErrorFor({
    error,
    description,
    status: res.status,
    service: about.service,
    scopes: about.scopes,
    ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
  });
}

/** The members RFC 8693 §2.2.1 defines (and `refresh_token`): everything else is `extra`. */
const STANDARD_MEMBERS = new Set([
  'access_token',
  'issued_token_type',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
]);

/** A token response (RFC 8693 §2.2.1) as the token for one service, callable with `fetch`. */
export function downstreamToken(
  answer: FormAnswer,
  to: { service: string; resource: string; scopes: readonly string[]; key: DpopKey | undefined },
  ctx: { now: () => number; fetch: typeof fetch },
): DownstreamToken {
  const { json } = answer;
  const accessToken = String(json.access_token);
  const key = to.key;
  const tokenType = String(json.token_type).toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  if (tokenType === 'DPoP' && key === undefined)
    throw exchangeErrorFor({
      error: 'invalid_response',
      description: 'a DPoP token was issued without a proof',
      status: answer.res.status,
      service: to.service,
      scopes: to.scopes,
    });
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
  let claims: { jti?: unknown; sub?: unknown; act?: unknown } = {};
  try {
    claims = decodeJwt(accessToken);
  } catch {
    // Opaque tokens are fine: the claims are for logs only.
  }
  return {
    accessToken,
    tokenType,
    service: to.service,
    resource: to.resource,
    scopes: json.scope === undefined ? [...to.scopes] : parseScopes(json.scope),
    expiresAt: ctx.now() + expiresIn,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    sub: typeof claims.sub === 'string' ? claims.sub : undefined,
    act: claims.act,
    extra: Object.fromEntries(Object.entries(json).filter(([k]) => !STANDARD_MEMBERS.has(k))),
    fetch(url, init = {}) {
      if (tokenType === 'DPoP' && key !== undefined)
        return fetchWithDpop(key, accessToken, url, init, ctx.fetch);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${accessToken}`);
      return ctx.fetch(url, { ...init, headers });
    },
  };
}
