/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a URL `client_id`
 * names a JSON document describing the client.
 *
 * - `cimd-document.ts`: the URL's shape and the document as a client record.
 * - `cimd-resolver.ts`: resolves a URL `client_id` to its client (fetch, validate, store, cache).
 * - `safe-fetch.ts`: fetches JSON from a URL an untrusted party chose (SSRF-safe, bounded).
 * - `special-use-address.ts`: the addresses such a fetch must never reach.
 * - `fetch-cache.ts`: a bounded cache of fetches by URL.
 * - `fetch-freshness.ts`: how long a fetched document stays fresh, within bounds.
 * - `fetch-errors.ts`: what a failed fetch means on the wire.
 * - `remote-jwks.ts`: key sets of self-registered clients, fetched the same safe way.
 */
export {};
