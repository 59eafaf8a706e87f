/**
 * Resource-server side of DPoP (RFC 9449 §7): for MCP servers and downstream APIs that have already
 * verified an access token's signature and claims, decide whether the request proves possession of
 * the key the token is bound to. Framework-free: the caller passes header values and gets either a
 * result or an OAuthError whose status and headers (401, `WWW-Authenticate`, `DPoP-Nonce`) are ready
 * to send.
 */
import { OAuthError } from '../errors.js';
import type { DpopProof, DpopVerifier } from './proof-verifier.js';
import type { DpopReason } from './reasons.js';
import { wwwAuthenticate } from '../challenge.js';
import type { ChallengeError } from '../challenge.js';

/** One request to check for its sender constraint (RFC 9449 §7), with the access token already verified. */
export interface DpopBoundRequest {
  /** The `Authorization` header value, if any. */
  authorization: string | undefined;
  /** Every `DPoP` header value received. */
  dpopHeaders: readonly string[];
  method: string;
  /** The external request URL; behind a proxy build it with {@link externalRequestUrl}. */
  url: string;
  /** Claims of the access token, already verified by the caller. */
  claims: { cnf?: { jkt?: string } };
  /** The access token the claims came from, as it appears in `authorization`. */
  accessToken: string;
  verifier: DpopVerifier;
  /** Seconds since the epoch. */
  now: number;
  /** Refuse tokens that are not DPoP-bound (default false: unbound Bearer tokens pass). */
  requireDpop?: boolean;
  /** RFC 9728 metadata URL, added to every challenge so clients can find the authorization server. */
  resourceMetadata?: string;
}

/** How a request proved it may use its token: a DPoP proof for a bound token, or plain Bearer. */
export type DpopBinding = { scheme: 'DPoP'; proof: DpopProof } | { scheme: 'Bearer' };

/**
 * Checks the sender constraint of one request (RFC 9449 §7.1, §7.2):
 * - a token with `cnf.jkt` must come with the DPoP scheme, never Bearer (`invalid_token`);
 * - the DPoP scheme needs a bound token and a valid proof whose `ath` is the token's hash and whose
 *   key thumbprint is `cnf.jkt` (`invalid_dpop_proof`, `use_dpop_nonce`).
 * @throws OAuthError with status 401 and a `WWW-Authenticate: DPoP …` challenge.
 */
export async function verifyDpopBoundRequest(req: DpopBoundRequest): Promise<DpopBinding> {
  const credentials = parseAuthorization(req.authorization);
  if (credentials === undefined)
    throw refusal(
      req,
      'invalid_request',
      'scheme_unsupported',
      'Authorization must use the DPoP or Bearer scheme',
      {
        status: 400,
      },
    );
  if (credentials.token !== req.accessToken)
    throw new TypeError('accessToken is not the token carried by the Authorization header');
  const jkt = req.claims.cnf?.jkt;
  if (credentials.scheme === 'bearer') return bearerBinding(req, jkt);
  if (jkt === undefined)
    throw refusal(req, 'invalid_token', 'token_not_bound', 'access token is not DPoP-bound');
  const proof = await verifiedProof(req);
  if (proof.jkt !== jkt)
    throw refusal(
      req,
      'invalid_dpop_proof',
      'jkt_mismatch',
      'DPoP proof key does not match the access token binding',
    );
  return { scheme: 'DPoP', proof };
}

interface RefusalOptions {
  status?: number;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A refusal of `req` with its `WWW-Authenticate: DPoP` challenge (401 unless `status` says otherwise). */
function refusal(
  req: DpopBoundRequest,
  error: ChallengeError,
  reason: DpopReason | undefined,
  description: string,
  { status = 401, headers = {}, cause }: RefusalOptions = {},
): OAuthError {
  const challenge = wwwAuthenticate({
    scheme: 'DPoP',
    error,
    description,
    algs: req.verifier.algorithms,
    resourceMetadata: req.resourceMetadata,
  });
  return new OAuthError(error, description, {
    status,
    reason,
    cause,
    headers: { ...headers, 'WWW-Authenticate': challenge },
  });
}

/** A request with the Bearer scheme: only for an unbound token, where the resource allows one. */
function bearerBinding(req: DpopBoundRequest, jkt: string | undefined): DpopBinding {
  // §7.2: accepting a bound token as Bearer would let whoever stole it use it without the key.
  if (jkt !== undefined)
    throw refusal(
      req,
      'invalid_token',
      'bearer_downgrade',
      'DPoP-bound access token must be sent with the DPoP scheme',
    );
  if (req.requireDpop === true)
    throw refusal(req, 'invalid_token', 'dpop_required', 'this resource requires a DPoP-bound access token');
  return { scheme: 'Bearer' };
}

/** The request's DPoP proof, verified for this method, URL and access token. */
async function verifiedProof(req: DpopBoundRequest): Promise<DpopProof> {
  try {
    return await req.verifier.verify({
      headers: req.dpopHeaders,
      method: req.method,
      url: req.url,
      accessToken: req.accessToken,
      now: req.now,
    });
  } catch (err) {
    // The verifier speaks token-endpoint (400); a resource server answers 401 with a challenge (§7.1, §9).
    if (err instanceof OAuthError && (err.error === 'invalid_dpop_proof' || err.error === 'use_dpop_nonce')) {
      // The verifier's reason codes are DpopReasons; DPoP-Nonce is kept so the client can retry.
      throw refusal(req, err.error, err.reason as DpopReason | undefined, err.description, {
        headers: err.headers,
        cause: err,
      });
    }
    throw err;
  }
}

/** RFC 9110 §11.4 credentials: a case-insensitive scheme, then the token68 (RFC 6750 §2.1). */
function parseAuthorization(
  value: string | undefined,
): { scheme: 'bearer' | 'dpop'; token: string } | undefined {
  const match = value === undefined ? null : /^([A-Za-z]+) +(\S+) *$/.exec(value);
  if (match === null) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'dpop') return undefined;
  return { scheme, token: match[2] as string };
}

/**
 * The URL a client addressed, for `htu` checks behind a reverse proxy: the configured public base URL
 * (e.g. `https://api.example.com` or `https://example.com/mcp` when the proxy strips `/mcp`) joined
 * with the request target the server saw. Never derived from `Host`/`X-Forwarded-*` headers, which
 * the client controls.
 */
export function externalRequestUrl(publicBaseUrl: string, requestTarget: string): string {
  if (!requestTarget.startsWith('/'))
    throw new TypeError('requestTarget must be in origin-form ("/path?query")');
  const base = new URL(publicBaseUrl);
  if (base.search !== '' || base.hash !== '')
    throw new TypeError('publicBaseUrl must not have a query or fragment');
  return `${base.origin}${base.pathname.replace(/\/$/, '')}${requestTarget}`;
}
