/**
 * Redirect URI matching at the authorization endpoint: exact string comparison (OAuth 2.1 §4.1.1,
 * RFC 9700 §4.1.3), with one exception: for loopback IP redirect URIs the port is ignored, because a
 * native app picks an ephemeral port at run time (RFC 8252 §7.3). `localhost` is treated as a
 * loopback host too (OAuth 2.1 §8.4.2 discourages but allows it, and MCP clients commonly register
 * it); scheme, path and query must still match exactly.
 *
 * The exception is read from the raw text, never from a parsed URL: a URL parser drops or repairs
 * what the comparison must see (userinfo as in `http://evil.example@127.0.0.1:4000/cb`, `..`
 * segments, backslashes, tabs, a default port), so two different strings could compare equal once
 * parsed. Only the port may differ; every other character is compared as sent.
 */

/** `http://` + loopback host + optional port + the rest (path and query, no fragment), raw. */
const LOOPBACK_URI = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::([1-9][0-9]{0,4}))?([/?][^#]*)?$/;

/** The loopback host and everything after the port, or undefined when `uri` is no loopback URI. */
function loopbackParts(uri: string): string | undefined {
  const m = LOOPBACK_URI.exec(uri);
  if (m === null) return undefined;
  const [, host, port, rest] = m;
  if (port !== undefined && Number(port) > 65535) return undefined;
  return `${host ?? ''} ${rest ?? ''}`;
}

export function isLoopbackRedirect(uri: string): boolean {
  return loopbackParts(uri) !== undefined;
}

export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const req = loopbackParts(requested);
  return req !== undefined && registered.some((r) => loopbackParts(r) === req);
}
