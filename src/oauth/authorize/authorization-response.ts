/**
 * Authorization responses: the code (RFC 6749 §4.1.2) or the error (§4.1.2.1), in the query of the
 * redirect URI, with `state` echoed and `iss` always present (RFC 9207 §2) so that a client talking
 * to several authorization servers can tell which one answered (mix-up defence).
 */
import type { AuthorizeErrorCode, RedirectTarget } from './authorization-request.js';

function withParams(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.href;
}

export function codeRedirect(target: RedirectTarget, code: string, issuer: string): string {
  return withParams(target.redirectUri, { code, state: target.state, iss: issuer });
}

export function errorRedirect(
  target: RedirectTarget,
  error: AuthorizeErrorCode,
  description: string,
  issuer: string,
): string {
  return withParams(target.redirectUri, {
    error,
    // RFC 6749 §4.1.2.1: error_description is limited to %x20-21 / %x23-5B / %x5D-7E.
    error_description: description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, ' ').slice(0, 500),
    state: target.state,
    iss: issuer,
  });
}
