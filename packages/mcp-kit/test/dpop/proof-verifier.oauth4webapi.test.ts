/**
 * Interoperability: proofs made by oauth4webapi, a client no part of Mandate wrote, against a tiny
 * real HTTP server that uses our verifier at a token endpoint (RFC 9449 §5, nonce per §8) and our
 * resource-side check at an API (§7, nonce per §9). The client follows the nonce challenges itself.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors.js';
import { createNonceService } from '../../src/dpop/nonce.js';
import { createDpopVerifier } from '../../src/dpop/proof-verifier.js';
import { externalRequestUrl, verifyDpopBoundRequest } from '../../src/dpop/bound-request.js';
import { memoryReplayStore } from './fixtures.js';

const clock = () => Math.floor(Date.now() / 1000); // oauth4webapi stamps iat with the real clock
const nonces = createNonceService({ secret: new Uint8Array(32).fill(9) });
const replay = memoryReplayStore(clock);
const verifier = createDpopVerifier({ replay, nonces, requireNonce: true });

let server: Server;
let base: string;
const received: { path: string; dpop: string[]; authorization: string | undefined }[] = [];
const issued = new Map<string, string>(); // access token → jkt it is bound to

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const dpop = req.headersDistinct.dpop ?? [];
  received.push({ path: req.url ?? '', dpop, authorization: req.headers.authorization });
  const url = externalRequestUrl(base, req.url ?? '/');
  try {
    if (req.url === '/token') {
      for await (const _chunk of req); // drain the form body
      const proof = await verifier.verify({ headers: dpop, method: req.method ?? '', url, now: clock() });
      const accessToken = `at-${issued.size + 1}`;
      issued.set(accessToken, proof.jkt);
      send(res, 200, {}, { access_token: accessToken, token_type: 'DPoP', expires_in: 300 });
      return;
    }
    const accessToken = req.headers.authorization?.split(' ')[1] ?? '';
    const jkt = issued.get(accessToken);
    if (jkt === undefined) throw new OAuthError('invalid_token', 'unknown access token');
    const binding = await verifyDpopBoundRequest({
      authorization: req.headers.authorization,
      dpopHeaders: dpop,
      method: req.method ?? '',
      url,
      claims: { cnf: { jkt } },
      accessToken,
      verifier,
      now: clock(),
    });
    send(res, 200, {}, { scheme: binding.scheme });
  } catch (err) {
    const e = err instanceof OAuthError ? err : new OAuthError('server_error', 'unexpected');
    send(res, e.status, e.headers, e.toJSON());
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const client: oauth.Client = { client_id: 'interop-client' };
const insecure = { [oauth.allowInsecureRequests]: true } as const;

function tokenRequest(DPoP: oauth.DPoPHandle): Promise<oauth.TokenEndpointResponse> {
  const as: oauth.AuthorizationServer = { issuer: base, token_endpoint: `${base}/token` };
  return oauth
    .clientCredentialsGrantRequest(as, client, oauth.None(), { scope: 'read' }, { DPoP, ...insecure })
    .then((response) => oauth.processClientCredentialsResponse(as, client, response));
}

describe('oauth4webapi DPoP proofs', () => {
  it('obtain a DPoP-bound token and call a protected resource, retrying on nonce challenges', async () => {
    received.length = 0;
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    // The first request has no nonce: our verifier answers 400 use_dpop_nonce with DPoP-Nonce (§8).
    const first = await tokenRequest(DPoP).catch((e: unknown) => e);
    expect(oauth.isDPoPNonceError(first)).toBe(true);
    const token = await tokenRequest(DPoP);
    expect(token.token_type).toBe('dpop');
    expect(issued.get(token.access_token)).toBe(await DPoP.calculateThumbprint());

    const resource = new URL(`${base}/v1/accounts?page=2`);
    const call = () =>
      oauth.protectedResourceRequest(token.access_token, 'GET', resource, undefined, undefined, {
        DPoP,
        ...insecure,
      });
    const response = await call();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ scheme: 'DPoP' });

    // Every request carried exactly one proof, and resource requests used the DPoP scheme (§7.1).
    expect(received.map((r) => [r.path, r.dpop.length])).toEqual([
      ['/token', 1],
      ['/token', 1],
      ['/v1/accounts?page=2', 1],
    ]);
    expect(received[2]?.authorization).toBe(`DPoP ${token.access_token}`);

    // Sending the client's proof a second time is a replay (§11.1).
    const replayed = await fetch(resource, {
      headers: { authorization: `DPoP ${token.access_token}`, dpop: received[2]?.dpop[0] ?? '' },
    });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(
      /^DPoP error="invalid_dpop_proof", error_description="DPoP proof replayed"/,
    );
  });

  it('are refused when presented with a token bound to another key', async () => {
    const owner = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    expect(oauth.isDPoPNonceError(await tokenRequest(owner).catch((e: unknown) => e))).toBe(true);
    const { access_token: boundToken } = await tokenRequest(owner);
    const stranger = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const url = new URL(`${base}/v1/accounts`);
    const call = () =>
      oauth.protectedResourceRequest(boundToken, 'GET', url, undefined, undefined, {
        DPoP: stranger,
        ...insecure,
      });
    const nonceChallenge = await call().catch((e: unknown) => e);
    expect(oauth.isDPoPNonceError(nonceChallenge)).toBe(true);
    const err = await call().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const [challenge] = (err as oauth.WWWAuthenticateChallengeError).cause;
    expect(challenge?.scheme).toBe('dpop');
    expect(challenge?.parameters).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: 'DPoP proof key does not match the access token binding',
    });
  });
});
