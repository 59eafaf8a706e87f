/**
 * Downstream connectors (issue 16, ADR 0013): for a service whose API trusts only its own
 * authorization server, the user's token from there, after policy allowed the exchange.
 *
 * - `kinds.ts`: the connector kinds, and which of them sign with a key of their own.
 */
export {};
