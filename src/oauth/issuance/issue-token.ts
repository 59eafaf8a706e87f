/**
 * The one issuance helper every grant uses once the policy has allowed a token: it hands the
 * allowed token to the mint step (`OAuthContext.mint`, tokens/mint.ts, or the grant's own, as the
 * ID-JAG's, with the context's `decorateMint` around it), then builds from what was minted the
 * issuance record (store/tokens.ts, what introspection and revocation read), the token event of
 * the audit log, and the members every token response shares. Nothing is written here: the token endpoint commits the audit entry
 * before the response leaves (docs/audit.md).
 */
import type { TokenEventKind, AuditEntry, TokenFact } from '../../audit/port.js';
import type { IssuedTokenRecord } from '../../store/tokens.js';
import type { OAuthContext } from '../context.js';
import type { Trace } from '../token-request.js';
import type { AllowedToken, Mint, MintedToken } from '../tokens/mint.js';

export interface Issuance {
  allowed: AllowedToken;
  /** The token event's kind (`refreshed` for the refresh grant) and its action (e.g. `token_exchange`). */
  kind?: Extract<TokenEventKind, 'issued' | 'refreshed'>;
  action: string;
  /** RFC 8693 §2.2.1: the response's `issued_token_type`, for the grants that answer one. */
  issuedTokenType?: string;
  /** The presented token's or assertion's `jti`, for lineage in the audit log. */
  subjectJti?: string;
  /** A mint of the grant's own instead of the context's (an ID-JAG is not an access token). */
  mint?: Mint;
}

export interface Issued {
  minted: MintedToken;
  /** `access_token`, `issued_token_type` (when answered), `token_type`, `expires_in` and the mint's members. */
  body: Record<string, unknown>;
  /** The decision, the issuance record and the token event, committed together. */
  audit: AuditEntry;
}

export async function issueToken(
  ctx: Pick<OAuthContext, 'mint' | 'decorateMint'>,
  trace: Trace,
  issuance: Issuance,
): Promise<Issued> {
  const { allowed, action, subjectJti } = issuance;
  const own = issuance.mint;
  const mint = own === undefined ? ctx.mint : (ctx.decorateMint?.(own) ?? own);
  const m = await mint(allowed);
  const issuedTokenType = m.issuedTokenType ?? issuance.issuedTokenType;
  const bound = m.jkt === undefined ? {} : { cnf_jkt: m.jkt };
  const act = m.act === undefined ? {} : { act: m.act };
  const decisionId = allowed.decision.decision_id;
  const issued: IssuedTokenRecord = {
    jti: m.jti,
    sub: m.sub,
    client_id: allowed.token.clientId,
    aud: [m.aud],
    scope: m.scope,
    iat: m.iat,
    exp: m.exp,
    ...act,
    ...bound,
    grant_type: allowed.grantType,
    decision_id: decisionId,
  };
  const fact: TokenFact = {
    kind: issuance.kind ?? 'issued',
    action,
    client_id: allowed.token.clientId,
    sub: m.sub,
    jti: m.jti,
    aud: m.aud,
    scope: m.scope,
    token_type: m.tokenType,
    ...(issuedTokenType === undefined ? {} : { issued_token_type: issuedTokenType }),
    iat: m.iat,
    exp: m.exp,
    ...act,
    ...bound,
    decision_id: decisionId,
    ...(subjectJti === undefined ? {} : { subject_jti: subjectJti }),
    ...(m.downstream === undefined ? {} : { downstream: m.downstream }),
  };
  return {
    minted: m,
    body: {
      access_token: m.token,
      ...(issuedTokenType === undefined ? {} : { issued_token_type: issuedTokenType }),
      token_type: m.tokenType,
      expires_in: m.exp - m.iat,
      ...m.response,
    },
    audit: { decision: trace.decision, ...(m.recorded ? { issued } : {}), tokens: [fact] },
  };
}
