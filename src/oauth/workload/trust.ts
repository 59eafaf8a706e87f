/**
 * The trust configured for workload identity federation (MCP SEP-1933): which issuers may
 * authenticate workloads (issuer trust) and which of their workloads become which client (workload
 * trust, the claim rules). Built from the configuration file at boot (src/wiring) and held in memory.
 */
import type { JSONWebKeySet } from 'jose';

/** One claim rule: the workloads it names, the client they authenticate as, and what they may get. */
export interface WorkloadRule {
  /** The client the matching workload is authenticated as. */
  clientId: string;
  /** Exactly `sub`, or `sub` matching a pattern (`*` one path segment, `**` any rest). */
  sub?: string;
  subPattern?: string;
  /** Further claims that must hold exactly these string values (e.g. a Kubernetes namespace). */
  claims: Readonly<Record<string, string>>;
  /** Resources the workload may ask for; undefined: any the policy allows. */
  resources?: readonly string[];
  /** The most the workload may be granted; undefined: what the policy grants. */
  scopes?: readonly string[];
  /** Groups handed to the policy as the workload's `subject.groups`. */
  groups: readonly string[];
}

export interface WorkloadIssuer {
  issuer: string;
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  algorithms: string[];
  /** Accepted `aud` values; empty: Mandate's issuer and token endpoint (RFC 7523 §3 item 3). */
  audiences: readonly string[];
  /** Longest lifetime (exp − now) an assertion may have: its `jti` is remembered until then. */
  maxLifetimeSeconds: number;
  rules: readonly WorkloadRule[];
}

export interface WorkloadTrust {
  get(issuer: string): WorkloadIssuer | undefined;
}

export function workloadTrust(issuers: readonly WorkloadIssuer[]): WorkloadTrust {
  const byIssuer = new Map(issuers.map((i) => [i.issuer, i]));
  return { get: (issuer) => byIssuer.get(issuer) };
}

/**
 * A SPIFFE-style path pattern as a regular expression: `*` stands for one segment (no `/`), `**`
 * for anything (segments included); everything else is literal. Hand-written rather than a glob
 * library because a trust rule must not widen through syntax nobody reviews (braces, classes,
 * extglobs) and because a SPIFFE ID is a URI, not a file path.
 */
export function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split('**')
    .map((part) =>
      part
        .split('*')
        .map((lit) => lit.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*'),
    )
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** The first rule naming this workload (rules are tried in order), or undefined. */
export function matchRule(
  issuer: WorkloadIssuer,
  sub: string,
  claims: Readonly<Record<string, unknown>>,
): WorkloadRule | undefined {
  return issuer.rules.find(
    (r) =>
      (r.sub !== undefined ? r.sub === sub : patternRegExp(r.subPattern ?? '').test(sub)) &&
      Object.entries(r.claims).every(([name, value]) => claims[name] === value),
  );
}
