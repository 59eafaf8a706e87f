/**
 * The one catalogue of refusal reasons: the precise internal reason a refusal is logged and audited
 * with (`reason` of a `token.refused` event, never sent on the wire), the wire `error` codes it goes
 * out as, and what it means. `OAuthError` (../oauth/errors.ts) and `AuthorizeError` accept only a
 * {@link RefusalReason}, and `OAuthError` only one catalogued for its `error`, so an unknown or
 * misfiled reason does not compile. docs/audit.md's list is generated from this file
 * (`npx tsx src/oauth/refusals-doc.ts --write`; test/oauth/refusals-doc.test.ts fails when stale).
 */
import type { DpopReason, OAuthErrorCode } from '@mandate/mcp-kit';

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

/** One catalogued reason: the wire errors it is sent as, and its meaning for operators. */
export interface Refusal {
  readonly errors: readonly WireError[];
  readonly meaning: string;
}

const req = ['invalid_request'] as const;
const client = ['invalid_client'] as const;
const grant = ['invalid_grant'] as const;
const target = ['invalid_target'] as const;
const scope = ['invalid_scope'] as const;
const metadata = ['invalid_client_metadata'] as const;
const busy = ['temporarily_unavailable'] as const;

/** Why a JWT (a subject, actor or assertion token) failed jose's verification (tokens/jose-errors.ts). */
export const JWT_FAILURES = {
  expired: { errors: grant, meaning: 'the JWT has expired (exp)' },
  not_yet_valid: { errors: grant, meaning: 'the JWT is not valid yet (nbf)' },
  bad_signature: { errors: grant, meaning: 'the signature does not verify with the issuer’s key' },
  alg_not_allowed: { errors: grant, meaning: 'signed with an algorithm that is not allowed' },
  no_matching_key: { errors: grant, meaning: 'no key of the issuer matches the JWT’s kid' },
  jwks_timeout: { errors: busy, meaning: 'the issuer’s key set could not be fetched in time (an outage)' },
  jwks_unreachable: { errors: busy, meaning: 'the issuer’s key set could not be fetched (an outage)' },
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
  too_many_parameters: { errors: req, meaning: 'the request has more parameters than Mandate reads' },
  nul_in_parameter: { errors: req, meaning: 'a parameter holds a NUL character' },
  unrecordable_issuance: {
    errors: grant,
    meaning: 'the token would carry a value no issuance record can hold (e.g. an overlong subject)',
  },
  database_unavailable: { errors: busy, meaning: 'the database could not serve the request' },
  rate_limited_token: { errors: busy, meaning: 'the client is past the token endpoint’s rate limit (429)' },
  rate_limited_register: { errors: busy, meaning: 'the address is past the registration rate limit (429)' },
  rate_limited_authorize: {
    errors: busy,
    meaning: 'the address is past the authorization endpoint’s rate limit (429)',
  },
  rate_limited_login: {
    errors: busy,
    meaning: 'the address is past the development IdP’s login rate limit (429)',
  },
  audit_unavailable: {
    errors: busy,
    meaning: 'the audit store could not take the event, so the answer is not sent',
  },
  // Client authentication (clients/client-auth.ts, workload/, endpoints/, authzen/).
  public_client: {
    errors: client,
    meaning: 'the grant or endpoint requires client authentication and the client is public',
  },
  multiple_auth_methods: { errors: req, meaning: 'more than one client authentication method was used' },
  no_client: { errors: client, meaning: 'no client authentication and no client_id' },
  unknown_client: {
    errors: ['invalid_client', 'invalid_grant', 'invalid_request'],
    meaning:
      'the client_id names no registered client (at the authorization endpoint: a page, no redirect; for a workload: the client its rule names is not registered)',
  },
  method_mismatch: {
    errors: client,
    meaning: 'the client used another authentication method than registered',
  },
  bad_secret: { errors: client, meaning: 'the client secret is wrong' },
  client_store_unavailable: { errors: busy, meaning: 'the client registry could not be read' },
  no_keys: { errors: client, meaning: 'a private_key_jwt client has no registered keys' },
  bad_assertion_type: { errors: client, meaning: 'client_assertion_type is not the JWT bearer type' },
  malformed_assertion: { errors: client, meaning: 'client_assertion is not a JWT' },
  assertion_sub: { errors: client, meaning: 'client_id differs from the client assertion’s subject' },
  assertion_lifetime: { errors: client, meaning: 'the client assertion lives longer than Mandate accepts' },
  assertion_replay: { errors: client, meaning: 'the client assertion’s jti was already used (RFC 7523 §3)' },
  // Client ID Metadata Documents and registration (clients/).
  cimd_id_taken: { errors: client, meaning: 'a URL client_id is already registered by other means' },
  cimd_url: { errors: client, meaning: 'a URL client_id is not an https URL with a path and no fragment' },
  cimd_client_id_mismatch: {
    errors: client,
    meaning: 'the metadata document names another client_id than its URL',
  },
  cimd_metadata: { errors: client, meaning: 'the metadata document does not validate as client metadata' },
  jwks_malformed: { errors: client, meaning: 'the client’s jwks_uri does not hold a JWK set' },
  not_object: { errors: metadata, meaning: 'the client metadata is not a JSON object' },
  schema: {
    errors: metadata,
    meaning: 'the client metadata does not validate (the description names the field)',
  },
  cimd_secret: { errors: metadata, meaning: 'a metadata document holds a client secret or a secret method' },
  auth_method: { errors: metadata, meaning: 'token_endpoint_auth_method is not supported' },
  grant: { errors: metadata, meaning: 'a grant type not available to self-registered clients' },
  response_type: {
    errors: ['invalid_client_metadata', 'unsupported_response_type'],
    meaning: 'a response type other than code',
  },
  inconsistent: { errors: metadata, meaning: 'grant_types lacks authorization_code, the grant of code' },
  redirect_missing: { errors: ['invalid_redirect_uri'], meaning: 'redirect_uris is missing' },
  redirect_uri: { errors: ['invalid_redirect_uri'], meaning: 'a redirect URI breaks the redirect URI rules' },
  jwks_both: { errors: metadata, meaning: 'both jwks and jwks_uri are present (RFC 7591 §2)' },
  jwks_missing: { errors: metadata, meaning: 'private_key_jwt without jwks or jwks_uri' },
  jwks_unused: { errors: metadata, meaning: 'jwks or jwks_uri without private_key_jwt' },
  jwks_private: { errors: metadata, meaning: 'jwks holds private key members' },
  jwks_uri: { errors: metadata, meaning: 'jwks_uri is not an https URL' },
  scope: { errors: metadata, meaning: 'the metadata’s scope is malformed' },
  // Tokens and assertions presented to Mandate (tokens/token-verifier.ts, id-jag/, workload/).
  not_jws: { errors: grant, meaning: 'the token or assertion is not a compact JWS' },
  malformed: { errors: grant, meaning: 'the token or assertion is not a well-formed JWT' },
  typ: { errors: grant, meaning: 'the token’s typ is not one Mandate uses' },
  type_mismatch: {
    errors: grant,
    meaning: 'the token is of another kind than its parameter says (id_token, access token)',
  },
  untrusted_issuer: {
    errors: grant,
    meaning: 'the token or assertion is from an issuer that is not trusted',
  },
  type_not_accepted: { errors: grant, meaning: 'the issuer is not trusted for this token type' },
  iat_future: { errors: grant, meaning: 'the token or assertion is issued in the future' },
  revoked: { errors: grant, meaning: 'the token has been revoked' },
  issuer_store_unavailable: { errors: busy, meaning: 'the signing keys could not be read' },
  claim_invalid: {
    errors: ['invalid_grant', 'invalid_client'],
    meaning: 'a claim is missing or of the wrong type (tokens/claims.ts; the description names it)',
  },
  lifetime: {
    errors: grant,
    meaning: 'the assertion lives longer than its issuer may issue (ID-JAG, workload)',
  },
  aud_multiple: { errors: grant, meaning: 'an ID-JAG names more than one audience' },
  aud_mismatch: { errors: grant, meaning: 'the assertion’s aud is not this authorization server' },
  self_issued: { errors: grant, meaning: 'the assertion was issued by Mandate itself' },
  tenant_mismatch: { errors: grant, meaning: 'an ID-JAG’s tenant is not the one trusted for its issuer' },
  client_mismatch: {
    errors: grant,
    meaning: 'the code, refresh token, ID-JAG or workload belongs to another client',
  },
  workload_not_trusted: { errors: grant, meaning: 'no trust rule of the issuer names this workload' },
  workload_resource: { errors: target, meaning: 'the workload is not trusted for this resource' },
  scope_not_in_rule: { errors: scope, meaning: 'none of the requested scopes is allowed for this workload' },
  // Grants (grants/, issuance/).
  ttl: { errors: grant, meaning: 'the subject token or assertion expires too soon to issue anything' },
  jti_replay: { errors: grant, meaning: 'the assertion’s jti was already used' },
  resource_mismatch: { errors: target, meaning: 'resource differs from the one the grant was made for' },
  unknown_resource: { errors: target, meaning: 'the grant’s resource is no longer served' },
  scope_widened: { errors: scope, meaning: 'a refresh asked for more scopes than were granted' },
  scope_not_in_assertion: { errors: scope, meaning: 'none of the requested scopes is in the ID-JAG' },
  cnf_proof_missing: {
    errors: grant,
    meaning: 'an assertion bound to a key (cnf) came without a DPoP proof',
  },
  cnf_mismatch: { errors: grant, meaning: 'the DPoP proof key is not the assertion’s cnf.jkt' },
  actor_mismatch: { errors: grant, meaning: 'actor_token does not identify the calling client' },
  actor_audience: { errors: grant, meaning: 'actor_token was not issued for this authorization server' },
  subject_audience: { errors: grant, meaning: 'subject_token was not issued to this client' },
  may_act: {
    errors: grant,
    meaning: 'the subject token’s may_act does not allow this actor (RFC 8693 §4.4)',
  },
  act_depth: { errors: grant, meaning: 'the delegation chain is deeper than Mandate allows' },
  refresh_reused: {
    errors: grant,
    meaning: 'a rotated refresh token was used again; the whole grant is revoked',
  },
  unknown_refresh_token: { errors: grant, meaning: 'the refresh token is not known' },
  grant_revoked: { errors: grant, meaning: 'the refresh token’s grant has been revoked' },
  grant_expired: { errors: grant, meaning: 'the refresh token has expired' },
  dpop_binding: {
    errors: grant,
    meaning: 'the refresh token is bound to a DPoP key and no proof by it came',
  },
  code_replayed: {
    errors: grant,
    meaning: 'an authorization code was used twice; the tokens issued from it are revoked',
  },
  unknown_code: { errors: grant, meaning: 'the authorization code is not known' },
  code_expired: { errors: grant, meaning: 'the authorization code has expired' },
  redirect_uri_mismatch: {
    errors: ['invalid_grant', 'invalid_request'],
    meaning: 'redirect_uri is not the authorization request’s (token endpoint) or not registered (a page)',
  },
  pkce_mismatch: { errors: grant, meaning: 'code_verifier does not match the code_challenge' },
  dpop_jkt_mismatch: {
    errors: grant,
    meaning: 'the DPoP proof key differs from the authorization request’s dpop_jkt',
  },
  dpop_required: {
    errors: ['invalid_request', 'invalid_grant'],
    meaning: 'the policy requires a DPoP-bound token and no proof came',
  },
  approval_required: {
    errors: ['interaction_required'],
    meaning:
      'the policy allows the exchange once a person approves it (require_approval): nothing is issued; ' +
      'the client asks at the backchannel authentication endpoint (OpenID CIBA, ADR 0014)',
  },
  // Downstream connectors (connectors/, ADR 0013).
  downstream_refused: {
    errors: target,
    meaning:
      'the downstream service’s authorization server refused the token (its error is in the description and the event’s downstream)',
  },
  downstream_unavailable: {
    errors: busy,
    meaning:
      'the downstream service’s token endpoint could not be reached, timed out, or answered 5xx or 429 (an outage)',
  },
  downstream_invalid_response: {
    errors: busy,
    meaning: 'the downstream service’s token endpoint answered with something that is not a token response',
  },
  downstream_subject_missing: {
    errors: target,
    meaning:
      'the policy allowed a connector-backed exchange without a downstream_subject obligation (no call made)',
  },
  downstream_dpop_unsupported: {
    errors: target,
    meaning: 'the policy requires DPoP for a service whose tokens come from its own authorization server',
  },
  // The backchannel authentication endpoint (OpenID CIBA, endpoints/backchannel-authentication.ts).
  approvals_unavailable: { errors: req, meaning: 'this instance keeps no approvals (no store for them)' },
  login_hint: {
    errors: req,
    meaning: 'the request named the user otherwise than by login_hint_token (the exchange’s subject token)',
  },
  login_hint_token_expired: {
    errors: ['expired_login_hint_token'],
    meaning: 'the login_hint_token (subject token) has expired, or expires before an approval could come',
  },
  login_hint_token_refused: {
    errors: ['unknown_user_id'],
    meaning:
      'the login_hint_token failed the exchange’s subject and actor checks (the description says which)',
  },
  binding_message: {
    errors: ['invalid_binding_message'],
    meaning: 'binding_message is longer than 200 characters or holds control characters',
  },
  requested_expiry: { errors: req, meaning: 'requested_expiry is not a positive whole number of seconds' },
  approval_not_required: {
    errors: req,
    meaning: 'the policy allows the exchange without an approval: the client exchanges at the token endpoint',
  },
  authorization_details: {
    errors: ['invalid_authorization_details'],
    meaning:
      'authorization_details is not one mcp_tool_call detail with a tool name and argument object (RFC 9396)',
  },
  // The CIBA grant (grants/ciba.ts).
  auth_req_id_unknown: {
    errors: grant,
    meaning: 'the auth_req_id is unknown, long expired, or was issued to another client',
  },
  auth_req_id_used: { errors: grant, meaning: 'the auth_req_id has already been redeemed (single use)' },
  approval_pending: {
    errors: ['authorization_pending'],
    meaning: 'no one has approved or denied the request yet (not audited: a poll, not a refusal)',
  },
  approval_slow_down: {
    errors: ['slow_down'],
    meaning: 'polled sooner than the interval allows; the interval is now 5 s longer (not audited)',
  },
  approval_denied: { errors: ['access_denied'], meaning: 'an approver denied the request' },
  approval_expired: {
    errors: ['expired_token'],
    meaning: 'the request expired before it was approved and redeemed',
  },
  // The authorization endpoint (authorize/).
  client_lookup: { errors: req, meaning: 'the client_id could not be resolved (a page, no redirect)' },
  redirect_uri_missing: { errors: req, meaning: 'redirect_uri is missing and the client has several' },
  grant_type: {
    errors: ['unauthorized_client'],
    meaning: 'the client may not use the authorization code grant',
  },
  pkce_missing: { errors: req, meaning: 'code_challenge is missing (PKCE is required)' },
  pkce_method: { errors: req, meaning: 'code_challenge_method is not S256' },
  pkce_malformed: { errors: req, meaning: 'code_challenge is malformed' },
  resource_missing: { errors: target, meaning: 'no resource was requested (RFC 8707): name the MCP server' },
  resource_many: { errors: target, meaning: 'more than one resource was requested' },
  consent_declined: { errors: ['access_denied'], meaning: 'the user declined the consent' },
  policy: { errors: ['access_denied'], meaning: 'the policy denied the authorization request' },
} as const satisfies Record<string, Refusal>;

/** The families: reasons with a part that varies, documented by pattern. */
export const REFUSAL_FAMILIES = {
  '<JWT failure>': {
    errors: ['invalid_grant', 'temporarily_unavailable'],
    meaning: 'a presented token or assertion failed verification: see the JWT failures below',
  },
  'assertion_<JWT failure>': {
    errors: client,
    meaning:
      'the client assertion failed verification (an outage is temporarily_unavailable with the bare reason)',
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
} as const satisfies Record<string, Refusal>;

type Catalogued = keyof typeof REFUSALS;

/** Every reason a refusal may carry: the catalogue's, or one of its families. */
export type RefusalReason =
  | Catalogued
  | JwtFailure
  | `assertion_${JwtFailure}`
  | `cimd_${FetchFailureReason}`
  | `policy:${string}`
  | DpopReason;

type ErrorsOf<R extends Catalogued> = (typeof REFUSALS)[R]['errors'][number];

/**
 * The reasons catalogued for the wire error `E` (every family reason, whose wire error varies,
 * with any of them): `new OAuthError('invalid_grant', …, { reason: 'bad_secret' })` does not compile.
 */
export type RefusalReasonFor<E extends WireError> =
  { [R in Catalogued]: E extends ErrorsOf<R> ? R : never }[Catalogued] | Exclude<RefusalReason, Catalogued>;
