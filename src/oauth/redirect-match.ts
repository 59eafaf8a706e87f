/**
 * Redirect URI matching at the authorization endpoint: exact string comparison (OAuth 2.1 §4.1.1,
 * RFC 9700 §4.1.3), with one exception: for loopback IP redirect URIs the port is ignored, because a
 * native app picks an ephemeral port at run time (RFC 8252 §7.3). `localhost` is treated as a
 * loopback host too (OAuth 2.1 §8.4.2 discourages but allows it, and MCP clients commonly register
 * it); scheme, path and query must still match exactly.
 */
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function withoutPort(u: URL): string {
  return `${u.protocol}//${u.hostname}${u.pathname}${u.search}`;
}

export function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && LOOPBACK.has(u.hostname);
  } catch {
    return false;
  }
}

export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  if (!isLoopbackRedirect(requested) || requested.includes('#')) return false;
  const req = new URL(requested);
  return registered.some((r) => isLoopbackRedirect(r) && withoutPort(new URL(r)) === withoutPort(req));
}
