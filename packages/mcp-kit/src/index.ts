/**
 * `@mandate/mcp-kit`: what an MCP server (or a downstream API) imports to be protected by Mandate.
 * Framework-free; the Express and fastify adapters are the separate entries `@mandate/mcp-kit/express`
 * and `@mandate/mcp-kit/fastify`. Guide: docs/mcp-server-kit.md in the Mandate repository.
 *
 * Mandate itself imports the parts both sides need (DPoP proof checks, the JWS algorithm table, the
 * OAuth error type) from here; the kit never imports the server.
 *
 * @packageDocumentation
 */

/** RFC 9728 §2, §3.1: the protected-resource metadata document and where it is published. */
export { protectedResourceMetadata, protectedResourceMetadataUrl } from './metadata.js';
export type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './metadata.js';

/**
 * MCP authorization (2025-11-25), RFC 6750 §3, RFC 9449 §7: verifies requests and answers with
 * 401/403 challenges carrying `resource_metadata` and `scope`.
 */
export { createResourceServer } from './resource.js';
export type { ResourceRequest, ResourceServer, ResourceServerOptions, VerifiedAccess } from './resource.js';

/** RFC 9068 §4: JWT access-token validation (signature, `typ`, `iss`, `aud`, lifetime). */
export { createAccessTokenVerifier, TokenVerificationError } from './access-token.js';
export type {
  AccessTokenClaims,
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  TokenFailure,
} from './access-token.js';

/** RFC 7517 §5: a cached JWKS with refetch on an unknown `kid` (key rotation). */
export { createJwksClient, JwksError } from './jwks.js';
export type { JwksClient, JwksClientOptions } from './jwks.js';

/** RFC 6750 §3, RFC 9449 §7.1, RFC 9728 §5.1: `WWW-Authenticate` challenge values. */
export { wwwAuthenticate } from './challenge.js';
export type { ChallengeError, ChallengeOptions } from './challenge.js';

/** RFC 9449 §7: the sender-constraint check for DPoP-bound tokens, and the external request URL. */
export { externalRequestUrl, verifyDpopBoundRequest } from './dpop/bound-request.js';
export type { DpopBinding, DpopBoundRequest } from './dpop/bound-request.js';

/** RFC 9449 §4.3, §8: DPoP proof verification with replay records and stateless server nonces. */
export { createDpopVerifier } from './dpop/proof-verifier.js';
export type { DpopProof, DpopRequest, DpopVerifier, DpopVerifierOptions } from './dpop/proof-verifier.js';
export { createNonceService } from './dpop/nonce.js';
export type { NonceService, NonceServiceOptions } from './dpop/nonce.js';
export { DPOP_REASONS } from './dpop/reasons.js';
export type { DpopReason } from './dpop/reasons.js';

/** RFC 7518 §3: the asymmetric JWS algorithms accepted (never `none`, never a MAC). */
export {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  DEFAULT_DPOP_ALGORITHMS,
  verifyOptions,
} from './jws-algorithms.js';
export type { AlgorithmSpec } from './jws-algorithms.js';

/** RFC 8693 §3 token type URIs and the grant types the kit and Mandate speak. */
export { GrantType, TokenType } from './token-types.js';

/** RFC 9449 §4, §8: client-side DPoP keys and proofs, with the nonce retry. */
export { fetchWithDpop, generateDpopKey } from './dpop/client.js';
export type { DpopKey } from './dpop/client.js';

/** RFC 9449 §11.1: a single-process DPoP replay cache. */
export { createMemoryReplayStore } from './replay.js';
export type { ReplayStore } from './replay.js';

/** RFC 8693 §2: the token-exchange client with per-user caching and single flight. */
export { createExchangeClient } from './exchange.js';
export type {
  DownstreamService,
  DownstreamToken,
  DownstreamTokenOptions,
  ExchangeClient,
  ExchangeClientOptions,
  ToolCallDetail,
} from './exchange.js';

/**
 * An exchange the policy wants a person to approve (OpenID CIBA poll mode, MCP URL-mode
 * elicitation): the approval options of `getDownstreamToken` and how an approval ends without a token.
 */
export { supportsUrlElicitation } from './approval.js';
export type { ApprovalOptions, ApprovalStep, ElicitAction } from './approval.js';
export {
  ApprovalDeniedError,
  ApprovalError,
  ApprovalExpiredError,
  ApprovalPendingError,
  URL_ELICITATION_REQUIRED,
} from './approval-errors.js';
export type { ApprovalErrorInit, UrlElicitation } from './approval-errors.js';

/** RFC 6749 §5.2, RFC 8693 §2.2.2: typed exchange refusals a tool can explain. */
export { ExchangeDeniedError, ExchangeError, ExchangeUnavailableError } from './exchange-errors.js';

/**
 * OpenID AuthZEN Authorization API 1.0 §6: tool calls decided by Mandate's policy, with a
 * fail-closed timeout and a short-lived cache; refusals as 403 step-up or MCP tool errors.
 */
export { createToolPolicy, canonicalJson } from './policy/tool-policy.js';
export type { ToolAttributes, ToolPolicy, ToolPolicyOptions } from './policy/tool-policy.js';
export { evaluationRequest, readDecision, AuthzenResponseError } from './policy/authzen.js';
export type { AccessEvaluationRequest, ToolApproval, ToolCall, ToolDecision } from './policy/authzen.js';
export type { ToolApprovalOptions } from './policy/tool-approval.js';
export { enforceToolPolicy, refusedToolResult, toolCallsOf } from './policy/enforce.js';

/** RFC 6749 §3.3 scopes. */
export { parseScopes } from './scopes.js';

/** RFC 6749 §5.2: the error type every refusal is (status, headers, `error`, `error_description`). */
export { OAuthError, toOAuthError, wireDescription } from './errors.js';
export type { OAuthErrorBody, OAuthErrorCode } from './errors.js';
