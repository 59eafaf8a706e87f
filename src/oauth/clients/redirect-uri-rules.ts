/**
 * Which redirect URIs a client may register (RFC 7591 §2, RFC 8252 §7, OAuth 2.1 §2.3.1): HTTPS
 * URLs; plain http only on a loopback host (RFC 8252 §7.3; `localhost` too, which MCP clients use);
 * private-use schemes named after a reversed domain (RFC 8252 §7.1). Never a fragment (RFC 6749
 * §3.1.2), never credentials, never a scheme a browser would execute.
 *
 * A redirect URI is compared as a string (OAuth 2.1 §4.1.1) but followed by a browser, which parses
 * it first. The WHATWG URL parser repairs what it is given: `https:///cb` and `https:/cb` become
 * `https://cb/`, backslashes become slashes, tabs and newlines vanish, `..` segments and default
 * ports are dropped, hosts are lower-cased and IDNA-encoded. So a registered URI must be written in
 * the form the parser produces: then what was registered and compared is where the browser goes.
 */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** Schemes that run code or read local files instead of reaching a client. */
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);
/** `http(s):` as written, then `//` and an authority (not a slash, backslash, query or fragment). */
const WEB_SCHEME = /^https?:/i;
const WITH_AUTHORITY = /^https?:\/\/[^/\\?#]/i;

/** The URL parser's own form of `uri`, accepting a bare origin without its root slash. */
function canonical(uri: string, url: URL): boolean {
  return url.href === uri || (url.pathname === '/' && url.search === '' && url.href === `${uri}/`);
}

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
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  if (web && ((WEB_SCHEME.test(uri) && !WITH_AUTHORITY.test(uri)) || url.hostname === ''))
    return 'must name a host';
  if (!canonical(uri, url)) return `must be written as the URL it resolves to (${url.href})`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : 'must use https unless the host is loopback';
  // RFC 8252 §7.1: a private-use scheme is a domain name the app controls, reversed (com.example.app).
  const scheme = url.protocol.slice(0, -1);
  if (!/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/.test(scheme))
    return 'must use https, loopback http or a reverse-domain private-use scheme';
  return undefined;
}
