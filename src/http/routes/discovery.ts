/** RFC 8414 metadata and the JWKS (RFC 7517) the issued tokens verify against. */
import type { FastifyInstance } from 'fastify';
import {
  authorizationServerMetadata,
  metadataPaths,
  type Endpoints,
  type MetadataOptions,
} from '../../oauth/endpoints/server-metadata.js';

export function discoveryRoutes(
  app: FastifyInstance,
  endpoints: Endpoints & { jwksPath: string },
  jwks: () => unknown,
  opts: MetadataOptions,
): void {
  const metadata = authorizationServerMetadata(endpoints, opts);
  // RFC 8414 §3.1 (metadataPaths says why not OpenID Connect Discovery too).
  for (const path of metadataPaths(endpoints.issuer))
    app.get(path, async (_req, reply) => reply.header('Cache-Control', 'public, max-age=300').send(metadata));
  app.get(endpoints.jwksPath, async (_req, reply) =>
    // Short cache: a rotation's next key must reach verifiers before it signs anything.
    reply.header('Cache-Control', 'public, max-age=60').type('application/jwk-set+json').send(jwks()),
  );
}
