/**
 * Which redirect URIs a client may register (RFC 7591 §2, RFC 8252 §7, OAuth 2.1 §2.3.1): HTTPS
 * URLs; plain http only on a loopback host (RFC 8252 §7.3; `localhost` too, which MCP clients use);
 * private-use schemes named after a reversed domain (RFC 8252 §7.1). Never a fragment (RFC 6749
 * §3.1.2), never credentials, never a scheme a browser would execute.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** Schemes that run code or read local files instead of reaching a client. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/** Why a redirect URI is refused, or undefined when it is acceptable. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  if (url.protocol === 'https:') return url.hostname === '' ? 'must name a host' : undefined;
  if (url.protocol === 'http:')
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : 'must use https unless the host is loopback';
  // RFC 8252 §7.1: a private-use scheme is a domain name the app controls, reversed (com.example.app).
  const scheme = url.protocol.slice(0, -1);
  if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(scheme))
    return 'must use https, loopback http or a reverse-domain private-use scheme';
  return undefined;
}
