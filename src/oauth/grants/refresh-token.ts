/**
 * The refresh token grant (RFC 6749 §6, OAuth 2.1 §4.3) with rotation (RFC 9700 §4.14.2):
 * every refresh replaces the token by compare-and-swap. Within a short grace window the replaced
 * token yields the same successor (a concurrent or retried refresh must not log the user out);
 * after it, reuse means the token leaked, and the whole family is revoked. The audience is the
 * grant's resource and can never change (RFC 8707 §2.2); scopes can only narrow (RFC 6749 §6);
 * policy decides again (`refresh`) on the user's current attributes.
 */
import type { TokenFact } from '../../audit/port.js';
import type { GrantRecord, RefreshTokenRecord } from '../../store/grants.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import type { FirstHop } from '../first-hop.js';
import { OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { issueToken } from '../issuance/issue-token.js';
import { firstHopInput, firstHopToken, requireServedResource } from '../issuance/first-hop-token.js';
import { newOpaqueValue, opaqueHash } from '../tokens/opaque-secret.js';
import { parseScope } from '../params.js';
import { deriveKey, seal, unseal } from '../tokens/sealed-value.js';
import { GrantType } from '../tokens/token-types.js';
import type { GrantResult, TokenRequest, TokenResponse, Trace } from '../token-request.js';
import type { Grant } from './grant.js';
import { revokeGrant } from './revoke-grant.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';

const SUCCESSOR = 'refresh-successor';

interface StoredSuccessor {
  body: Record<string, unknown>;
  exp: number;
  jti: string;
}

const invalid = (reason: RefusalReasonFor<'invalid_grant'>, description: string) =>
  new OAuthError('invalid_grant', description, { reason });

/** The response the rotation winner stored, for a refresh of the just-rotated token in the grace window. */
async function rotated(
  ctx: OAuthContext,
  fh: FirstHop,
  raw: string,
  token: RefreshTokenRecord,
  grant: GrantRecord,
): Promise<GrantResult> {
  const now = ctx.now();
  const stored =
    token.rotatedAt !== null && now - token.rotatedAt <= fh.refreshGrace && token.successorSealed !== null
      ? unseal<StoredSuccessor>(deriveKey(raw, SUCCESSOR), SUCCESSOR, token.successorSealed, now)
      : undefined;
  if (stored === undefined) {
    await revokeGrant(
      ctx,
      fh.grants,
      grant.grantId,
      grant.clientId,
      grant.sub,
      'refresh_reused',
      GrantType.refreshToken,
    );
    throw invalid('refresh_reused', 'the refresh token was already used; the grant has been revoked');
  }
  const fact: TokenFact = {
    kind: 'refreshed',
    action: GrantType.refreshToken,
    client_id: grant.clientId,
    sub: grant.sub,
    jti: stored.jti,
    aud: grant.resource,
    reason: 'grace_window_retry',
  };
  return {
    response: { body: { ...stored.body, expires_in: Math.max(stored.exp - now, 0) }, headers: {} },
    audit: { tokens: [fact] },
  };
}

/** A refresh token that passed every check, with what the request asked of it. */
interface Presented {
  raw: string;
  token: RefreshTokenRecord;
  grant: GrantRecord;
  /** The scopes asked for (only ever narrower), else those granted. */
  scopes: string[];
  jkt: string | undefined;
  now: number;
}

/**
 * Finds the refresh token and checks it against the request: its client, revocation, expiry, the
 * resource (which never changes), a scope only narrower, and the DPoP key it is bound to.
 */
async function check(
  fh: FirstHop,
  req: TokenRequest,
  client: AuthenticatedClient['client'],
  ctx: OAuthContext,
  trace: Trace,
): Promise<Presented> {
  const p = req.params;
  const raw = p.require('refresh_token');
  const resources = p.all('resource');
  if (resources.length > 1)
    throw new OAuthError('invalid_target', 'request a token for one resource at a time', {
      reason: 'resource_many',
    });
  const explicit = parseScope(p.get('scope'));
  const now = ctx.now();

  const found = await fh.grants.findRefreshToken(opaqueHash(raw));
  if (found === undefined) throw invalid('unknown_refresh_token', 'the refresh token is invalid');
  const { token, grant } = found;
  trace.sub = grant.sub;
  if (grant.clientId !== client.clientId)
    throw invalid('client_mismatch', 'the refresh token was not issued to this client');
  if (grant.revokedAt !== null) throw invalid('grant_revoked', 'the refresh token has been revoked');
  if (grant.expiresAt <= now) throw invalid('grant_expired', 'the refresh token has expired');
  const [resource] = resources;
  if (resource !== undefined && resource !== grant.resource)
    throw new OAuthError('invalid_target', 'a refresh token cannot be used for another resource', {
      reason: 'resource_mismatch',
    });
  requireServedResource(fh, grant.resource);
  const granted = token.scope.split(' ').filter((s) => s !== '');
  const wider = (explicit ?? []).filter((s) => !granted.includes(s));
  if (wider.length > 0)
    throw new OAuthError('invalid_scope', `scope exceeds what was granted: ${wider.join(' ')}`, {
      reason: 'scope_widened',
    });
  const jkt = await ctx.proof(req);
  if (grant.dpopJkt !== null && jkt !== grant.dpopJkt)
    throw invalid('dpop_binding', 'the refresh token is bound to a DPoP key: send a proof signed with it');
  return { raw, token, grant, scopes: explicit ?? granted, jkt, now };
}

/**
 * Replaces the refresh token by its successor (compare-and-swap), keeping the answer sealed under
 * the old one for the grace window; a swap lost to a concurrent refresh answers with its successor.
 */
async function rotate(
  fh: FirstHop,
  ctx: OAuthContext,
  { raw, token, grant, now }: Presented,
  issued: Awaited<ReturnType<typeof issueToken>>,
): Promise<GrantResult> {
  const { minted } = issued;
  const successor = newOpaqueValue();
  const body: TokenResponse['body'] = { ...issued.body, scope: minted.scope, refresh_token: successor };
  const sealed = seal(
    deriveKey(raw, SUCCESSOR),
    SUCCESSOR,
    { body, exp: minted.exp, jti: minted.jti } satisfies StoredSuccessor,
    now + fh.refreshGrace + 1,
  );
  // RFC 6749 §6: the new refresh token keeps the scope of the one it replaces.
  const outcome = await fh.grants.rotate(
    token.tokenHash,
    grant.grantId,
    now,
    { tokenHash: opaqueHash(successor), scope: token.scope, sealed },
    { jti: minted.jti, exp: minted.exp },
  );
  if (outcome === 'revoked') throw invalid('grant_revoked', 'the refresh token has been revoked');
  if (outcome === 'lost') {
    // A concurrent refresh of the same token won the swap: answer with its successor.
    const again = await fh.grants.findRefreshToken(token.tokenHash);
    if (again === undefined) throw invalid('unknown_refresh_token', 'the refresh token is invalid');
    return rotated(ctx, fh, raw, again.token, again.grant);
  }
  return { response: { body, headers: {} }, audit: issued.audit };
}

/** The refresh token grant over the first hop's grants, subjects and resources. */
export const refreshToken = (fh: FirstHop): Grant => ({
  grantType: GrantType.refreshToken,
  parameters: new Set(['refresh_token', 'resource', 'scope']),
  repeatable: new Set(['resource']),
  requiresClientAuthentication: false,

  async handle(req, { client }, ctx, trace) {
    const presented = await check(fh, req, client, ctx, trace);
    const { raw, token, grant, jkt, now } = presented;
    if (token.rotatedAt !== null) return rotated(ctx, fh, raw, token, grant);

    // The user's current attributes: updated at every login (store/subjects.ts).
    const subject = (await fh.subjects.get(grant.iss, grant.sub)) ?? {
      sub: grant.sub,
      iss: grant.iss,
      groups: [],
      claims: {},
    };
    const input = firstHopInput('refresh', subject, client, grant.resource, presented.scopes, now, {
      auth_time: grant.authTime,
      ...(jkt === undefined ? {} : { dpop_jkt: jkt }),
      ...(req.ip === undefined ? {} : { ip: req.ip }),
    });
    const decision = decideOrRefuse(ctx, trace, input);

    const ttl = Math.min(decision.ttl_seconds, fh.accessTokenTtl, ctx.maxTokenTtl);
    const access = firstHopToken(ctx, {
      subject,
      clientId: client.clientId,
      resource: grant.resource,
      scopes: decision.scopes,
      ttl,
      authTime: grant.authTime,
      jkt,
      now,
    });
    const issued = await issueToken(ctx, trace, {
      allowed: { grantType: GrantType.refreshToken, input, decision, token: access },
      kind: 'refreshed',
      action: GrantType.refreshToken,
    });
    return rotate(fh, ctx, presented, issued);
  },
});
