/**
 * A downstream token endpoint over real HTTP for the connector tests: records every form it is sent
 * and answers with the reply the test set.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConnectorSettings, DownstreamAsk } from '../../../src/oauth/connectors/downstream.js';
import type { ConnectorSigningKey } from '../../../src/keys/connector-keys.js';

export interface DownstreamServer {
  url: string;
  forms: URLSearchParams[];
  /** The request path of each form, in order. */
  paths: string[];
  reply: { status: number; body: unknown };
  close(): Promise<void>;
}

export async function startDownstream(): Promise<DownstreamServer> {
  const state: Omit<DownstreamServer, 'close' | 'url'> = {
    forms: [],
    paths: [],
    reply: { status: 200, body: { access_token: 'down-at', token_type: 'Bearer', expires_in: 600 } },
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      state.forms.push(new URLSearchParams(body));
      state.paths.push(req.url ?? '');
      res
        .writeHead(state.reply.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(state.reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

export function connectorKey(service = 'svc'): ConnectorSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { service, kid: `${service}-k1`, alg: 'RS256', privateKey, publicKey };
}

export function settings(over: Partial<ConnectorSettings>): ConnectorSettings {
  return {
    service: 'svc',
    kind: 'jwt-bearer',
    resource: 'https://svc.example/api',
    audiences: ['https://svc.example/api'],
    claims: {},
    send_scope: false,
    token_lifetime_seconds: 900,
    assertion_ttl_seconds: 120,
    pass_through: [],
    timeout_ms: 2000,
    refresh_before_seconds: 60,
    retry_after_seconds: 30,
    ...over,
  };
}

export const ask: DownstreamAsk = {
  subject: 'alice@svc',
  user: { iss: 'https://idp.example', sub: 'alice' },
  scopes: ['read', 'write'],
  clientId: 'mcp-server',
  claims: { auth_time: 1000, email: 'alice@example.com' },
  now: Math.floor(Date.now() / 1000),
};
