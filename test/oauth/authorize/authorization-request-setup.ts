/**
 * The setup of the authorization request tests (authorization-request.test.ts and
 * authorization-request.redirects.test.ts): a few clients in memory (one whose metadata cannot be
 * fetched, one whose store is down), one protected resource, a request that validates and the
 * refusal of one that does not.
 */
import { expect } from 'vitest';
import type { OAuthClient } from '../../../src/oauth/clients/client.js';
import type { OAuthContext } from '../../../src/oauth/context.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import type { FirstHop } from '../../../src/oauth/first-hop.js';
import { Params } from '../../../src/oauth/params.js';
import { createResourceRegistry } from '../../../src/oauth/protected-resources.js';
import {
  AuthorizeError,
  validateAuthorizationRequest,
} from '../../../src/oauth/authorize/authorization-request.js';

export const MCP = 'https://mcp.example/mcp';
export const REDIRECT = 'https://app.example/cb';
export const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
export const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const client = (clientId: string, over: Partial<OAuthClient> = {}): OAuthClient => ({
  clientId,
  tokenEndpointAuthMethod: 'none',
  grantTypes: ['authorization_code'],
  audiences: [],
  trust: 'dynamic',
  redirectUris: [REDIRECT, 'http://127.0.0.1/callback'],
  ...over,
});
export const clients = new Map<string, OAuthClient>([
  ['app', client('app')],
  ['one-uri', client('one-uri', { redirectUris: [REDIRECT] })],
  ['exchanger', client('exchanger', { grantTypes: ['urn:ietf:params:oauth:grant-type:token-exchange'] })],
]);
export const ctx = {
  clients: {
    get: async (id: string) => {
      if (id === 'https://cimd.example/broken')
        throw new OAuthError('invalid_client', 'document unreachable', { reason: 'cimd_unreachable' });
      if (id === 'store-down') throw new Error('connection refused');
      return clients.get(id);
    },
  },
} as unknown as OAuthContext;
export const fh = {
  resources: createResourceRegistry([{ resource: MCP, name: 'MCP', scopes_supported: ['read', 'write'] }]),
} as unknown as FirstHop;

const base: Record<string, string> = {
  client_id: 'app',
  redirect_uri: REDIRECT,
  response_type: 'code',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  resource: MCP,
  state: 'xyz',
};
/** The query of `base` with `over` (undefined drops a parameter, an array repeats it). */
export function query(over: Record<string, string | string[] | undefined> = {}): Params {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...over }))
    for (const one of v === undefined ? [] : [v].flat()) q.append(k, one);
  return Params.parse(q.toString());
}
/** The refusal of the request of `base` with `over`: its error, text, target and reason. */
export async function refusal(over: Record<string, string | string[] | undefined>) {
  const err = await validateAuthorizationRequest(query(over), ctx, fh).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthorizeError);
  const e = err as AuthorizeError;
  return { error: e.error, description: e.message, target: e.target, reason: e.reason };
}
/** Where a refusal of `base` goes back to. */
export const back = { redirectUri: REDIRECT, state: 'xyz', clientId: 'app' };
