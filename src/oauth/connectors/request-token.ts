/**
 * One POST to a downstream token endpoint (RFC 6749 §3.2, form-encoded), bounded by a timeout that
 * covers the whole answer, and its reading: a token response (§5.1), an OAuth error (§5.2, a
 * `DownstreamRefusal`), or anything else, an outage (`DownstreamUnavailable`: no connection, the
 * timeout, 5xx, 429, a redirect, a body that is not a token response).
 */
import type { ConnectorSigningKey } from '../../keys/connector-keys.js';
import { clientAssertion, JWT_BEARER_GRANT } from './assertion.js';
import {
  DownstreamRefusal,
  DownstreamUnavailable,
  type ConnectorSettings,
  type DownstreamAsk,
  type ConnectorToken,
} from './downstream.js';

/** A token response is small; a larger body is not one. */
const MAX_BODY_BYTES = 64 * 1024;

export interface TokenEndpointCall {
  url: string;
  params: Record<string, string>;
  timeoutMs: number;
  /** `expires_in` when the answer has none (Salesforce never sends one). */
  defaultLifetime: number;
  /** Members of the answer copied into the exchange response. */
  passThrough: readonly string[];
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP date. */
export function retryAfterSeconds(header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\d{1,6}$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

async function send(call: TokenEndpointCall): Promise<Response> {
  try {
    return await fetch(call.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(call.params).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new DownstreamUnavailable(
      'downstream_unavailable',
      timedOut
        ? `no answer within ${call.timeoutMs} ms`
        : `cannot reach the token endpoint (${String((err as Error).cause ?? err)})`,
    );
  }
}

async function readJson(res: Response, call: TokenEndpointCall): Promise<unknown> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw new DownstreamUnavailable(
      'downstream_unavailable',
      `the answer did not arrive within ${call.timeoutMs} ms`,
    );
  }
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function tokenOf(body: Record<string, unknown>, call: TokenEndpointCall): ConnectorToken {
  const { access_token: token, token_type: type, expires_in: expiresIn, scope } = body;
  if (typeof token !== 'string' || token.length === 0 || typeof type !== 'string' || type.length === 0)
    throw new DownstreamUnavailable(
      'downstream_invalid_response',
      'the answer has no access_token or token_type',
    );
  // A token bound to a key Mandate does not hold is of no use to the MCP server; kept out of the cache.
  if (type.toLowerCase() !== 'bearer')
    throw new DownstreamUnavailable('downstream_invalid_response', `token_type ${type} is not Bearer`);
  if (
    expiresIn !== undefined &&
    !(typeof expiresIn === 'number' && Number.isInteger(expiresIn) && expiresIn > 0)
  )
    throw new DownstreamUnavailable('downstream_invalid_response', 'expires_in is not a positive integer');
  const passThrough: Record<string, unknown> = {};
  for (const name of call.passThrough) if (body[name] !== undefined) passThrough[name] = body[name];
  return {
    accessToken: token,
    tokenType: type,
    expiresIn: expiresIn ?? call.defaultLifetime,
    ...(typeof scope === 'string' && scope.length > 0 ? { scope } : {}),
    passThrough,
  };
}

/** POSTs the grant and reads the answer; throws DownstreamRefusal or DownstreamUnavailable. */
export async function requestToken(call: TokenEndpointCall): Promise<ConnectorToken> {
  const res = await send(call);
  const body = await readJson(res, call);
  if (res.status === 200 && isObject(body)) return tokenOf(body, call);
  if (
    res.status >= 400 &&
    res.status < 500 &&
    res.status !== 429 &&
    isObject(body) &&
    typeof body.error === 'string'
  )
    throw new DownstreamRefusal(
      body.error,
      typeof body.error_description === 'string' ? body.error_description : undefined,
      res.status,
    );
  const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
  if (res.status >= 500 || res.status === 429)
    throw new DownstreamUnavailable(
      'downstream_unavailable',
      `the token endpoint answered ${res.status}`,
      retryAfter,
    );
  throw new DownstreamUnavailable(
    'downstream_invalid_response',
    `the token endpoint answered ${res.status} without a token response`,
  );
}

/**
 * The jwt-bearer grant (RFC 7523 §2.1) at the connector's `token_endpoint`: the assertion, the
 * granted scopes when `send_scope`, and `private_key_jwt` as `client_id` when one is named (§2.2),
 * its `aud` the connector's `audience` when set (the server's own name for itself, as Hydra
 * requires its token URL) else the token endpoint.
 */
export function requestJwtBearer(
  config: ConnectorSettings,
  assertion: string,
  ask: DownstreamAsk,
  key: ConnectorSigningKey,
): Promise<ConnectorToken> {
  const url = config.token_endpoint!;
  return requestToken({
    url,
    params: {
      grant_type: JWT_BEARER_GRANT,
      assertion,
      ...(config.send_scope && ask.scopes.length > 0 ? { scope: ask.scopes.join(' ') } : {}),
      ...(config.client_id === undefined
        ? {}
        : clientAssertion(config.client_id, config.audience ?? url, key, ask.now)),
    },
    timeoutMs: config.timeout_ms,
    defaultLifetime: config.token_lifetime_seconds,
    passThrough: config.pass_through,
  });
}
