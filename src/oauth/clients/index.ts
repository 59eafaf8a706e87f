/**
 * OAuth clients: who they are, how they prove it, and how they register themselves:
 *
 * - `client.ts`: what the protocol core knows about a client.
 * - `client-auth.ts`: client authentication at the token endpoint (RFC 6749 §2.3.1, RFC 7523 §2.2).
 * - `client-lookup.ts`: the lookup every endpoint uses (configured, registered and CIMD clients).
 * - `cached-lookup.ts`: a short-lived cache in front of a store lookup.
 * - `client-metadata.ts`: client metadata as accepted from a registration or a metadata document
 *   (RFC 7591 §2).
 * - `client-metadata-schema.ts`: the metadata's members and their types, as one zod schema.
 * - `redirect-uri-rules.ts`: which redirect URIs a client may register.
 * - `register-client.ts`: dynamic client registration (RFC 7591).
 * - `self-registration.ts`: wires registration, metadata documents and the lookup together.
 * - `client-reaper.ts`: the clean-up of self-registered clients left unused.
 * - `cimd/`: Client ID Metadata Documents, fetched without letting the URL reach inside the network.
 */
export {};
