/**
 * Every URL Mandate serves below its issuer, in one table. The context carries the URLs (the
 * audiences a client assertion may name, the `htu` a DPoP proof must name), discovery advertises
 * them (RFC 8414 §2) and the HTTP app mounts its routes at their paths, so none is spelt twice.
 */
const SUFFIXES = {
  /** RFC 6749 §3.2. */
  token: '/token',
  /** RFC 6749 §3.1 (the first hop). */
  authorize: '/authorize',
  /** The consent form the authorization endpoint's page posts to. */
  consent: '/consent',
  /** Where the IdP users log in at sends them back (OIDC Core §3.1.2.5). */
  loginCallback: '/login/callback',
  /** RFC 7009 §2. */
  revoke: '/revoke',
  /** RFC 7662 §2. */
  introspect: '/introspect',
  /** RFC 7591 §3. */
  register: '/register',
  /** RFC 7517 §5: the keys Mandate's tokens verify against. */
  jwks: '/jwks',
  /** OpenID AuthZEN Authorization API 1.0 §6: one access evaluation (tool calls). */
  accessEvaluation: '/access/v1/evaluation',
  /** OpenID AuthZEN Authorization API 1.0 §7: access evaluations in one request. */
  accessEvaluations: '/access/v1/evaluations',
  /** OpenID CIBA Core 1.0 §7: the backchannel authentication endpoint (approvals, ADR 0014). */
  backchannelAuthentication: '/bc-authorize',
  /** The approval pages a person approves or denies a request on (`<prefix>/<id>`). */
  approvals: '/approvals',
} as const;

export type Endpoint = keyof typeof SUFFIXES;

/** An absolute URL (or, from {@link endpointPaths}, a path) for every endpoint. */
export type EndpointUrls = Readonly<Record<Endpoint, string>>;

function table(prefix: string): EndpointUrls {
  return Object.fromEntries(
    Object.entries(SUFFIXES).map(([name, suffix]) => [name, `${prefix}${suffix}`]),
  ) as Record<Endpoint, string>;
}

/** The endpoints' URLs below `issuer` (which has no trailing slash). */
export function endpointUrls(issuer: string): EndpointUrls {
  return table(issuer);
}

/** The endpoints' paths, as the HTTP server sees them (the issuer's own path prefixed). */
export function endpointPaths(issuer: string): EndpointUrls {
  return table(new URL(issuer).pathname.replace(/\/$/, ''));
}
