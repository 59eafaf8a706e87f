/**
 * The ports the protocol core is given: stores, policy, keys, audit sink and clock. The HTTP layer
 * builds one of these at boot; tests build their own.
 */
import type { AuditPort } from '../audit/port.js';
import type { Logger } from '../log.js';
import type { DecisionService } from '../policy/contract.js';
import type { ApprovalRepo } from '../store/approvals.js';
import type { ApprovalNotice } from './approvals/notice.js';
import type { ReplayStore } from '../store/replay-store.js';
import type { Signer } from './tokens/mint-access-token.js';
import type { Mint } from './tokens/mint.js';
import type { ClientAuthDeps } from './clients/client-auth.js';
import type { ClientLookup } from './clients/client.js';
import type { Endpoint, EndpointUrls } from './endpoint-urls.js';
import type { RateLimits } from './rate-limit.js';
import type { TokenRequest } from './token-request.js';
import type { IssuerLookup, TokenVerifier } from './tokens/token-verifier.js';
import type { WorkloadTrust } from './workload/trust.js';

/** Verifies the request's DPoP proof, if any; resolves the proof key's thumbprint. */
export type ProofCheck = (req: TokenRequest) => Promise<string | undefined>;

export interface OAuthContext {
  issuer: string;
  /** The URLs of the endpoints this instance serves (endpoint-urls.ts). */
  endpoints: EndpointUrls;
  clients: ClientLookup;
  tokens: TokenVerifier;
  /** Trusted issuers, for assertions verified outside `tokens` (ID-JAGs, RFC 7523 grants). */
  issuers: IssuerLookup;
  decisions: DecisionService;
  signer: Signer;
  /**
   * The mint step (tokens/mint.ts): produces each access token the policy allowed. Mandate's own
   * (`mandateMint(signer)`) unless the composition root puts another in front of it.
   */
  mint: Mint;
  /**
   * Put around a grant's own mint (the ID-JAG's, issuance/issue-token.ts) as the composition root
   * puts it around `mint`: tracing (ops/trace-ports.ts, the `token.sign` span). Absent, none.
   */
  decorateMint?: (mint: Mint) => Mint;
  audit: AuditPort;
  replay: ReplayStore;
  proof: ProofCheck;
  /** A fresh DPoP nonce (RFC 9449 §8.2), sent on responses to DPoP requests when nonces are required. */
  dpopNonce?: () => string;
  /** Upper bound on every access token's lifetime (seconds). */
  maxTokenTtl: number;
  clockSkew: number;
  now: () => number;
  log: Logger;
  /** Issuers trusted to authenticate workloads, with their claim rules (MCP SEP-1933). */
  workloads?: WorkloadTrust;
  /** Rate limits (rate-limit.ts): the token endpoint counts each authenticated client's requests. */
  rateLimits?: RateLimits;
  /**
   * Exchanges waiting for a person's approval (OpenID CIBA poll mode, ADR 0014); absent, an exchange
   * the policy wants approved is answered `interaction_required` and cannot be asked for.
   */
  approvals?: ApprovalRepo;
  /**
   * Tells approvers of a new pending approval (MANDATE_APPROVAL_WEBHOOK_URL): fire and forget, never
   * awaited by the request and never rejecting. Unset: no one is told but the page.
   */
  announceApproval?: (notice: ApprovalNotice) => unknown;
}

/**
 * What client authentication at `endpoint` needs: the context's lookups and clock, and the
 * audiences a client assertion may name there (RFC 7523 §3: the issuer, the token endpoint, and the
 * endpoint it is presented at).
 */
export function clientAuthAt(
  ctx: Pick<OAuthContext, 'issuer' | 'endpoints' | 'clients' | 'replay' | 'clockSkew' | 'now'>,
  endpoint: Extract<
    Endpoint,
    'token' | 'revoke' | 'introspect' | 'accessEvaluation' | 'accessEvaluations' | 'backchannelAuthentication'
  >,
): ClientAuthDeps {
  const audiences = [ctx.issuer, ctx.endpoints.token];
  if (endpoint !== 'token') audiences.push(ctx.endpoints[endpoint]);
  return {
    clients: ctx.clients,
    replay: ctx.replay,
    assertionAudiences: audiences,
    clockSkew: ctx.clockSkew,
    now: ctx.now,
    ...(endpoint === 'accessEvaluation' || endpoint === 'accessEvaluations' ? { secretByBasic: true } : {}),
  };
}
