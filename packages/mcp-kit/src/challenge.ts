/**
 * `WWW-Authenticate` challenges for resource servers: RFC 6750 §3 (Bearer), RFC 9449 §7.1 (DPoP,
 * with `algs`), RFC 9728 §5.1 (`resource_metadata`, which MCP clients follow to find the
 * authorization server). Framework-free: returns the header value as a string.
 */

/** Error codes a resource server puts in a challenge (RFC 6750 §3.1, RFC 9449 §7.1 and §9). */
export type ChallengeError =
  'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';

/** The parts of one `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1, RFC 9728 §5.1). */
export interface ChallengeOptions {
  scheme: 'Bearer' | 'DPoP';
  realm?: string;
  error?: ChallengeError;
  /** Human-readable; RFC 6750 §3 limits it to printable ASCII, so anything else is replaced. */
  description?: string;
  /** Space-delimited scopes the request needs (RFC 6750 §3, step-up in MCP). */
  scope?: string;
  /** URL of the RFC 9728 protected-resource metadata document. */
  resourceMetadata?: string;
  /** Accepted DPoP proof algorithms (RFC 9449 §7.1); only meaningful with the DPoP scheme. */
  algs?: readonly string[];
}

/**
 * Builds one challenge, e.g. `DPoP error="invalid_dpop_proof", error_description="…", algs="ES256"`
 * or `Bearer resource_metadata="https://…", scope="files:read"`.
 */
export function wwwAuthenticate(opts: ChallengeOptions): string {
  const params: [string, string | undefined][] = [
    ['realm', opts.realm],
    ['resource_metadata', opts.resourceMetadata],
    ['error', opts.error],
    ['error_description', opts.description],
    ['scope', opts.scope],
    ['algs', opts.algs === undefined || opts.algs.length === 0 ? undefined : opts.algs.join(' ')],
  ];
  const rendered = params
    .filter((param): param is [string, string] => param[1] !== undefined)
    .map(([name, value]) => `${name}=${quotedString(value)}`);
  return rendered.length === 0 ? opts.scheme : `${opts.scheme} ${rendered.join(', ')}`;
}

/**
 * RFC 9110 §5.6.4 quoted-string: `"` and `\` become quoted-pairs. Characters outside printable ASCII
 * are replaced by `?` rather than sent: CR and LF would split the header (response splitting), and
 * RFC 6750 §3 allows only %x20-7E in these values.
 */
export function quotedString(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return `"${printable.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}
