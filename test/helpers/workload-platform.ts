/**
 * A workload platform for tests: a real OpenID Provider (node-oidc-provider) on its own port that
 * issues service-account-style JWTs with the client credentials grant, the way a CI system's or a
 * cloud's token service does: `sub` is the workload, `aud` the resource it asked for (RFC 8707),
 * with `jti`, `iat` and `exp`, signed with ES256 and published at `<issuer>/jwks`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface Workload {
  id: string;
  secret: string;
}

export interface WorkloadPlatform {
  issuer: string;
  jwksUri: string;
  /** A fresh platform token for the workload, addressed to `audience`. */
  token(workload: Workload, audience: string): Promise<string>;
  close(): Promise<void>;
}

export async function startWorkloadPlatform(workloads: Workload[]): Promise<WorkloadPlatform> {
  // The provider needs its issuer (the port) before it exists: it is looked up per request.
  const holder: { provider?: Provider } = {};
  const server: Server = createServer((req, res) => {
    if (holder.provider === undefined) return void res.writeHead(503).end();
    void holder.provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  holder.provider = new Provider(issuer, {
    clients: workloads.map((w) => ({
      client_id: w.id,
      client_secret: w.secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'platform-es256', alg: 'ES256', use: 'sig' }],
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          audience: resource,
          scope: 'workload',
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    scopes: ['workload'],
    ttl: { ClientCredentials: 300 },
  });
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    async token(workload, audience) {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: workload.id,
          client_secret: workload.secret,
          resource: audience,
          scope: 'workload',
        }),
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || body.access_token === undefined)
        throw new Error(`workload platform refused a token: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
