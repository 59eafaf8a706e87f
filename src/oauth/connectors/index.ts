/**
 * Downstream connectors (issue 16, ADR 0013): for a service whose API trusts only its own
 * authorization server, the user's token from there, after policy allowed the exchange.
 *
 * - `kinds.ts`: the connector kinds, and which of them sign with a key of their own.
 * - `downstream.ts`: what a connector is asked and answers, and its two failures (refusal, outage).
 * - `downstream-error.ts`: the exchange's refusal carrying the audit's `downstream` fact.
 * - `connector-mint.ts`: the connectors on the mint seam: the target's connector, the obligation
 *   `downstream_subject`, the cache, the wire errors; every other token is Mandate's own.
 * - `create-connectors.ts`: one connector per configured service of a downstream kind.
 * - `cache.ts`: downstream tokens per (service, user, subject, scopes), single flight.
 * - `request-token.ts`: one bounded POST to a downstream token endpoint and its reading.
 * - `assertion.ts`: RS256 grant and client assertions signed with the connector's key.
 * - `salesforce.ts`: Salesforce's OAuth 2.0 JWT Bearer Flow.
 * - `jwt-bearer-connector.ts`: the `jwt-bearer` kind: an RFC 7523 assertion grant at the service's
 *   authorization server, with a per-service claim template (the grant Mandate accepts is
 *   `grants/jwt-bearer.ts`).
 * - `id-jag.ts`: an ID-JAG Mandate issues, redeemed at the service's authorization server.
 */
export {};
