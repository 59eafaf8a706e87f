/**
 * The enterprise IdP users log in with (UPSTREAM_OIDC_*): its client, the scopes asked for, and the
 * map from ID-token claims to subject attributes; none configured runs the development IdP.
 */
import { ConfigError } from './config-error.js';
import type { UpstreamOidcConfig } from './config-type.js';
import type { Env } from './env.js';

/**
 * Attribute names the claim map may not produce: subject attributes travel as claims of the
 * first-hop access token, so an attribute under one of these names would stand in the token as a
 * registered JWT / OAuth claim (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4, RFC 7800 §3) that
 * Mandate did not decide, e.g. a `cnf` binding or an `act` chain taken from an IdP attribute.
 */
const RESERVED_ATTRIBUTES = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'typ',
  'client_id',
  'azp',
  'scope',
  'scp',
  'act',
  'may_act',
  'cnf',
  'auth_time',
  'acr',
  'amr',
  'groups',
  'nonce',
  'sid',
  'resource',
]);

/** Parses UPSTREAM_OIDC_CLAIMS: `a,b=c` → { a: 'a', b: 'c' }. */
export function parseClaimMap(raw: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const [attr, claim] = part.split('=').map((p) => p.trim());
    if (attr === undefined || attr === '' || claim === '')
      throw new ConfigError(`UPSTREAM_OIDC_CLAIMS: '${part}' is not 'attr' or 'attr=claim'`);
    if (RESERVED_ATTRIBUTES.has(attr))
      throw new ConfigError(
        `UPSTREAM_OIDC_CLAIMS: '${attr}' is a registered token claim; name the attribute otherwise ('${attr}_attr=${claim ?? attr}')`,
      );
    map[attr] = claim ?? attr;
  }
  return map;
}

/** The IdP's settings, or undefined: without UPSTREAM_OIDC_ISSUER the development IdP serves the login. */
export function upstreamConfig(e: Env): UpstreamOidcConfig | undefined {
  if (e.UPSTREAM_OIDC_ISSUER === undefined) {
    if (e.UPSTREAM_OIDC_CLIENT_ID !== undefined)
      throw new ConfigError('UPSTREAM_OIDC_CLIENT_ID: set UPSTREAM_OIDC_ISSUER too');
    return undefined;
  }
  if (e.UPSTREAM_OIDC_CLIENT_ID === undefined)
    throw new ConfigError('UPSTREAM_OIDC_CLIENT_ID: required when UPSTREAM_OIDC_ISSUER is set');
  const scopes = e.UPSTREAM_OIDC_SCOPES.split(/\s+/).filter((s) => s !== '');
  if (!scopes.includes('openid')) throw new ConfigError("UPSTREAM_OIDC_SCOPES: must include 'openid'");
  return {
    issuer: e.UPSTREAM_OIDC_ISSUER,
    clientId: e.UPSTREAM_OIDC_CLIENT_ID,
    clientSecret: e.UPSTREAM_OIDC_CLIENT_SECRET,
    tokenAuthMethod: e.UPSTREAM_OIDC_TOKEN_AUTH_METHOD,
    scopes,
    groupsClaim: e.UPSTREAM_OIDC_GROUPS_CLAIM,
    claims: parseClaimMap(e.UPSTREAM_OIDC_CLAIMS),
  };
}
