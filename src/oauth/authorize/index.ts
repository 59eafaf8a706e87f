/**
 * The authorization endpoint of the first hop (RFC 6749 §4.1, OAuth 2.1 §4.1):
 *
 * - `authorization-endpoint.ts`: validate, log in, decide, consent, answer with a code.
 * - `authorization-request.ts`: validation of an authorization request, in the order that keeps
 *   errors from redirecting to an untrusted URI.
 * - `authorization-response.ts`: the code or error redirect, with `state` and `iss` (RFC 9207).
 * - `authorize-decision.ts`: the policy's `authorize` decision and its refusal.
 * - `consent.ts`: the consent form's submission (sealed request, CSRF).
 * - `issue-code.ts`: the single-use authorization code.
 * - `login-port.ts`: what the endpoint needs from the login layer (src/federation).
 * - `redirect-match.ts`: redirect URI matching (exact; loopback ports ignored, RFC 8252 §7.3).
 */
export {};
