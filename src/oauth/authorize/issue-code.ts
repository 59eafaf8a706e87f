/**
 * Issues the authorization code (RFC 6749 §4.1.2): 256 random bits, stored hashed with everything
 * the token request is checked against, short-lived (OAuth 2.1 §4.1.2 recommends at most ten
 * minutes). The decision is recorded before the code leaves.
 */
import type { FirstHopContext } from '../first-hop.js';
import { OAuthError } from '../errors.js';
import { newGrantId } from '../grants/authorization-code.js';
import { newOpaqueValue, opaqueHash } from '../tokens/opaque-secret.js';
import type { Decided } from './authorize-decision.js';
import type { LoginSession } from './login-port.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { codeRedirect } from './authorization-response.js';

export async function issueCode(
  req: AuthorizationRequest,
  session: LoginSession,
  decided: Decided,
  ctx: FirstHopContext,
): Promise<string> {
  const fh = ctx.firstHop;
  const now = ctx.now();
  const code = newOpaqueValue();
  await fh.codes.insert({
    codeHash: opaqueHash(code),
    grantId: newGrantId(),
    clientId: req.client.clientId,
    redirectUri: req.redirectUri,
    redirectUriSent: req.redirectUriSent,
    codeChallenge: req.codeChallenge,
    resource: req.resource.resource,
    scope: decided.decision.scopes.join(' '),
    subject: session.subject,
    authTime: session.authTime,
    dpopJkt: req.dpopJkt ?? null,
    decisionId: decided.decision.decision_id,
    createdAt: now,
    expiresAt: now + fh.authCodeTtl,
  });
  try {
    await ctx.audit.commit({ decision: decided.fact, tokens: [] });
  } catch (err) {
    throw new OAuthError('temporarily_unavailable', 'the audit log is unavailable; try again shortly', {
      reason: 'audit_unavailable',
      cause: err,
    });
  }
  return codeRedirect({ redirectUri: req.redirectUri, state: req.state }, code, ctx.issuer);
}
