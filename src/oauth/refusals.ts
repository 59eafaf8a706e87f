/**
 * The one catalogue of refusal reasons: the precise internal reason a refusal is logged and audited
 * with (`reason` of a `token.refused` event, never sent on the wire), the one wire `error` it goes
 * out as, and what it means. A reason means one thing: where the same check fails at two places
 * with two wire errors (an unknown client at the token endpoint, on the authorization page, in a
 * workload's rule), each place has its own reason. One reason keeps a second wire error
 * (`alsoSentAs`, with why): the same refusal that a profile answers otherwise. `OAuthError` (../oauth/errors.ts) and `AuthorizeError` accept only a
 * {@link RefusalReason}, and `OAuthError` only one catalogued for its `error`, so an unknown or
 * misfiled reason does not compile. docs/audit.md's list is generated from this file
 * (`npx tsx src/oauth/refusals-doc.ts --write`; test/oauth/refusals-doc.test.ts fails when stale).
 */
import { DPOP_REASONS, type DpopReason, type OAuthErrorCode } from '@mandate/mcp-kit';

/** The authorization endpoint's `error` codes: RFC 6749 §4.1.2.1 plus OIDC Core §3.1.2.6. */
export type AuthorizeErrorCode =
  | OAuthErrorCode
  | 'unsupported_response_type'
  | 'login_required'
  | 'consent_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

/** A wire `error`: the token endpoint's (RFC 6749 §5.2 and extensions) or the authorization endpoint's. */
export type WireError = AuthorizeErrorCode;

/** One catalogued reason: the wire error it is sent as, and its meaning for operators. */
export interface Refusal {
  readonly error: WireError;
  /**
   * Only for a reason that means one thing which a profile answers with another wire error: that
   * error and why (each is documented; test/oauth/refusals.test.ts lists the reasons allowed one).
   */
  readonly alsoSentAs?: { readonly error: WireError; readonly why: string };
  readonly meaning: string;
}

/** A family of reasons with a part that varies: their wire errors vary with it. */
export interface RefusalFamily {
  readonly errors: readonly WireError[];
  readonly meaning: string;
}

const req = 'invalid_request';
const client = 'invalid_client';
const grant = 'invalid_grant';
const target = 'invalid_target';
const scope = 'invalid_scope';
const metadata = 'invalid_client_metadata';
const busy = 'temporarily_unavailable';

/** Why a JWT (a subject, actor or assertion token) failed jose's verification (tokens/jose-errors.ts). */
export const JWT_FAILURES = {
  expired: { error: grant, meaning: 'the JWT has expired (exp)' },
  not_yet_valid: { error: grant, meaning: 'the JWT is not valid yet (nbf)' },
  bad_signature: { error: grant, meaning: 'the signature does not verify with the issuer’s key' },
  alg_not_allowed: { error: grant, meaning: 'signed with an algorithm that is not allowed' },
  no_matching_key: { error: grant, meaning: 'no key of the issuer matches the JWT’s kid' },
  jwks_timeout: { error: busy, meaning: 'the issuer’s key set could not be fetched in time (an outage)' },
  jwks_unreachable: { error: busy, meaning: 'the issuer’s key set could not be fetched (an outage)' },
} as const satisfies Record<string, Refusal>;

/** A JWT failure: a catalogued one, `claim_<name>` (a claim jose rejected) or `err_<jose code>`. */
export type JwtFailure = keyof typeof JWT_FAILURES | `claim_${string}` | `err_${string}`;

/** Why fetching a client's metadata document or key set failed (clients/cimd/safe-fetch.ts). */
export const FETCH_FAILURES = {
  dns: 'the host could not be resolved (an outage when the resolver said try again)',
  private_address: 'the host resolves to a private or special-use address (SSRF guard)',
  scheme: 'the URL is not https',
  timeout: 'the host did not answer within the deadline (an outage)',
  unreachable: 'the host could not be reached (an outage)',
  redirect: 'the host answered with a redirect, which is not followed',
  not_json: 'the document is not served as application/json or is not valid JSON',
  too_large: 'the document is larger than the cap',
} as const;

/** A fetch failure: a catalogued one or `status_<HTTP status>` (an outage when 5xx). */
export type FetchFailureReason = keyof typeof FETCH_FAILURES | `status_${number}`;

/** Every reason Mandate's own code refuses with, but the families below. */
export const REFUSALS = {
  // The request itself (params.ts, endpoints/).
  too_many_parameters: { error: req, meaning: 'the request has more parameters than Mandate reads' },
  nul_in_parameter: { error: req, meaning: 'a parameter holds a NUL character' },
  parameter_missing: { error: req, meaning: 'a required parameter is missing (the description names it)' },
  parameter_repeated: { error: req, meaning: 'a parameter that may appear once appeared more than once' },
  scope_too_many: { error: scope, meaning: 'scope holds more scope tokens than Mandate reads' },
  scope_malformed: { error: scope, meaning: 'a scope token holds characters RFC 6749 §3.3 does not allow' },
  unsupported_grant_type: {
    error: 'unsupported_grant_type',
    meaning: 'grant_type names a grant this instance does not serve',
  },
  token_type_unsupported: {
    error: req,
    meaning: 'subject_token_type or actor_token_type names a token type Mandate does not accept',
  },
  requested_token_type: { error: req, meaning: 'requested_token_type names a type Mandate does not issue' },
  actor_token_type_unused: { error: req, meaning: 'actor_token_type was sent without actor_token' },
  client_id_mismatch: {
    error: req,
    meaning: 'the body’s client_id differs from the client of the Authorization header',
  },
  malformed_request: {
    error: req,
    meaning: 'the HTTP request could not be parsed (body, encoding, size; the description says which)',
  },
  content_type: { error: req, meaning: 'the request body is not of the endpoint’s media type (415)' },
  no_endpoint: { error: req, meaning: 'no endpoint at that method and path (404)' },
  draining: { error: busy, meaning: 'the instance is shutting down (SIGTERM) and takes no new request' },
  internal_error: {
    error: 'server_error',
    meaning: 'an unexpected failure, answered server_error with nothing of its cause (the error log has it)',
  },
  unrecordable_issuance: {
    error: grant,
    meaning: 'the token would carry a value no issuance record can hold (e.g. an overlong subject)',
  },
  database_unavailable: { error: busy, meaning: 'the database could not serve the request' },
  rate_limited_token: { error: busy, meaning: 'the client is past the token endpoint’s rate limit (429)' },
  rate_limited_register: { error: busy, meaning: 'the address is past the registration rate limit (429)' },
  rate_limited_authorize: {
    error: busy,
    meaning: 'the address is past the authorization endpoint’s rate limit (429)',
  },
  rate_limited_login: {
    error: busy,
    meaning: 'the address is past the development IdP’s login rate limit (429)',
  },
  audit_unavailable: {
    error: busy,
    meaning: 'the audit store could not take the event, so the answer is not sent',
  },
  // Client authentication (clients/client-auth.ts, workload/, endpoints/, authzen/).
  public_client: {
    error: client,
    meaning: 'the grant or endpoint requires client authentication and the client is public',
  },
  multiple_auth_methods: { error: req, meaning: 'more than one client authentication method was used' },
  no_client: { error: client, meaning: 'no client authentication and no client_id' },
  unknown_client: {
    error: client,
    meaning: 'the authenticating client’s client_id names no registered client',
  },
  method_mismatch: {
    error: client,
    meaning: 'the client used another authentication method than registered',
  },
  bad_secret: { error: client, meaning: 'the client secret is wrong' },
  malformed_basic: { error: client, meaning: 'the Authorization header’s Basic credentials are malformed' },
  client_store_unavailable: { error: busy, meaning: 'the client registry could not be read' },
  no_keys: { error: client, meaning: 'a private_key_jwt client has no registered keys' },
  bad_assertion_type: { error: client, meaning: 'client_assertion_type is not the JWT bearer type' },
  malformed_assertion: { error: client, meaning: 'client_assertion is not a JWT' },
  assertion_sub: { error: client, meaning: 'client_id differs from the client assertion’s subject' },
  assertion_lifetime: { error: client, meaning: 'the client assertion lives longer than Mandate accepts' },
  assertion_replay: { error: client, meaning: 'the client assertion’s jti was already used (RFC 7523 §3)' },
  // Client ID Metadata Documents and registration (clients/).
  cimd_id_taken: { error: client, meaning: 'a URL client_id is already registered by other means' },
  cimd_url: { error: client, meaning: 'a URL client_id is not an https URL with a path and no fragment' },
  cimd_client_id_mismatch: {
    error: client,
    meaning: 'the metadata document names another client_id than its URL',
  },
  cimd_metadata: { error: client, meaning: 'the metadata document does not validate as client metadata' },
  jwks_malformed: { error: client, meaning: 'the client’s jwks_uri does not hold a JWK set' },
  not_object: { error: metadata, meaning: 'the client metadata is not a JSON object' },
  schema: {
    error: metadata,
    meaning: 'the client metadata does not validate (the description names the field)',
  },
  cimd_secret: { error: metadata, meaning: 'a metadata document holds a client secret or a secret method' },
  auth_method: { error: metadata, meaning: 'token_endpoint_auth_method is not supported' },
  grant: { error: metadata, meaning: 'a grant type not available to self-registered clients' },
  response_type: { error: metadata, meaning: 'response_types names a response type other than code' },
  inconsistent: { error: metadata, meaning: 'grant_types lacks authorization_code, the grant of code' },
  redirect_missing: { error: 'invalid_redirect_uri', meaning: 'redirect_uris is missing' },
  redirect_uri: { error: 'invalid_redirect_uri', meaning: 'a redirect URI breaks the redirect URI rules' },
  jwks_both: { error: metadata, meaning: 'both jwks and jwks_uri are present (RFC 7591 §2)' },
  jwks_missing: { error: metadata, meaning: 'private_key_jwt without jwks or jwks_uri' },
  jwks_unused: { error: metadata, meaning: 'jwks or jwks_uri without private_key_jwt' },
  jwks_private: { error: metadata, meaning: 'jwks holds private key members' },
  jwks_uri: { error: metadata, meaning: 'jwks_uri is not an https URL' },
  scope: { error: metadata, meaning: 'the metadata’s scope is malformed' },
  // Tokens and assertions presented to Mandate (tokens/token-verifier.ts, id-jag/, workload/).
  not_jws: { error: grant, meaning: 'the token or assertion is not a compact JWS' },
  malformed: { error: grant, meaning: 'the token or assertion is not a well-formed JWT' },
  typ: { error: grant, meaning: 'the token’s typ is not one Mandate uses' },
  type_mismatch: {
    error: grant,
    meaning: 'the token is of another kind than its parameter says (id_token, access token)',
  },
  untrusted_issuer: {
    error: grant,
    meaning: 'the token or assertion is from an issuer that is not trusted',
  },
  type_not_accepted: { error: grant, meaning: 'the issuer is not trusted for this token type' },
  iat_future: { error: grant, meaning: 'the token or assertion is issued in the future' },
  revoked: { error: grant, meaning: 'the token has been revoked' },
  issuer_store_unavailable: { error: busy, meaning: 'the signing keys could not be read' },
  claim_invalid: {
    error: grant,
    meaning:
      'a claim of the token or assertion is missing or of the wrong type (tokens/claims.ts; the description names it; a client assertion’s is assertion_claim_invalid)',
  },
  lifetime: {
    error: grant,
    meaning: 'the assertion lives longer than its issuer may issue (ID-JAG, workload)',
  },
  aud_multiple: { error: grant, meaning: 'an ID-JAG names more than one audience' },
  aud_mismatch: { error: grant, meaning: 'the assertion’s aud is not this authorization server' },
  self_issued: { error: grant, meaning: 'the assertion was issued by Mandate itself' },
  tenant_mismatch: { error: grant, meaning: 'an ID-JAG’s tenant is not the one trusted for its issuer' },
  client_mismatch: {
    error: grant,
    meaning:
      'the grant’s credential was issued to another client than the one authenticated: the authorization code, the refresh token or the ID-JAG (its client_id); the event’s grant_type says which',
  },
  workload_client_mismatch: {
    error: grant,
    meaning: 'the request’s client_id is not the client the workload’s trust rule names',
  },
  workload_unknown_client: {
    error: grant,
    meaning: 'the client the workload’s trust rule names is no longer registered',
  },
  workload_not_trusted: { error: grant, meaning: 'no trust rule of the issuer names this workload' },
  workload_resource: { error: target, meaning: 'the workload is not trusted for this resource' },
  scope_not_in_rule: { error: scope, meaning: 'none of the requested scopes is allowed for this workload' },
  // Grants (grants/, issuance/).
  ttl: { error: grant, meaning: 'the subject token or assertion expires too soon to issue anything' },
  jti_replay: { error: grant, meaning: 'the assertion’s jti was already used' },
  resource_mismatch: { error: target, meaning: 'resource differs from the one the grant was made for' },
  unknown_resource: { error: target, meaning: 'the grant’s resource is no longer served' },
  scope_widened: { error: scope, meaning: 'a refresh asked for more scopes than were granted' },
  scope_not_in_assertion: { error: scope, meaning: 'none of the requested scopes is in the ID-JAG' },
  scope_required: { error: scope, meaning: 'no scope was requested and the subject token carries none' },
  resource_malformed: { error: target, meaning: 'resource is not an absolute URI without a fragment' },
  resource_not_in_assertion: { error: target, meaning: 'resource is not one the assertion grants' },
  resource_ambiguous: {
    error: target,
    meaning: 'the assertion names several resources and the request named none of them',
  },
  id_jag_audience: {
    error: target,
    meaning: 'an ID-JAG’s audience is not the issuer identifier of an authorization server',
  },
  id_jag_self: { error: target, meaning: 'an ID-JAG was requested for Mandate itself' },
  id_jag_actor_token: { error: req, meaning: 'an ID-JAG request carried an actor_token, which is not used' },
  id_jag_subject_token_type: {
    error: req,
    meaning: 'an ID-JAG request’s subject_token_type is not the ID token type',
  },
  cnf_proof_missing: {
    error: grant,
    meaning: 'an assertion bound to a key (cnf) came without a DPoP proof',
  },
  cnf_mismatch: { error: grant, meaning: 'the DPoP proof key is not the assertion’s cnf.jkt' },
  actor_mismatch: { error: grant, meaning: 'actor_token does not identify the calling client' },
  actor_audience: { error: grant, meaning: 'actor_token was not issued for this authorization server' },
  subject_audience: { error: grant, meaning: 'subject_token was not issued to this client' },
  may_act: {
    error: grant,
    meaning: 'the subject token’s may_act does not allow this actor (RFC 8693 §4.4)',
  },
  act_depth: { error: grant, meaning: 'the delegation chain is deeper than Mandate allows' },
  refresh_reused: {
    error: grant,
    meaning: 'a rotated refresh token was used again; the whole grant is revoked',
  },
  unknown_refresh_token: { error: grant, meaning: 'the refresh token is not known' },
  grant_revoked: { error: grant, meaning: 'the refresh token’s grant has been revoked' },
  grant_expired: { error: grant, meaning: 'the refresh token has expired' },
  dpop_binding: {
    error: grant,
    meaning: 'the refresh token is bound to a DPoP key and no proof by it came',
  },
  code_replayed: {
    error: grant,
    meaning: 'an authorization code was used twice; the tokens issued from it are revoked',
  },
  unknown_code: { error: grant, meaning: 'the authorization code is not known' },
  code_expired: { error: grant, meaning: 'the authorization code has expired' },
  redirect_uri_mismatch: {
    error: grant,
    meaning: 'the code exchange’s redirect_uri is not the one of the authorization request',
  },
  pkce_mismatch: { error: grant, meaning: 'code_verifier does not match the code_challenge' },
  dpop_jkt_mismatch: {
    error: grant,
    meaning: 'the DPoP proof key differs from the authorization request’s dpop_jkt',
  },
  dpop_required: {
    error: req,
    alsoSentAs: {
      error: grant,
      why: 'when the grant redeems an assertion (jwt-bearer: an ID-JAG or a workload’s JWT), whose profile answers the assertion’s refusals invalid_grant',
    },
    meaning: 'the policy requires a DPoP-bound token and no proof came',
  },
  approval_required: {
    error: 'interaction_required',
    meaning:
      'the policy allows the exchange once a person approves it (require_approval): nothing is issued; ' +
      'the client asks at the backchannel authentication endpoint (OpenID CIBA, ADR 0014)',
  },
  // Downstream connectors (connectors/, ADR 0013).
  downstream_refused: {
    error: target,
    meaning:
      'the downstream service’s authorization server refused the token (its error is in the description and the event’s downstream)',
  },
  downstream_unavailable: {
    error: busy,
    meaning:
      'the downstream service’s token endpoint could not be reached, timed out, or answered 5xx or 429 (an outage)',
  },
  downstream_invalid_response: {
    error: busy,
    meaning: 'the downstream service’s token endpoint answered with something that is not a token response',
  },
  downstream_subject_missing: {
    error: target,
    meaning:
      'the policy allowed a connector-backed exchange without a downstream_subject obligation (no call made)',
  },
  downstream_dpop_unsupported: {
    error: target,
    meaning: 'the policy requires DPoP for a service whose tokens come from its own authorization server',
  },
  // The backchannel authentication endpoint (OpenID CIBA, endpoints/backchannel-authentication.ts).
  approvals_unavailable: { error: req, meaning: 'this instance keeps no approvals (no store for them)' },
  login_hint: {
    error: req,
    meaning: 'the request named the user otherwise than by login_hint_token (the exchange’s subject token)',
  },
  login_hint_token_expired: {
    error: 'expired_login_hint_token',
    meaning: 'the login_hint_token (subject token) has expired, or expires before an approval could come',
  },
  login_hint_token_refused: {
    error: 'unknown_user_id',
    meaning:
      'the login_hint_token failed the exchange’s subject and actor checks (the description says which)',
  },
  binding_message: {
    error: 'invalid_binding_message',
    meaning: 'binding_message is longer than 200 characters or holds control characters',
  },
  requested_expiry: { error: req, meaning: 'requested_expiry is not a positive whole number of seconds' },
  approval_not_required: {
    error: req,
    meaning: 'the policy allows the exchange without an approval: the client exchanges at the token endpoint',
  },
  authorization_details: {
    error: 'invalid_authorization_details',
    meaning:
      'authorization_details is not one mcp_tool_call detail with a tool name and argument object (RFC 9396)',
  },
  // The CIBA grant (grants/ciba.ts).
  auth_req_id_unknown: {
    error: grant,
    meaning: 'the auth_req_id is unknown, long expired, or was issued to another client',
  },
  auth_req_id_used: { error: grant, meaning: 'the auth_req_id has already been redeemed (single use)' },
  approval_pending: {
    error: 'authorization_pending',
    meaning: 'no one has approved or denied the request yet (not audited: a poll, not a refusal)',
  },
  approval_slow_down: {
    error: 'slow_down',
    meaning: 'polled sooner than the interval allows; the interval is now 5 s longer (not audited)',
  },
  approval_denied: { error: 'access_denied', meaning: 'an approver denied the request' },
  approval_expired: {
    error: 'expired_token',
    meaning: 'the request expired before it was approved and redeemed',
  },
  // The authorization endpoint (authorize/).
  client_lookup: { error: req, meaning: 'the client_id could not be resolved (a page, no redirect)' },
  authorize_unknown_client: {
    error: req,
    meaning: 'the authorization request’s client_id names no registered client (a page, no redirect)',
  },
  redirect_uri_unregistered: {
    error: req,
    meaning:
      'the authorization request’s redirect_uri is not registered for the client (a page, no redirect)',
  },
  authorize_response_type: {
    error: 'unsupported_response_type',
    meaning: 'the authorization request’s response_type is not code',
  },
  redirect_uri_missing: { error: req, meaning: 'redirect_uri is missing and the client has several' },
  grant_type: {
    error: 'unauthorized_client',
    meaning:
      'the client may not use the grant (the event’s action says which; at the backchannel authentication endpoint, token exchange)',
  },
  pkce_missing: { error: req, meaning: 'code_challenge is missing (PKCE is required)' },
  pkce_method: { error: req, meaning: 'code_challenge_method is not S256' },
  pkce_malformed: { error: req, meaning: 'code_challenge is malformed' },
  resource_missing: { error: target, meaning: 'no resource was requested (RFC 8707): name the MCP server' },
  resource_many: {
    error: target,
    meaning: 'more than one resource (or audience) was requested: one target per request',
  },
  response_mode: { error: req, meaning: 'response_mode is not query, the one mode Mandate answers in' },
  request_object: {
    error: 'request_not_supported',
    meaning: 'the authorization request carries a request object (`request`), which Mandate does not read',
  },
  request_uri: {
    error: 'request_uri_not_supported',
    meaning: 'the authorization request names a request object by reference (`request_uri`)',
  },
  dpop_jkt_malformed: { error: req, meaning: 'dpop_jkt is not a base64url SHA-256 JWK thumbprint' },
  prompt_none_alone: { error: req, meaning: 'prompt holds none together with another value' },
  consent_form_malformed: { error: req, meaning: 'the consent form repeats a field (a page, no redirect)' },
  consent_session: {
    error: req,
    meaning: 'the consent form came without a login session, or one that has expired (a page)',
  },
  consent_csrf: {
    error: req,
    meaning: 'the consent form’s CSRF token is not valid for the session (a page)',
  },
  consent_form_expired: {
    error: req,
    meaning: 'the consent form’s sealed request has expired or belongs to another session (a page)',
  },
  consent_declined: { error: 'access_denied', meaning: 'the user declined the consent' },
  login_required: { error: 'login_required', meaning: 'prompt=none and the user is not logged in' },
  consent_required: { error: 'consent_required', meaning: 'prompt=none and the user has not consented' },
  idp_unavailable: { error: busy, meaning: 'the upstream identity provider could not be reached' },
  login_failed: {
    error: 'access_denied',
    meaning: 'the IdP’s redirect back could not be verified, or came for a login this browser did not start',
  },
  policy: { error: 'access_denied', meaning: 'the policy denied the authorization request' },
} as const satisfies Record<string, Refusal>;

/**
 * The families: reasons with a part that varies, documented by pattern. Four of the kit's DPoP
 * reasons share a name with one of the catalogue's (`not_jws`, `alg_not_allowed`, `claim_invalid`,
 * `dpop_required`): the same failure, of the DPoP proof (or, for `dpop_required`, at a resource
 * server) rather than of the token, and the kit's names are its published API; the event's `error`
 * (`invalid_dpop_proof`, `use_dpop_nonce`, `invalid_token`) says it was the proof.
 * test/oauth/refusals.test.ts fails on any other shared name.
 */
export const REFUSAL_FAMILIES = {
  '<JWT failure>': {
    errors: ['invalid_grant', 'temporarily_unavailable'],
    meaning: 'a presented token or assertion failed verification: see the JWT failures below',
  },
  'assertion_<JWT failure>': {
    errors: [client],
    meaning:
      'the client assertion failed verification, or a claim of it is malformed (assertion_claim_invalid); an outage is temporarily_unavailable with the bare reason',
  },
  'cimd_<fetch failure>': {
    errors: ['invalid_client', 'temporarily_unavailable'],
    meaning: 'the client’s metadata document could not be fetched or used: see the fetch failures below',
  },
  'policy:<codes>': {
    errors: ['access_denied', 'invalid_scope', 'invalid_target', 'invalid_grant', 'unauthorized_client'],
    meaning: 'the policy denied; its reason codes, comma-separated (rego/README.md "Reason codes")',
  },
  '<DPoP reason>': {
    errors: ['invalid_dpop_proof', 'use_dpop_nonce', 'invalid_token'],
    meaning: 'the DPoP proof was refused (the kit’s DPOP_REASONS, docs/mcp-server-kit.md)',
  },
} as const satisfies Record<string, RefusalFamily>;

type Catalogued = keyof typeof REFUSALS;

/** Every reason a refusal may carry: the catalogue's, or one of its families. */
export type RefusalReason =
  | Catalogued
  | JwtFailure
  | `assertion_${JwtFailure}`
  | `cimd_${FetchFailureReason}`
  | `policy:${string}`
  | DpopReason;

type Entry<R extends Catalogued> = (typeof REFUSALS)[R];
type ErrorsOf<R extends Catalogued> =
  Entry<R>['error'] | (Entry<R> extends { alsoSentAs: { error: infer A } } ? A : never);

/**
 * The reasons catalogued for the wire error `E` (every family reason, whose wire error varies,
 * with any of them): `new OAuthError('invalid_grant', …, { reason: 'bad_secret' })` does not compile.
 */
export type RefusalReasonFor<E extends WireError> =
  { [R in Catalogued]: E extends ErrorsOf<R> ? R : never }[Catalogued] | Exclude<RefusalReason, Catalogued>;

const jwtFailure = (r: string) => Object.hasOwn(JWT_FAILURES, r) || /^(claim|err)_[a-z0-9_]+$/i.test(r);
const fetchFailure = (r: string) => Object.hasOwn(FETCH_FAILURES, r) || /^status_[0-9]{3}$/.test(r);

/**
 * Whether `reason` is a member of the catalogue or of one of its families: what the types above
 * guarantee at compile time, checked at run time on what was recorded (the audit tests).
 */
export function isCatalogued(reason: unknown): reason is RefusalReason {
  if (typeof reason !== 'string') return false;
  return (
    Object.hasOwn(REFUSALS, reason) ||
    Object.hasOwn(DPOP_REASONS, reason) ||
    /^policy:[^\s]+$/.test(reason) ||
    jwtFailure(reason) ||
    (reason.startsWith('assertion_') && jwtFailure(reason.slice('assertion_'.length))) ||
    (reason.startsWith('cimd_') && fetchFailure(reason.slice('cimd_'.length)))
  );
}
