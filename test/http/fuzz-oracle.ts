/**
 * What every fuzz answer must satisfy, endpoint by endpoint: never a 5xx; an error is RFC 6749 §5.2
 * JSON with a registered code and a description in §5.2's characters (a browser endpoint's error is
 * a page, its redirect goes to the issuer or to a redirect URI the client registered); a 401 to HTTP
 * authentication challenges it; and every success keeps the invariants: an access token signed by
 * Mandate for a requested audience, scopes ⊆ requested ∩ the presented token's, lifetime within
 * the presented token's, no private key member in the JWKS.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { payloadOf } from './fuzz-jwt.js';
import type { Endpoint } from './fuzz-plans.js';
import { JWT_BEARER, TOKEN_EXCHANGE } from './fuzz-plans.js';
import { header, type RawRequest, type RawResponse } from './fuzz-wire.js';

const ERROR_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'invalid_dpop_proof',
  'use_dpop_nonce',
  'invalid_token',
  'access_denied',
  'invalid_redirect_uri',
  'invalid_client_metadata',
]);
const DESCRIPTION = /^[\x20\x21\x23-\x5b\x5d-\x7e]{0,300}$/;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface OracleContext {
  issuer: string;
  /** Mandate's signing keys (its JWKS). */
  jwks: JWK[];
  /** Redirect URIs the public test client registered. */
  redirectUris: string[];
}

/** The class of a violation (for grouping) and what exactly was wrong. */
export interface Violation {
  kind: string;
  detail: string;
}

const v = (kind: string, detail: string): Violation => ({ kind, detail });

function json(res: RawResponse): unknown {
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    return undefined;
  }
}

function oauthError(res: RawResponse, sentBasic: boolean): Violation[] {
  const out: Violation[] = [];
  if (!/^application\/json/.test(header(res, 'content-type') ?? ''))
    out.push(v('error-not-json', `${res.status} ${header(res, 'content-type')}: ${res.text.slice(0, 120)}`));
  const body = json(res) as { error?: unknown; error_description?: unknown } | undefined;
  if (body === undefined || typeof body !== 'object' || body === null) return out;
  if (typeof body.error !== 'string' || !ERROR_CODES.has(body.error))
    out.push(v('error-code', `${res.status} ${res.text.slice(0, 160)}`));
  if (
    body.error_description !== undefined &&
    (typeof body.error_description !== 'string' || !DESCRIPTION.test(body.error_description))
  )
    out.push(v('error-description', res.text.slice(0, 160)));
  if (res.status === 401 && sentBasic && !/^Basic /.test(header(res, 'www-authenticate') ?? ''))
    out.push(v('401-without-basic-challenge', res.text.slice(0, 120)));
  return out;
}

function params(req: RawRequest): URLSearchParams {
  const q = req.target.indexOf('?');
  const body = req.body?.toString('utf8') ?? '';
  return new URLSearchParams(
    req.method === 'POST' && req.body !== undefined ? body : q < 0 ? '' : req.target.slice(q + 1),
  );
}

const scopeSet = (s: unknown): string[] | undefined =>
  typeof s === 'string' ? s.split(' ').filter((x) => x !== '') : undefined;

async function tokenSuccess(req: RawRequest, res: RawResponse, ctx: OracleContext): Promise<Violation[]> {
  const out: Violation[] = [];
  const body = json(res) as Record<string, unknown> | undefined;
  if (body === undefined) return [v('200-not-json', res.text.slice(0, 120))];
  if (!/no-store/.test(header(res, 'cache-control') ?? ''))
    out.push(v('200-cacheable', 'no Cache-Control: no-store'));
  if (!['Bearer', 'DPoP', 'N_A'].includes(String(body.token_type)))
    out.push(v('200-token-type', String(body.token_type)));
  if (typeof body.access_token !== 'string')
    return [...out, v('200-no-access-token', res.text.slice(0, 120))];
  if (typeof body.expires_in !== 'number' || !(body.expires_in > 0))
    out.push(v('200-expires-in', String(body.expires_in)));
  const p = params(req);
  const grant = p.get('grant_type');
  if (grant !== TOKEN_EXCHANGE && grant !== JWT_BEARER) return out;
  if (body.issued_token_type === 'urn:ietf:params:oauth:token-type:id-jag') return out;
  // A Mandate access token: signed by one of its keys, for an audience that was asked for.
  let claims: Record<string, unknown>;
  try {
    const kid = (
      JSON.parse(Buffer.from(body.access_token.split('.')[0] ?? '', 'base64url').toString()) as {
        kid?: string;
      }
    ).kid;
    const jwk = ctx.jwks.find((k) => k.kid === kid);
    if (jwk === undefined) return [...out, v('200-unknown-kid', String(kid))];
    const { payload } = await compactVerify(body.access_token, await importJWK(jwk, jwk.alg));
    claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch (err) {
    return [...out, v('200-token-does-not-verify', String(err))];
  }
  if (claims.iss !== ctx.issuer) out.push(v('200-iss', String(claims.iss)));
  const asked = [...p.getAll('resource'), ...p.getAll('audience')];
  const presented = payloadOf(
    grant === TOKEN_EXCHANGE ? (p.get('subject_token') ?? undefined) : (p.get('assertion') ?? undefined),
  );
  if (grant === JWT_BEARER && typeof presented?.resource === 'string') asked.push(presented.resource);
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!auds.every((a) => typeof a === 'string' && asked.includes(a)))
    out.push(v('200-audience-not-requested', `${JSON.stringify(claims.aud)} ∉ ${JSON.stringify(asked)}`));
  const granted = scopeSet(claims.scope) ?? [];
  const requested = p.getAll('scope').length === 1 ? scopeSet(p.get('scope')) : undefined;
  const ceiling = scopeSet(presented?.scope) ?? [];
  const beyond = granted.filter(
    (s) => (requested !== undefined && !requested.includes(s)) || !ceiling.includes(s),
  );
  if (beyond.length > 0)
    out.push(
      v(
        '200-scope-widened',
        `${beyond.join(' ')} (requested ${requested?.join(' ')}, ceiling ${ceiling.join(' ')})`,
      ),
    );
  if (typeof presented?.exp === 'number' && typeof claims.exp === 'number' && claims.exp > presented.exp)
    out.push(v('200-outlives-presented-token', `${claims.exp} > ${presented.exp}`));
  if (grant === TOKEN_EXCHANGE && claims.sub !== presented?.sub)
    out.push(v('200-sub-changed', `${JSON.stringify(claims.sub)} vs ${JSON.stringify(presented?.sub)}`));
  return out;
}

function redirect(res: RawResponse, ctx: OracleContext): Violation[] {
  const location = header(res, 'location');
  if (location === undefined) return [v('redirect-without-location', String(res.status))];
  let url: URL;
  try {
    url = new URL(location, ctx.issuer);
  } catch {
    return [v('redirect-malformed', location.slice(0, 120))];
  }
  if (url.origin === new URL(ctx.issuer).origin) return [];
  const base = `${url.protocol}//${url.hostname}${url.pathname}`;
  const ok = ctx.redirectUris.some((r) => {
    const reg = new URL(r);
    const loopback = reg.hostname === '127.0.0.1' || reg.hostname === '[::1]';
    return `${reg.protocol}//${reg.hostname}${reg.pathname}` === base && (loopback || reg.port === url.port);
  });
  return ok ? [] : [v('redirect-to-unregistered-uri', location.slice(0, 160))];
}

function page(res: RawResponse): Violation[] {
  const type = header(res, 'content-type') ?? '';
  // Errors raised before the route (a malformed URL, a body too large) are JSON, like every other.
  if (/^application\/json/.test(type)) return oauthError(res, false);
  return /^text\/html/.test(type) ? [] : [v('browser-error-not-a-page', `${res.status} ${type}`)];
}

export async function check(
  endpoint: Endpoint,
  req: RawRequest,
  res: RawResponse,
  ctx: OracleContext,
): Promise<Violation[]> {
  if (res.status >= 500) return [v(`5xx`, `${res.status} ${res.text.slice(0, 200)}`)];
  const sentBasic = req.headers.some(([n, val]) => n === 'Authorization' && /^basic /i.test(String(val)));
  const browser = endpoint === 'authorize' || endpoint === 'consent' || endpoint === 'callback';
  if (endpoint === 'dev-idp') return [];
  if (res.status >= 300 && res.status < 400)
    return browser ? redirect(res, ctx) : [v('unexpected-redirect', String(res.status))];
  if (res.status >= 400) return browser ? page(res) : oauthError(res, sentBasic);
  if (req.method === 'HEAD') return [];
  if (endpoint === 'token') return tokenSuccess(req, res, ctx);
  if (endpoint === 'revoke') return res.body.length === 0 ? [] : [v('revoke-body', res.text.slice(0, 80))];
  const body = json(res) as Record<string, unknown> | undefined;
  if (endpoint === 'introspect' && typeof body?.active !== 'boolean')
    return [v('introspect-shape', res.text.slice(0, 120))];
  if (endpoint === 'register' && (res.status !== 201 || typeof body?.client_id !== 'string'))
    return [v('register-shape', `${res.status} ${res.text.slice(0, 120)}`)];
  if (endpoint === 'metadata' && body?.issuer !== ctx.issuer)
    return [v('metadata-issuer', res.text.slice(0, 120))];
  if (endpoint === 'jwks') {
    const keys = (body?.keys ?? []) as Record<string, unknown>[];
    if (keys.some((k) => PRIVATE_JWK_MEMBERS.some((m) => m in k)))
      return [v('jwks-private-member', res.text.slice(0, 120))];
  }
  return [];
}
