/**
 * The authorization code grant (RFC 6749 §4.1.3, OAuth 2.1 §4.1.3). The code is consumed atomically
 * before anything else is checked, so it is single-use whatever the outcome; a second redemption
 * revokes the grant the first one started, and every access token issued under it (RFC 6749
 * §10.5). PKCE S256 is verified (RFC 7636 §4.6), the redirect URI and resource must be those of the
 * authorization request (RFC 8707 §2.2), and a `dpop_jkt` given at authorization must be the key of
 * the DPoP proof (RFC 9449 §10). Policy decides again, so a policy change since the consent applies.
 */
import { randomBytes } from 'node:crypto';
import type { AuthorizationCodeRecord } from '../../store/authorization-codes.js';
import type { AuthenticatedClient } from '../clients/client.js';
import type { OAuthContext } from '../context.js';
import type { FirstHop } from '../first-hop.js';
import { OAuthError } from '../errors.js';
import type { RefusalReasonFor } from '../refusals.js';
import { issueToken } from '../issuance/issue-token.js';
import { firstHopInput, firstHopToken, requireServedResource } from '../issuance/first-hop-token.js';
import { newOpaqueValue, opaqueHash } from '../tokens/opaque-secret.js';
import { verifyS256 } from './pkce.js';
import { GrantType } from '../tokens/token-types.js';
import type { Grant } from './grant.js';
import type { TokenRequest, Trace } from '../token-request.js';
import type { MintedToken } from '../tokens/mint.js';
import { revokeGrant } from './revoke-grant.js';
import { decideOrRefuse } from '../decisions/decide-or-refuse.js';

const invalidCode = (
  reason: RefusalReasonFor<'invalid_grant'>,
  description = 'the authorization code is invalid, expired or already used',
) => new OAuthError('invalid_grant', description, { reason });

export function newGrantId(): string {
  return randomBytes(16).toString('base64url');
}

async function replayed(ctx: OAuthContext, fh: FirstHop, code: AuthorizationCodeRecord): Promise<never> {
  await revokeGrant(
    ctx,
    fh.grants,
    code.grantId,
    code.clientId,
    code.subject.sub,
    'code_replayed',
    GrantType.authorizationCode,
  );
  throw invalidCode('code_replayed');
}

/** The code's record once every check of §4.1.3 passed, and the DPoP key proven with it. */
interface Redeemed {
  c: AuthorizationCodeRecord;
  jkt: string | undefined;
  now: number;
}

/**
 * Consumes the code (single use whatever follows) and checks it against the request: its client,
 * a replay, expiry, redirect URI, PKCE, resource, and the DPoP key the authorization request named.
 */
async function redeem(
  fh: FirstHop,
  req: TokenRequest,
  client: AuthenticatedClient['client'],
  ctx: OAuthContext,
  trace: Trace,
): Promise<Redeemed> {
  const p = req.params;
  const code = p.require('code');
  const verifier = p.require('code_verifier');
  const redirectUri = p.get('redirect_uri');
  const resources = p.all('resource');
  if (resources.length > 1)
    throw new OAuthError('invalid_target', 'request a token for one resource at a time', {
      reason: 'resource_many',
    });
  const now = ctx.now();

  const consumed = await fh.codes.consume(opaqueHash(code), now);
  if (consumed.status === 'unknown') throw invalidCode('unknown_code');
  const c = consumed.code;
  trace.sub = c.subject.sub;
  if (c.clientId !== client.clientId) throw invalidCode('client_mismatch');
  if (consumed.status === 'replayed') return replayed(ctx, fh, c);
  if (c.expiresAt <= now) throw invalidCode('code_expired', 'the authorization code has expired');
  // RFC 6749 §4.1.3: required, and identical, when the authorization request included it; when the
  // client left it out there (one registered URI), it may leave it out here too.
  if (redirectUri === undefined ? c.redirectUriSent : redirectUri !== c.redirectUri)
    throw invalidCode('redirect_uri_mismatch', 'redirect_uri does not match the authorization request');
  if (!verifyS256(verifier, c.codeChallenge))
    throw invalidCode('pkce_mismatch', 'code_verifier does not match the code_challenge');
  const [resource] = resources;
  if (resource !== undefined && resource !== c.resource)
    throw new OAuthError('invalid_target', 'resource differs from the authorization request', {
      reason: 'resource_mismatch',
    });
  requireServedResource(fh, c.resource);

  const jkt = await ctx.proof(req);
  if (c.dpopJkt !== null && jkt !== c.dpopJkt)
    throw invalidCode(
      'dpop_jkt_mismatch',
      'the DPoP proof key differs from the dpop_jkt of the authorization request',
    );
  return { c, jkt, now };
}

/**
 * Starts the grant the code was for, with its first access token and, when the client may refresh,
 * a refresh token (returned); a concurrent redemption that started it first is a replay.
 */
async function startGrant(
  fh: FirstHop,
  { c, jkt, now }: Redeemed,
  { client, method }: AuthenticatedClient,
  minted: MintedToken,
): Promise<string | undefined> {
  const refresh = client.grantTypes.includes(GrantType.refreshToken) ? newOpaqueValue() : undefined;
  const started = await fh.grants.startFromCode(
    c.codeHash,
    {
      grantId: c.grantId,
      clientId: client.clientId,
      sub: c.subject.sub,
      iss: c.subject.iss,
      resource: c.resource,
      scope: c.scope,
      authTime: c.authTime,
      // RFC 9449 §5: refresh tokens of public clients are bound to the DPoP key.
      dpopJkt: method === 'none' && jkt !== undefined ? jkt : null,
      createdAt: now,
      expiresAt: now + fh.refreshTokenTtl,
      revokedAt: null,
      revokedReason: null,
    },
    { jti: minted.jti, exp: minted.exp },
    refresh === undefined ? undefined : { tokenHash: opaqueHash(refresh), scope: c.scope },
  );
  if (!started) throw invalidCode('code_replayed');
  return refresh;
}

/** The authorization code grant over the first hop's codes, grants and resources. */
export const authorizationCode = (fh: FirstHop): Grant => ({
  grantType: GrantType.authorizationCode,
  parameters: new Set(['code', 'code_verifier', 'redirect_uri', 'resource']),
  repeatable: new Set(['resource']),
  // Public clients (`none`) redeem codes too: PKCE is what binds the code to them.
  requiresClientAuthentication: false,

  async handle(req, auth, ctx, trace) {
    const { client } = auth;
    const redeemed = await redeem(fh, req, client, ctx, trace);
    const { c, jkt, now } = redeemed;
    const scopes = c.scope.split(' ').filter((s) => s !== '');
    const input = firstHopInput('authorize', c.subject, client, c.resource, scopes, now, {
      auth_time: c.authTime,
      ...(jkt === undefined ? {} : { dpop_jkt: jkt }),
      ...(req.ip === undefined ? {} : { ip: req.ip }),
    });
    const decision = decideOrRefuse(ctx, trace, input);

    const ttl = Math.min(decision.ttl_seconds, fh.accessTokenTtl, ctx.maxTokenTtl);
    const token = firstHopToken(ctx, {
      subject: c.subject,
      clientId: client.clientId,
      resource: c.resource,
      scopes: decision.scopes,
      ttl,
      authTime: c.authTime,
      jkt,
      now,
    });
    const { body, minted, audit } = await issueToken(ctx, trace, {
      allowed: { grantType: GrantType.authorizationCode, input, decision, token },
      action: GrantType.authorizationCode,
    });
    const refresh = await startGrant(fh, redeemed, auth, minted);
    const tokens = {
      ...body,
      scope: minted.scope,
      ...(refresh === undefined ? {} : { refresh_token: refresh }),
    };
    return { response: { body: tokens, headers: {} }, audit };
  },
});
