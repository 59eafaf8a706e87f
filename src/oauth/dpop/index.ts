/**
 * DPoP (RFC 9449), used by the token endpoint and by the MCP server kit's resource servers:
 *
 * - `proof-verifier.ts`: verifies a DPoP proof (§4.3) and returns its key thumbprint.
 * - `proof-jws.ts`: compact JWS parsing and signature checking for proofs.
 * - `proof-jwk.ts`: the proof's `jwk` header: a public key, imported once and cached.
 * - `proof-claims.ts`: the proof's claims (`jti`, `htm`, `htu`, `iat`, `ath`).
 * - `proof-htu.ts`: the `htu` comparison after URL normalization.
 * - `dpop-nonce.ts`: stateless server nonces (§8).
 * - `dpop-reasons.ts`: the catalogue of precise refusal reasons.
 */
export {};
