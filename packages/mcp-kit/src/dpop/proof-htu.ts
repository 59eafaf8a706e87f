/**
 * The `htu` comparison of RFC 9449 §4.3 (check 9): the proof's `htu` and the request URL are compared
 * without query and fragment, after RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based
 * normalization, so that equivalent spellings of one URL (host case, default port, percent-encoding
 * case) do not produce false negatives.
 */

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Normalizes an absolute http(s) URL to `scheme://host[:port]/path`, dropping query and fragment.
 *
 * The WHATWG URL parser already lowercases scheme and host (RFC 3986 §6.2.2.1), removes the default
 * port and turns an empty path into "/" (§6.2.3), and removes dot segments (§6.2.2.3). What it leaves
 * alone is percent-encoding in the path, which §6.2.2.1/§6.2.2.2 normalize here: triplets of
 * unreserved characters are decoded, every other triplet gets uppercase hex digits.
 *
 * @throws TypeError when `url` is not absolute, not http(s), or carries userinfo (never part of an
 *   HTTP request target, RFC 9110 §4.2.4).
 */
export function normalizeHtu(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('htu must be an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError('htu must be an http or https URL');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new TypeError('htu must not contain userinfo');
  }
  const path = parsed.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_triplet, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${parsed.protocol}//${parsed.host}${path}`;
}

/**
 * {@link normalizeHtu} remembering the last URL it normalized: a server compares every proof with
 * its own request URL, the same string each time, and a client's `htu` is usually that string too,
 * so in the common case neither is parsed again. A URL that does not normalize is never remembered.
 */
export function createHtuNormalizer(): (url: string) => string {
  let lastUrl: string | undefined;
  let lastHtu = '';
  return (url) => {
    if (url !== lastUrl) {
      lastHtu = normalizeHtu(url);
      lastUrl = url;
    }
    return lastHtu;
  };
}
