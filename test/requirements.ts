/**
 * Spec traceability: the protocol requirements Mandate implements, each with its source and the
 * tests that would fail if it broke. test/requirements.test.ts checks that every requirement names
 * at least one test and that every named test exists (the file holds that test title or table row).
 */
export interface Requirement {
  id: string;
  source: string;
  behaviour: string;
  /** `file` relative to the repository root, `test` a test title or table-row name in it. */
  tests: { file: string; test: string }[];
}

const RFC = (n: number, section: string) => `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}`;
const t = (file: string, test: string) => ({ file: `test/${file}`, test });
/** A test of the MCP server kit (packages/mcp-kit/test). */
const kit = (file: string, test: string) => ({ file: `packages/mcp-kit/test/${file}`, test });

export const requirements: Requirement[] = [
  {
    id: 'TE-SUBJECT-SIGNATURE',
    source: RFC(8693, '2.2.2'),
    behaviour:
      'a subject token with a bad signature, alg none or HMAC keyed with a public key is invalid_grant',
    tests: [
      t(
        'oauth/grants/token-exchange.abuse.tokens.test.ts',
        'bad signature: another key under the issuer kid',
      ),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'alg none'),
      t(
        'oauth/grants/token-exchange.abuse.tokens.test.ts',
        "HS256 MACed with Mandate's own JWKS public key, iss = Mandate, typ at+jwt",
      ),
      t('oauth/tokens/verify-jwt.test.ts', 'HS256 keyed with the public key'),
    ],
  },
  {
    id: 'TE-SUBJECT-LIFETIME',
    source: RFC(7519, '4.1.4'),
    behaviour: 'expired, not-yet-valid and future-dated subject tokens are refused beyond the clock skew',
    tests: [
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'expired subject token'),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'not-yet-valid subject token (nbf beyond skew)'),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'future-dated subject token (iat beyond skew)'),
    ],
  },
  {
    id: 'TE-SUBJECT-ISSUED-TO-CALLER',
    source: 'shared/standards.md#token-exchange-rfc-8693',
    behaviour: 'a subject token issued to another client (audience) is refused',
    tests: [
      t(
        'oauth/grants/token-exchange.abuse.tokens.test.ts',
        'subject token issued to another client (aud of the Workday MCP server)',
      ),
    ],
  },
  {
    id: 'TE-TOKEN-TYPES',
    source: RFC(8693, '2.1'),
    behaviour: 'subject_token_type is required; actor_token_type is required iff actor_token is present',
    tests: [
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'missing subject_token_type'),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'actor_token without actor_token_type'),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'actor_token_type without actor_token'),
    ],
  },
  {
    id: 'TE-TARGET',
    source: RFC(8693, '2.2.2'),
    behaviour: 'an unknown or ambiguous target is invalid_target',
    tests: [
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'unknown resource'),
      t(
        'oauth/grants/token-exchange.abuse.tokens.test.ts',
        'resource and audience naming different services',
      ),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'two resources'),
    ],
  },
  {
    id: 'TE-INVARIANTS',
    source: 'shared/design.md#the-decision-contract',
    behaviour: 'scopes never grow, the audience never widens, the lifetime never exceeds the subject token',
    tests: [
      t('oauth/grants/token-exchange.properties.test.ts', 'scopes never grow, audience never widens'),
      t('policy/invariants.test.ts', 'property: granted ⊆ requested ∩ subject scopes'),
    ],
  },
  {
    id: 'TE-DELEGATION',
    source: RFC(8693, '4.1'),
    behaviour: 'the issued token records the actor in act, earlier actors nested; may_act is honoured',
    tests: [
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'may_act naming someone else'),
      t('oauth/grants/token-exchange.abuse.tokens.test.ts', 'delegation chain too deep'),
      t(
        'oauth/grants/token-exchange.smoke.test.ts',
        "exchanges alice's token for a narrowed Salesforce token",
      ),
    ],
  },
  {
    id: 'TE-SCOPE-CEILING',
    source: 'shared/standards.md#claims-from-other-issuers',
    behaviour:
      "the subject token's scopes are a scope string, an scp string or array, or the issuer's scopes_claim; any other shape is invalid_grant; no scope claim is an empty ceiling unless the issuer sets scopes_when_absent: policy",
    tests: [
      t(
        'oauth/grants/token-exchange.claims.test.ts',
        "Entra ID's scp: 'crm.read' (a space-separated string) caps the scopes",
      ),
      t('oauth/grants/token-exchange.claims.test.ts', "Okta's scp: ['crm.read'] (an array) caps the scopes"),
      t('oauth/grants/token-exchange.claims.test.ts', 'refused shape: %s'),
      t('oauth/grants/token-exchange.claims.test.ts', 'scope as an array'),
      t('oauth/grants/token-exchange.claims.test.ts', 'no scope claim at all: an empty ceiling'),
      t(
        'oauth/grants/token-exchange.claims.test.ts',
        'an issuer configured with scopes_when_absent: policy leaves a claimless token to the policy',
      ),
      t('oauth/tokens/claims.test.ts', 'several scope claims hold only what they all hold'),
      t(
        'oauth/grants/token-exchange.claims.properties.test.ts',
        'no 200 carries a scope outside requested ∩ ceiling, or an act that may_act did not allow',
      ),
    ],
  },
  {
    id: 'TE-MAY-ACT-EVERY-MEMBER',
    source: RFC(8693, '4.4'),
    behaviour:
      'every member may_act names (sub, client_id, iss) must match the actor; an unknown or no member allows no actor',
    tests: [
      t(
        'oauth/grants/token-exchange.claims.test.ts',
        'sub names agent-x, client_id the caller: an actor token for agent-y from the caller is refused',
      ),
      t(
        'oauth/grants/token-exchange.claims.test.ts',
        'client_id naming another client refuses even the sub it names',
      ),
      t(
        'oauth/grants/token-exchange.claims.test.ts',
        'a member Mandate cannot check (email), or no member at all',
      ),
      t(
        'oauth/grants/token-exchange.claims.properties.test.ts',
        'no 200 carries a scope outside requested ∩ ceiling, or an act that may_act did not allow',
      ),
    ],
  },
  {
    id: 'CLAIMS-TYPED',
    source: 'shared/standards.md#claims-from-other-issuers',
    behaviour:
      'every claim of a subject or actor token (sub, iss, aud, jti, exp/iat/nbf, auth_time, client_id, azp, acr, act, may_act, cnf, groups) is clean bounded text or a finite time within ten years, else invalid_grant',
    tests: [
      t('oauth/grants/token-exchange.claims.test.ts', 'sub with U+0000'),
      t('oauth/grants/token-exchange.claims.test.ts', 'exp twenty years ahead'),
      t('oauth/grants/token-exchange.claims.test.ts', 'an actor token in a shape nobody checked is refused'),
      t('oauth/tokens/claims.test.ts', 'times: finite, non-negative, held by a timestamp column'),
    ],
  },
  {
    id: 'AT-JWT',
    source: RFC(9068, '2.1'),
    behaviour:
      'access tokens are ES256 JWTs with typ at+jwt, verifiable against the JWKS by a client no part of Mandate wrote',
    tests: [
      t(
        'e2e/exchange.e2e.test.ts',
        'discovers the server, exchanges a token with genericGrantRequest and verifies it with jose',
      ),
    ],
  },
  {
    id: 'CLIENT-AUTH',
    source: RFC(6749, '5.2'),
    behaviour: 'failed client authentication is invalid_client (401), with WWW-Authenticate: Basic for Basic',
    tests: [
      t('oauth/grants/token-exchange.abuse.client-auth.test.ts', 'wrong client secret (client_secret_basic)'),
      t(
        'oauth/grants/token-exchange.abuse.client-auth.test.ts',
        'two authentication methods at once (Basic and client_secret)',
      ),
    ],
  },
  {
    id: 'CLIENT-ASSERTION-REPLAY',
    source: RFC(7523, '3'),
    behaviour:
      'a private_key_jwt assertion jti is single-use; wrong aud, expired or foreign-key assertions fail',
    tests: [
      t('oauth/grants/token-exchange.abuse.client-auth.test.ts', 'private_key_jwt: replayed jti'),
      t('oauth/grants/token-exchange.abuse.client-auth.test.ts', 'private_key_jwt: wrong aud'),
      t(
        'oauth/grants/token-exchange.abuse.client-auth.test.ts',
        'private_key_jwt: assertion signed by another key',
      ),
    ],
  },
  {
    id: 'OAUTH-ERRORS',
    source: RFC(6749, '5.2'),
    behaviour:
      'malformed requests are invalid_request JSON (never a 500): repeated parameters, oversize and non-form bodies',
    tests: [
      t('oauth/grants/token-exchange.abuse.request.test.ts', 'repeated grant_type'),
      t('oauth/grants/token-exchange.abuse.request.test.ts', 'oversize body (> 64 KiB)'),
      t('oauth/grants/token-exchange.abuse.request.test.ts', 'garbage form body'),
    ],
  },
  {
    id: 'PKCE',
    source: RFC(7636, '4.6'),
    behaviour: 'PKCE S256 is required and the verifier must match',
    tests: [t('oauth/grants/authorization-code.refusals.test.ts', 'wrong PKCE verifier')],
  },
  {
    id: 'REDIRECT-EXACT',
    source: RFC(9700, '2.1'),
    behaviour:
      'redirect URIs match exactly (any port on loopback); an unregistered one is never redirected to; the token request repeats it',
    tests: [
      t(
        'oauth/grants/authorization-code.refusals.test.ts',
        'redirect_uri left out although the authorization request sent it',
      ),
      t(
        'oauth/authorize/authorization-endpoint.refusals.test.ts',
        'authorize: a redirect_uri that is not registered is shown as a page, never redirected',
      ),
      t(
        'oauth/authorize/authorization-endpoint.refusals.test.ts',
        'authorize: loopback redirect URIs match on any port (RFC 8252 §7.3)',
      ),
    ],
  },
  {
    id: 'REDIRECT-REGISTRABLE',
    source: RFC(8252, '7.3'),
    behaviour:
      "a registered redirect URI names a host, has no userinfo or fragment, and is written as the URL it resolves to; at /authorize only a loopback URI's port may differ",
    tests: [
      t('oauth/clients/register-client.refusals.test.ts', 'a redirect URI without a host (issue 10 §7)'),
      t('oauth/clients/register-client.refusals.test.ts', 'a loopback redirect URI with userinfo'),
      t('oauth/clients/redirect-uri-rules.test.ts', 'no host'),
      t('oauth/authorize/redirect-match.test.ts', 'http://evil.example@127.0.0.1:4000/callback'),
      t('config/load-file.test.ts', 'a configured redirect URI without a host (issue 10 §7)'),
    ],
  },
  {
    id: 'METADATA-VALID-FOR-ITS-NAME',
    source: 'https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata',
    behaviour:
      'RFC 8414 metadata only: no OpenID Connect Discovery document, which would claim ID tokens Mandate never issues; the MCP SDK client discovers the RFC 8414 one',
    tests: [
      t(
        'http/routes/discovery.test.ts',
        'serves no OpenID Connect Discovery document, which would claim ID tokens it never issues (ADR 0005)',
      ),
      t(
        'http/routes/discovery.test.ts',
        "the MCP SDK client discovers the RFC 8414 document and validates it with the SDK's schema",
      ),
    ],
  },
  {
    id: 'CODE-REPLAY',
    source: RFC(6749, '10.5'),
    behaviour: 'an authorization code is single-use and a replay revokes what it issued',
    tests: [
      t(
        'oauth/grants/authorization-code.refusals.test.ts',
        'a replayed code is refused and revokes everything the first redemption issued',
      ),
      t(
        'store/tokens.test.ts',
        'reports a token revoked when its grant was revoked before its issuance record was written',
      ),
    ],
  },
  {
    id: 'RESOURCE-BINDING',
    source: RFC(8707, '2.2'),
    behaviour: 'the resource is fixed at authorization; a refresh never widens the audience',
    tests: [
      t('oauth/grants/authorization-code.refusals.test.ts', 'resource changed at token time'),
      t('oauth/grants/refresh-token.refusals.test.ts', 'another resource is invalid_target'),
    ],
  },
  {
    id: 'REFRESH-ROTATION',
    source: RFC(9700, '4.14.2'),
    behaviour:
      'refresh tokens rotate; concurrent refreshes within the grace window share a successor; later reuse revokes the family',
    tests: [
      t(
        'oauth/grants/refresh-token.refusals.test.ts',
        'two simultaneous refreshes get the same successor; reuse after the grace window revokes the family',
      ),
    ],
  },
  {
    id: 'REVOCATION',
    source: RFC(7009, '2.2'),
    behaviour:
      'revocation answers 200 for unknown tokens; a revoked token is inactive and cannot be exchanged',
    tests: [
      t(
        'oauth/endpoints/revocation.test.ts',
        'answers 200 for unknown tokens and revokes access tokens by jti',
      ),
      t(
        'oauth/endpoints/introspection.test.ts',
        'refuses a revoked Mandate token as a subject token (invalid_grant)',
      ),
    ],
  },
  {
    id: 'INTROSPECTION',
    source: RFC(7662, '2.2'),
    behaviour: 'introspection shows act to the token audience and answers only active:false to others',
    tests: [
      t('oauth/endpoints/introspection.test.ts', 'shows an active exchanged token to its audience, with act'),
      t(
        'oauth/endpoints/introspection.test.ts',
        'answers active:false, and nothing else, to a client the token does not concern',
      ),
    ],
  },
  {
    id: 'CIMD-SSRF',
    source: 'https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/',
    behaviour: 'client metadata documents are fetched SSRF-safely; their client_id must equal their URL',
    tests: [
      t(
        'oauth/clients/cimd/cimd-resolver.test.ts',
        'refuses a document host that resolves to a private address when it is not allow-listed',
      ),
    ],
  },
  {
    id: 'MCP-SDK-ERRORS',
    source: 'https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization',
    behaviour:
      'the MCP SDK client completes the flow and reacts as designed to invalid_grant and invalid_client',
    tests: [
      t('e2e/mcp-sdk.e2e.test.ts', 'DCR: discovery → registration → authorization → token → refresh'),
      t(
        'e2e/mcp-sdk-errors.e2e.test.ts',
        'invalid_grant on refresh: the SDK drops its tokens only and starts a new authorization',
      ),
    ],
  },
  {
    id: 'MCP-SDK-V2-DPOP',
    source: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization',
    behaviour:
      'the MCP SDK v2 client, unmodified, logs in, gets a DPoP-bound token through its own DPoP support, calls tools with proofs and steps up on one 403 naming every needed scope',
    tests: [
      t(
        'e2e/mcp-sdk-v2.e2e.test.ts',
        'login with a DPoP-bound token, tool calls with proofs, step-up, and no Bearer downgrade',
      ),
    ],
  },
  {
    id: 'MCP-SDK-V2-CROSS-APP-ACCESS',
    source:
      'https://github.com/modelcontextprotocol/ext-auth/blob/main/specification/stable/enterprise-managed-authorization.mdx',
    behaviour:
      "the MCP SDK v2 client's Cross-App Access flow gets an ID-JAG from Mandate as IdP and redeems it at Mandate as the MCP server's authorization server",
    tests: [
      t(
        'e2e/cross-app-access.e2e.test.ts',
        'ID-JAG from A, access token from B, tool call; the ID-JAG is single-use',
      ),
    ],
  },
  {
    id: 'MCP-TRANSPORT-HEADERS',
    source: 'https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http',
    behaviour:
      'Mcp-Method and Mcp-Name on a POST must match the body: a mismatch or a missing header is 400 -32020 before any tool runs',
    tests: [
      t('examples/mcp/common.test.ts', 'Mcp-Name names another tool'),
      t('examples/mcp/common.test.ts', 'Mcp-Name is missing'),
    ],
  },
  {
    id: 'AUTHZEN-WIRE',
    source: 'https://openid.net/specs/authorization-api-1_0.html#section-6',
    behaviour:
      "the access evaluation and evaluations endpoints answer the specification's own examples with exactly its request and response shapes",
    tests: [
      t(
        'oauth/authzen/spec-examples.test.ts',
        '"Example of an HTTPS Access Evaluation Request": a Decision (§5.5) with a per-evaluation error',
      ),
      t(
        'oauth/authzen/spec-examples.test.ts',
        '"Example of an HTTPS Access Evaluations Request": one Decision per evaluation, in order (§7.2)',
      ),
    ],
  },
  {
    id: 'MCP-TOOL-CALL-POLICY',
    source: 'https://openid.net/specs/authorization-api-1_0.html#section-6',
    behaviour:
      "an MCP server's tool calls are decided by Mandate's policy with their arguments (no local table), audited with the tool, masked arguments and the access token's jti, and a new Rego changes the answer with no change to the server",
    tests: [
      t(
        'oauth/authzen/kit-policy.test.ts',
        'refuses by policy a call outside it, audited with the tool, arguments, attributes and jti',
      ),
      t(
        'oauth/authzen/kit-policy.test.ts',
        'masks in the decision event the arguments the policy marks sensitive',
      ),
      t(
        'oauth/authzen/kit-policy.test.ts',
        'a new Rego changes the answer, with no change to the MCP server',
      ),
      t(
        'examples/second-hop.test.ts',
        'updating an opportunity is decided by policy on what the CRM says of it: owner and amount',
      ),
      kit('policy/enforce.test.ts', 'stops a server that still passes it at start-up, in both adapters'),
    ],
  },
  {
    id: 'MCP-KIT-PACKAGE',
    source: 'https://docs.npmjs.com/cli/v10/configuring-npm/package-json#files',
    behaviour:
      'the packed kit holds only its own built files with jose its one dependency; installed from the tarball outside the repository, a consumer type-checks and a protected server runs',
    tests: [
      kit('package.test.ts', 'holds only its own built files, and jose is its only dependency'),
      kit('package.test.ts', 'type-checks a consumer file against the installed declarations'),
      kit(
        'package.test.ts',
        'challenges a request without a token, admits a valid one, and steps up a tool the policy says needs more',
      ),
    ],
  },
  {
    id: 'DPOP-PROOF',
    source: RFC(9449, '4.3'),
    behaviour: 'DPoP proofs are checked point by point and are single-use across instances',
    tests: [
      kit('dpop/proof-verifier.test.ts', 'refuses a replayed proof on the same verifier'),
      t('e2e/dpop-exchange.test.ts', 'refuses a replayed proof at the token endpoint'),
      t(
        'store/replay-store.test.ts',
        'writes concurrent uses of different keys together and still refuses each replay',
      ),
    ],
  },
  {
    id: 'DPOP-BINDING',
    source: RFC(9449, '7.1'),
    behaviour: 'a DPoP-bound token works only with a proof of its key; presented as Bearer it is refused',
    tests: [
      t(
        'e2e/dpop-exchange.test.ts',
        'binds the Workday token to the proof key, and the API accepts only the key holder',
      ),
    ],
  },
  {
    id: 'DPOP-NONCE',
    source: RFC(9449, '8'),
    behaviour: 'when nonces are required, use_dpop_nonce carries a DPoP-Nonce and the retry succeeds',
    tests: [
      t(
        'e2e/dpop-exchange.test.ts',
        'answers use_dpop_nonce with a nonce, accepts the retry, and hands out the next nonce',
      ),
    ],
  },
  {
    id: 'ID-JAG',
    source: 'https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/',
    behaviour: 'ID-JAGs are checked for typ, aud, client_id, signature, expiry and jti replay',
    tests: [
      t('oauth/grants/jwt-bearer.refusals.test.ts', 'aud an array with two values'),
      t('oauth/grants/jwt-bearer.refusals.test.ts', 'replayed jti'),
      t('oauth/grants/jwt-bearer.refusals.test.ts', 'cnf.jkt without a DPoP proof'),
    ],
  },
  {
    id: 'WIF-JWT-BEARER',
    source: 'https://github.com/modelcontextprotocol/modelcontextprotocol/pull/1933',
    behaviour:
      'a trusted workload issuer’s platform JWT obtains a token with no client secret; an untrusted issuer, a wrong audience, an unnamed workload and a replay are invalid_grant',
    tests: [
      t(
        'oauth/workload/redeem-workload.test.ts',
        'issues a token for the resource with no client secret: sub the workload, client_id its rule’s client',
      ),
      t(
        'oauth/workload/redeem-workload.test.ts',
        'refuses a token from an issuer that is not trusted for workloads',
      ),
      t('oauth/workload/redeem-workload.test.ts', 'refuses a token addressed to another audience'),
      t(
        'oauth/workload/redeem-workload.test.ts',
        'refuses a workload of the trusted issuer that no rule names',
      ),
    ],
  },
  {
    id: 'POLICY-SIGNED-BUNDLE',
    source: 'https://www.openpolicyagent.org/docs/management-bundles#signing',
    behaviour:
      'with a verification key, unsigned and tampered bundles are refused and the last good bundle stays',
    tests: [
      t('policy/signature.test.ts', 'refuses a tampered data.json'),
      t('policy/signature.test.ts', 'refuses an unsigned bundle when a key is configured'),
      t(
        'e2e/hot-reload.e2e.test.ts',
        'decides with the new bundle after a swap, and keeps the last good one when a corrupt file arrives',
      ),
    ],
  },
  {
    id: 'POLICY-BUNDLE-SERVER',
    source: 'https://www.openpolicyagent.org/docs/management-bundles#bundle-service-api',
    behaviour:
      'a bundle server is polled with If-None-Match (304 = unchanged), optionally long-polled and with a bearer token; a tampered, unsigned or failed download leaves the last good bundle in force',
    tests: [
      t(
        'policy/remote.test.ts',
        'loads the bundle at start, then polls with If-None-Match, the bearer token and Prefer: wait, getting 304',
      ),
      t('policy/remote.test.ts', 'refuses a tampered download and keeps the last good bundle'),
      t('policy/remote.test.ts', 'refuses an unsigned download'),
      t(
        'policy/remote.test.ts',
        'keeps the last good bundle while the server is down, and loads again when it is back',
      ),
      t(
        'policy/remote.test.ts',
        'long-polls a server that holds the request until the bundle changes, and asks again at once',
      ),
    ],
  },
  {
    id: 'POLICY-REPLAY',
    source: 'https://www.openpolicyagent.org/docs/management-decision-logs',
    behaviour:
      'recorded decisions replay identically against the bundle that made them, and a candidate bundle lists exactly the decisions it changes',
    tests: [
      t(
        'policy/cli/replay.test.ts',
        'lists exactly the decisions the edited policy changes, from the Postgres outbox',
      ),
      t(
        'policy/cli/replay.test.ts',
        'replays the recorded decisions identically against the bundle that made them',
      ),
    ],
  },
  {
    id: 'KEY-ROTATION',
    source: RFC(7517, '5'),
    behaviour: 'the next key is published before it signs; retired keys stay until their tokens expire',
    tests: [
      t(
        'keys/rotate.test.ts',
        'signs only with keys published before, keeps retired keys until expiry, then removes them',
      ),
    ],
  },
  {
    id: 'AUDIT-NO-LOSS',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour: 'every decision and token event reaches JetStream exactly once, NATS outages included',
    tests: [
      t(
        'e2e/nats-outage.test.ts',
        'serves exchanges, holds their events, and delivers each exactly once when NATS returns',
      ),
      t('e2e/two-instances.test.ts', 'publishes every event exactly once, in one verifiable chain'),
      t(
        'audit/relay.test.ts',
        'relay killed between the acks and moving its mark: it reads the stream and appends nothing twice',
      ),
      t(
        'audit/relay.cluster.test.ts',
        'leaves the frozen server within seconds and keeps publishing through the others',
      ),
    ],
  },
  {
    id: 'AUDIT-ONE-TIMELINE',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour:
      'the relay appends only what continues the stream; a database chain that forks from it stops the relay with an alarm, and verify names the fork',
    tests: [
      t(
        'audit/relay.forks.test.ts',
        'a fork (the database lost published events, then wrote new ones): detected, alarmed, nothing forked published',
      ),
      t(
        'audit/relay.forks.test.ts',
        'a fork while idle (the database is behind the stream): found by the periodic check, before any new event',
      ),
      t('audit/cli.test.ts', 'verify --stream names a fork: the stream holds events the database does not'),
    ],
  },
  {
    id: 'AUDIT-STREAM-APPEND-ONLY',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour: 'the audit stream exists from start-up and refuses message deletion and purges',
    tests: [
      t(
        'audit/relay.test.ts',
        'creates the stream at start-up, before any event, denying deletes and purges',
      ),
    ],
  },
  {
    id: 'AUDIT-REFUSAL-RECORDED',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour:
      'no refusal is answered without its event: while the audit store is down, 503 temporarily_unavailable',
    tests: [
      t(
        'oauth/audit-record.test.ts',
        'answers 503 temporarily_unavailable instead of a refusal it cannot record, and refuses again once it can',
      ),
      t(
        'oauth/audit-record.test.ts',
        'redirects with temporarily_unavailable (RFC 6749 §4.1.2.1) instead of an unrecorded access_denied',
      ),
    ],
  },
  {
    id: 'DB-ASYNC-REPLICATION-WARNED',
    source: 'https://www.postgresql.org/docs/15/warm-standby.html#SYNCHRONOUS-REPLICATION',
    behaviour:
      "start-up warns, with an exact message, while a standby is attached but Mandate's commits do not wait for one; silent when they do or when the operator accepts it",
    tests: [
      t(
        'store/pg-replication.test.ts',
        'warns while a standby streams asynchronously, unless accepted, and not once commits wait for it',
      ),
      t('store/pg-replication.test.ts', 'is silent on a server without standbys'),
    ],
  },
  {
    id: 'DB-SYNC-COMMIT-CONFIRMED',
    source: 'https://www.postgresql.org/docs/15/warm-standby.html#SYNCHRONOUS-REPLICATION',
    behaviour:
      'a commit no synchronous standby confirmed (the wait timed out or was cancelled, which PostgreSQL reports as success with a warning) fails the request with 503',
    tests: [
      t(
        'store/pg-replication.test.ts',
        'a synchronous standby that is gone: commits wait, and Mandate answers unavailable at the deadline, also when the server stops waiting',
      ),
    ],
  },
  {
    id: 'DB-STEPS-BOUNDED',
    source: 'shared/standards.md#oauth-21-core-and-metadata',
    behaviour:
      'a database that stops answering or stops accepting writes gives 503 temporarily_unavailable with Retry-After within seconds, /readyz 503, and service again without a restart',
    tests: [
      t(
        'store/pg-frozen.test.ts',
        'gives 503 with Retry-After within seconds, /readyz 503 fast, and service again after SIGCONT',
      ),
      t(
        'store/pg-readonly.test.ts',
        'answers 503, reports not ready while writes fail, and resumes by itself',
      ),
    ],
  },
  {
    id: 'DB-TARGET-SESSION-ATTRS',
    source: 'https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-MULTIPLE-HOSTS',
    behaviour:
      'several hosts with target_session_attrs: connections land on the writable server, also after a failover; start-up against a standby says so',
    tests: [
      t('store/pg-standby.test.ts', 'refuses to start against a standby, saying that it is one'),
      t('store/pg-standby.test.ts', 'honours target_session_attrs=read-write on a single host'),
      t('store/pg-standby.test.ts', 'picks the writable server of a host list, whatever its place'),
      t(
        'store/pg-standby.test.ts',
        'waits at start-up for a standby to be promoted, and a host list follows the failover',
      ),
    ],
  },
  {
    id: 'DB-FAILOVER-SERVES',
    source: 'https://www.postgresql.org/docs/15/warm-standby-failover.html',
    behaviour:
      'a primary failover under load (switch resetting, hanging, or reaching the standby before promotion): only 200 or 503 with Retry-After, nothing stalled, exchanges back within seconds of the switch without a restart, /readyz 503 exactly while no server takes writes',
    tests: [
      t(
        'store/ha-switch.test.ts',
        'reset switch (VIP, proxy), synchronous replication: nothing lost, nothing stalled, exchanges back within seconds',
      ),
      t(
        'store/ha-switch.test.ts',
        'hanging switch (DNS, partition): the dead host never answers, exchanges back within seconds',
      ),
      t(
        'store/ha-switch.test.ts',
        'switch before promotion: the standby is read-only, /readyz 503 until it is promoted',
      ),
      t(
        'store/ha-hosts.test.ts',
        'several hosts with target_session_attrs=read-write, no switch: connections find the promoted server',
      ),
    ],
  },
  {
    id: 'DB-FAILOVER-SYNC-NO-LOSS',
    source: 'https://www.postgresql.org/docs/15/warm-standby.html#SYNCHRONOUS-REPLICATION',
    behaviour:
      'with synchronous replication, every token a client got before a failover has its issuance record and its event on the promoted server, and the stream holds them as one timeline',
    tests: [
      t(
        'store/ha-switch.test.ts',
        'reset switch (VIP, proxy), synchronous replication: nothing lost, nothing stalled, exchanges back within seconds',
      ),
    ],
  },
  {
    id: 'DB-FAILOVER-ASYNC-FORK',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour:
      'a failover to a lagging asynchronous standby: the fork of the audit chain is detected, nothing of the new timeline is published on the old one, and audit verify --stream names the fork point',
    tests: [
      t(
        'store/ha-async.test.ts',
        'asynchronous with a lagging standby: the fork is detected, nothing forked is published, verify --stream names it',
      ),
    ],
  },
  {
    id: 'AUDIT-ATOMIC',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour: 'a token and its events are written in one transaction: neither exists without the other',
    tests: [
      t(
        'audit/outbox.test.ts',
        'a failed transaction writes neither token nor event, and does not fail its neighbours',
      ),
    ],
  },
  {
    id: 'BATCH-ISOLATION',
    source: 'shared/design.md#what-round-two-adds-see-the-open-issues',
    behaviour:
      "a request whose replay record no column can hold never fails another request's record in the same batch",
    tests: [
      t(
        'e2e/batch-poison.e2e.test.ts',
        'every honest DPoP exchange succeeds while poisoned client assertions share its batches',
      ),
    ],
  },
  {
    id: 'AUDIT-MASKING',
    source: 'shared/design.md#audit-and-decision-stream',
    behaviour: 'no raw token, secret or key enters an event',
    tests: [t('audit/outbox.test.ts', 'masks credentials but keeps jti and key thumbprints')],
  },
  {
    id: 'RATE-LIMIT-429',
    source: RFC(6585, '4'),
    behaviour:
      'past a rate limit the token endpoint, registration, the authorization endpoint and the development IdP login answer 429 with Retry-After and OAuth JSON (temporarily_unavailable), one budget shared by every instance',
    tests: [
      t(
        'http/rate-limit-token.test.ts',
        'lets the budget through once across both and answers the rest 429 with Retry-After',
      ),
      t(
        'http/rate-limit.test.ts',
        'dynamic registration: the budget, then 429; a forged X-Forwarded-For gets no fresh one',
      ),
      t('http/rate-limit.test.ts', 'limits each client named by X-Forwarded-For on its own budget'),
      t(
        'http/rate-limit-workers.test.ts',
        'shares one budget between the workers and sums their refusals in /metrics',
      ),
    ],
  },
  {
    id: 'RATE-LIMIT-FAIL-OPEN',
    source: 'shared/design.md#what-round-two-adds-see-the-open-issues',
    behaviour:
      'a rate-limit counter that fails or is slow never turns a request into an error (fail open, logged)',
    tests: [
      t(
        'http/rate-limit-token.test.ts',
        'fails open when the counter cannot count: requests are answered, one warning is logged',
      ),
      t(
        'http/rate-limit-token.test.ts',
        'fails open when the counter is slow: a held row lock delays the request by the 1 s deadline, no more',
      ),
    ],
  },
  {
    id: 'CONNECTOR-SALESFORCE-JWT-BEARER',
    source: 'https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_jwt_flow.htm',
    behaviour:
      'a connector-backed exchange answers with the token Salesforce issued for the mapped user: assertion header alg RS256, claims iss consumer key, sub username, aud login host, exp within 3 minutes; instance_url and id passed through',
    tests: [
      t(
        'e2e/connectors-salesforce.e2e.test.ts',
        'answers the unchanged exchange with Salesforce’s token for the mapped user, instance_url and id passed through',
      ),
    ],
  },
  {
    id: 'CONNECTOR-RFC7523',
    source: RFC(7523, '2.1'),
    behaviour:
      'the jwt-bearer connector obtains a token from an independent RFC 7523 server (Ory Hydra) for exactly the mapped user and scopes, authenticated by private_key_jwt (§2.2)',
    tests: [
      t(
        'e2e/connectors-jwt-bearer.e2e.test.ts',
        'answers the unchanged exchange with Hydra’s token for exactly that user and scope',
      ),
      t(
        'e2e/connectors-id-jag.e2e.test.ts',
        'answers the unchanged exchange at A with B’s token for the mapped user, redeemed from A’s ID-JAG',
      ),
    ],
  },
  {
    id: 'CONNECTOR-NO-MAPPING-NO-CALL',
    source: 'shared/design.md#what-round-two-adds-see-the-open-issues',
    behaviour: 'a user the policy does not map is refused invalid_target and no downstream call is made',
    tests: [
      t(
        'e2e/connectors-salesforce.e2e.test.ts',
        'refuses a user the policy does not map, with no downstream call',
      ),
      t(
        'e2e/connectors-jwt-bearer.e2e.test.ts',
        'refuses a user the policy does not map, with no call to Hydra',
      ),
    ],
  },
  {
    id: 'CONNECTOR-CACHE-FAILURES',
    source: 'shared/design.md#what-round-two-adds-see-the-open-issues',
    behaviour:
      'downstream tokens are reused until shortly before expiry with single flight; a downstream refusal names its error; an outage or timeout is 503 temporarily_unavailable with Retry-After; no assertion or downstream token is logged or audited',
    tests: [
      t(
        'e2e/connectors-salesforce.e2e.test.ts',
        'reuses the cached token for the same user and scopes, and refreshes it near expiry',
      ),
      t('e2e/connectors-salesforce.e2e.test.ts', 'names Salesforce’s own error when it refuses the user'),
      t(
        'e2e/connectors-salesforce.e2e.test.ts',
        'answers a downstream outage and a hung endpoint with 503 temporarily_unavailable and Retry-After',
      ),
      t(
        'e2e/connectors-salesforce.e2e.test.ts',
        'writes no assertion, downstream token or private key into the pino logs or the audit events',
      ),
    ],
  },
];
