/**
 * The kit's test mode: test tokens signed by a key the kit generates (`@mandate/mcp-kit/testing`)
 * are trusted only when `NODE_ENV` is `test` (what Vitest and Jest set) and only for an issuer on
 * the `.test` top-level domain, which RFC 6761 §6.2 reserves so that no real authorization server
 * can have it. A production process (NODE_ENV `production`, or unset) refuses both: a test issuer
 * left in a configuration stops the server at start-up instead of trusting forged tokens.
 */

/** True when the process runs tests (`NODE_ENV=test`). */
export function inTestMode(): boolean {
  return typeof process !== 'undefined' && process.env.NODE_ENV === 'test';
}

/** True when `issuer` names a host under the reserved `.test` domain (RFC 6761 §6.2). */
export function isTestIssuer(issuer: string): boolean {
  let host: string;
  try {
    host = new URL(issuer).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  return host === 'test' || host.endsWith('.test');
}

/** Throws unless in test mode: `what` names the caller in the message. */
export function requireTestMode(what: string): void {
  if (!inTestMode())
    throw new Error(
      `${what} is for tests only: set NODE_ENV=test (Vitest and Jest do); NODE_ENV is ${JSON.stringify(process.env.NODE_ENV ?? null)}`,
    );
}
