/**
 * Validation of an authorization request (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1). Order matters:
 * until the client and its redirect URI are known to be good, an error must not redirect (RFC 6749
 * §4.1.2.1, RFC 9700 §4.11: no open redirector), so those errors are `AuthorizeError`s without a
 * redirect target and are shown as a page. Everything after redirects to the client with `error`,
 * `state` and `iss`.
 */
import type { OAuthClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import { OAuthError } from '../errors.js';
import type { AuthorizeErrorCode, RefusalReasonFor } from '../refusals.js';
import type { FirstHop } from '../first-hop.js';
import { parseScope, type Params } from '../params.js';
import { isS256Challenge } from '../grants/pkce.js';
import { redirectUriMatches } from './redirect-match.js';
import type { ProtectedResource } from '../protected-resources.js';
import { GrantType } from '../tokens/token-types.js';

export type { AuthorizeErrorCode } from '../refusals.js';

/** Where an error goes: the client's redirect URI when it is safe to, else a page. */
export interface RedirectTarget {
  redirectUri: string;
  state: string | undefined;
}

/** The redirect target of a refusal, known once the client is: with the registered client's id. */
export interface RefusalTarget extends RedirectTarget {
  clientId: string;
}

export class AuthorizeError<E extends AuthorizeErrorCode = AuthorizeErrorCode> extends Error {
  constructor(
    readonly error: E,
    description: string,
    /** Undefined: show a page, never redirect. */
    readonly target: RefusalTarget | undefined,
    /** One catalogued for `error` (refusals.ts), as OAuthError's. */
    readonly reason?: RefusalReasonFor<E>,
  ) {
    super(description);
    this.name = 'AuthorizeError';
  }
}

export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  /** The client sent redirect_uri (rather than relying on its one registered URI). */
  redirectUriSent: boolean;
  state: string | undefined;
  codeChallenge: string;
  resource: ProtectedResource;
  /** Requested scopes; the resource's scopes_supported when the client named none (RFC 6749 §3.3). */
  scopes: string[];
  dpopJkt: string | undefined;
  prompt: string[];
}

/** Where a refusal of the validated request `req` goes. */
export function targetOf(req: AuthorizationRequest): RefusalTarget {
  return { redirectUri: req.redirectUri, state: req.state, clientId: req.client.clientId };
}

const JKT = /^[A-Za-z0-9_-]{43}$/;

/** Reads a parameter that must not repeat; a repetition is reported to `fail`. */
function single(
  params: Params,
  name: string,
  fail: (d: string, reason: 'parameter_repeated') => never,
): string | undefined {
  try {
    return params.get(name);
  } catch (err) {
    return fail(
      err instanceof OAuthError ? err.message : `parameter '${name}' is malformed`,
      'parameter_repeated',
    );
  }
}

type Page = (d: string, reason?: RefusalReasonFor<'invalid_request'>) => never;
type Fail = <E extends AuthorizeErrorCode>(error: E, d: string, reason?: RefusalReasonFor<E>) => never;

/** The client and its redirect URI; until both are known to be good, an error is a page. */
async function clientAndRedirect(params: Params, ctx: OAuthContext, page: Page) {
  const clientId =
    single(params, 'client_id', page) ?? page("missing required parameter 'client_id'", 'parameter_missing');
  let client: OAuthClient | undefined;
  try {
    client = await ctx.clients.get(clientId);
  } catch (err) {
    if (err instanceof OAuthError) page(`client_id is not usable: ${err.message}`, 'client_lookup');
    throw err;
  }
  if (client === undefined) return page('unknown client_id', 'authorize_unknown_client');
  const registered = client.redirectUris ?? [];
  const requestedUri = single(params, 'redirect_uri', page);
  if (requestedUri === undefined) {
    // RFC 6749 §3.1.2.3: optional only when exactly one URI is registered.
    if (registered.length !== 1 || registered[0] === undefined)
      return page("missing required parameter 'redirect_uri'", 'redirect_uri_missing');
    return { client, redirectUri: registered[0], requestedUri };
  }
  if (!redirectUriMatches(requestedUri, registered))
    return page('redirect_uri is not registered for this client', 'redirect_uri_unregistered');
  return { client, redirectUri: requestedUri, requestedUri };
}

/** `response_type=code` in query mode for a client with the code grant, and its PKCE S256 challenge. */
function codeChallengeOf(client: OAuthClient, get: (name: string) => string | undefined, fail: Fail): string {
  const responseType = get('response_type');
  if (responseType === undefined)
    fail('invalid_request', "missing required parameter 'response_type'", 'parameter_missing');
  if (responseType !== 'code')
    fail(
      'unsupported_response_type',
      "only response_type 'code' is supported (OAuth 2.1)",
      'authorize_response_type',
    );
  const mode = get('response_mode');
  if (mode !== undefined && mode !== 'query')
    fail('invalid_request', "only response_mode 'query' is supported", 'response_mode');
  if (!client.grantTypes.includes(GrantType.authorizationCode))
    fail('unauthorized_client', 'this client may not use the authorization code grant', 'grant_type');

  const challenge = get('code_challenge');
  const method = get('code_challenge_method');
  if (challenge === undefined) fail('invalid_request', 'code_challenge is required (PKCE)', 'pkce_missing');
  if (method !== 'S256')
    fail(
      'invalid_request',
      method === undefined || method === 'plain'
        ? "code_challenge_method must be S256 ('plain' is not allowed)"
        : `unsupported code_challenge_method '${method}'`,
      'pkce_method',
    );
  if (!isS256Challenge(challenge ?? ''))
    fail('invalid_request', 'code_challenge is malformed', 'pkce_malformed');
  return challenge ?? '';
}

/** The one protected resource requested (RFC 8707), served by this authorization server. */
function resourceOf(params: Params, fh: FirstHop, fail: Fail): ProtectedResource {
  const resources = params.all('resource');
  if (resources.length === 0)
    fail(
      'invalid_target',
      "missing required parameter 'resource' (RFC 8707): name the MCP server",
      'resource_missing',
    );
  if (resources.length > 1) fail('invalid_target', 'request one resource at a time', 'resource_many');
  const resource = fh.resources.get(resources[0] ?? '');
  if (resource === undefined)
    fail(
      'invalid_target',
      'resource is not a protected resource served by this authorization server',
      'unknown_resource',
    );
  return resource as ProtectedResource;
}

/** The requested scopes (RFC 6749 §3.3), if any. */
function scopesOf(get: (name: string) => string | undefined, fail: Fail): string[] | undefined {
  // Read outside the try: a repeated scope is invalid_request (RFC 6749 §4.1.2.1), not invalid_scope.
  const scope = get('scope');
  try {
    return parseScope(scope);
  } catch (err) {
    const tooMany = err instanceof OAuthError && err.reason === 'scope_too_many';
    return fail(
      'invalid_scope',
      err instanceof Error ? err.message : 'malformed scope',
      tooMany ? 'scope_too_many' : 'scope_malformed',
    );
  }
}

/** Validates an authorization request in the order the module comment gives. */
export async function validateAuthorizationRequest(
  params: Params,
  ctx: OAuthContext,
  fh: FirstHop,
): Promise<AuthorizationRequest> {
  const page: Page = (d, reason) => {
    throw new AuthorizeError('invalid_request', d, undefined, reason);
  };
  const { client, redirectUri, requestedUri } = await clientAndRedirect(params, ctx, page);

  // From here on errors go back to the client.
  let state: string | undefined;
  try {
    state = params.get('state');
  } catch {
    state = undefined;
  }
  const target: RefusalTarget = { redirectUri, state, clientId: client.clientId };
  const fail: Fail = (error, d, reason) => {
    throw new AuthorizeError(error, d, target, reason);
  };
  const get = (name: string) => single(params, name, (d, r) => fail('invalid_request', d, r));
  if (params.has('state') && state === undefined)
    fail('invalid_request', "parameter 'state' must not be repeated", 'parameter_repeated');
  if (params.has('request'))
    fail('request_not_supported', 'request objects are not supported', 'request_object');
  if (params.has('request_uri'))
    fail('request_uri_not_supported', 'request_uri is not supported', 'request_uri');

  const codeChallenge = codeChallengeOf(client, get, fail);
  const resource = resourceOf(params, fh, fail);
  const scopes = scopesOf(get, fail);
  const dpopJkt = get('dpop_jkt');
  if (dpopJkt !== undefined && !JKT.test(dpopJkt))
    fail(
      'invalid_request',
      'dpop_jkt must be a base64url SHA-256 JWK thumbprint (RFC 9449 section 10)',
      'dpop_jkt_malformed',
    );
  const prompt = (get('prompt') ?? '').split(' ').filter((p) => p !== '');
  if (prompt.includes('none') && prompt.length > 1)
    fail('invalid_request', "prompt 'none' must be alone", 'prompt_none_alone');

  return {
    client,
    redirectUri,
    redirectUriSent: requestedUri !== undefined,
    state,
    codeChallenge,
    resource,
    scopes: scopes ?? [...resource.scopesSupported],
    dpopJkt,
    prompt,
  };
}
