/**
 * DPoP end to end (RFC 9449): oauth4webapi — a client no part of Mandate wrote — obtains a
 * DPoP-bound token from Mandate's token exchange for Workday (whose policy requires DPoP), then uses
 * it at a resource server that checks the token against Mandate's JWKS and the proof with the kit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, createRemoteJWKSet, exportJWK, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDpopVerifier, externalRequestUrl, OAuthError, verifyDpopBoundRequest } from '@mandate/mcp-kit';
import { createReplayStore } from '../../src/store/replay-store.js';
import { API, MCP, SECRETS, startTestService, type TestService } from '../helpers/service.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

let svc: TestService;
let api: Server;
let apiBase: string;

async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const reply = (status: number, headers: Record<string, string>, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  try {
    const accessToken = req.headers.authorization?.split(' ')[1] ?? '';
    const { payload } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(`${svc.issuer}/jwks`)), {
      issuer: svc.issuer,
      audience: API.workday,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    }).catch((err: unknown) => {
      throw new OAuthError('invalid_token', 'access token is invalid', { cause: err });
    });
    await verifyDpopBoundRequest({
      authorization: req.headers.authorization,
      dpopHeaders: req.headersDistinct.dpop ?? [],
      method: req.method ?? '',
      url: externalRequestUrl(apiBase, req.url ?? '/'),
      claims: payload as { cnf?: { jkt?: string } },
      accessToken,
      verifier: createDpopVerifier({ replay: createReplayStore(svc.db.db) }),
      now: Math.floor(Date.now() / 1000),
      requireDpop: true,
    });
    reply(200, {}, { sub: payload.sub, scope: payload.scope });
  } catch (err) {
    const e = err instanceof OAuthError ? err : new OAuthError('server_error', 'unexpected');
    reply(e.status, e.headers, e.toJSON());
  }
}

beforeAll(async () => {
  svc = await startTestService();
  api = createServer((req, res) => void handleApi(req, res));
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiBase = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => api?.close(resolve));
  await svc?.close();
});

async function exchangeParams(): Promise<URLSearchParams> {
  const now = Math.floor(Date.now() / 1000);
  const subject = await svc.idp.mint(
    {
      iss: svc.idp.issuer,
      sub: 'bob',
      aud: MCP.workday,
      groups: ['hr'],
      scope: 'hr.profile.read hr.timeoff.read',
      iat: now,
      exp: now + 600,
    },
    { typ: 'at+jwt' },
  );
  return new URLSearchParams({
    subject_token: subject,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    resource: API.workday,
    scope: 'hr.profile.read',
  });
}

async function discover(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(svc.issuer);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

const client: oauth.Client = { client_id: 'mcp-workday' };
const clientAuth = () => oauth.ClientSecretPost(SECRETS.workday);

describe('DPoP-bound token exchange with oauth4webapi', () => {
  it('binds the Workday token to the proof key, and the API accepts only the key holder', async () => {
    const as = await discover();
    expect(as.dpop_signing_alg_values_supported).toContain('ES256');
    const keyPair = await oauth.generateKeyPair('ES256', { extractable: true });
    const DPoP = oauth.DPoP(client, keyPair);
    const response = await oauth.genericTokenEndpointRequest(
      as,
      client,
      clientAuth(),
      EXCHANGE,
      await exchangeParams(),
      {
        DPoP,
        ...insecure,
      },
    );
    const result = await oauth.processGenericTokenEndpointResponse(as, client, response);
    expect(result.token_type).toBe('dpop');
    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    const { payload } = await jwtVerify(
      result.access_token,
      createRemoteJWKSet(new URL(`${svc.issuer}/jwks`)),
    );
    expect(payload.cnf).toEqual({ jkt });

    const me = new URL(`${apiBase}/me`);
    const ok = await oauth.protectedResourceRequest(result.access_token, 'GET', me, new Headers(), null, {
      DPoP,
      ...insecure,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sub: 'bob', scope: 'hr.profile.read' });

    // A thief with the token but not the key: as Bearer, and with a proof from another key.
    const asBearer = await fetch(me, { headers: { authorization: `Bearer ${result.access_token}` } });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP /);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const stolen = await oauth
      .protectedResourceRequest(result.access_token, 'GET', me, new Headers(), null, {
        DPoP: thief,
        ...insecure,
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(stolen).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
    const challenge = (stolen as oauth.WWWAuthenticateChallengeError).cause[0];
    expect(challenge?.scheme).toBe('dpop');
    expect(challenge?.parameters).toMatchObject({
      error: 'invalid_dpop_proof',
      error_description: 'DPoP proof key does not match the access token binding',
    });
  });

  it('refuses a Workday exchange without a proof, saying why', async () => {
    const as = await discover();
    const response = await oauth.genericTokenEndpointRequest(
      as,
      client,
      clientAuth(),
      EXCHANGE,
      await exchangeParams(),
      insecure,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toMatch(/DPoP/);
  });

  it('refuses a replayed proof at the token endpoint', async () => {
    const as = await discover();
    let captured = '';
    const first = await oauth.genericTokenEndpointRequest(
      as,
      client,
      clientAuth(),
      EXCHANGE,
      await exchangeParams(),
      {
        DPoP: oauth.DPoP(client, await oauth.generateKeyPair('ES256')),
        ...insecure,
        [oauth.customFetch]: (url, init) => {
          captured = new Headers(init.headers).get('dpop') ?? '';
          return fetch(url, init);
        },
      },
    );
    expect(first.status).toBe(200);
    const body = await exchangeParams();
    body.set('grant_type', EXCHANGE);
    body.set('client_id', 'mcp-workday');
    body.set('client_secret', SECRETS.workday);
    const replayed = await fetch(`${svc.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: captured },
      body,
    });
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: expect.stringMatching(/replay/i),
    });
  });
});

describe('DPoP nonces required at the token endpoint (RFC 9449 §8)', () => {
  let strict: TestService;
  beforeAll(async () => {
    strict = await startTestService({ env: { MANDATE_DPOP_REQUIRE_NONCE: 'true' } });
  });
  afterAll(async () => strict?.close());

  it('answers use_dpop_nonce with a nonce, accepts the retry, and hands out the next nonce', async () => {
    const issuer = new URL(strict.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const now = Math.floor(Date.now() / 1000);
    const params = async () =>
      new URLSearchParams({
        subject_token: await strict.idp.mint(
          {
            iss: strict.idp.issuer,
            sub: 'bob',
            aud: MCP.workday,
            groups: ['hr'],
            scope: 'hr.profile.read',
            iat: now,
            exp: now + 600,
          },
          { typ: 'at+jwt' },
        ),
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        resource: API.workday,
      });
    const first = await oauth.genericTokenEndpointRequest(
      as,
      client,
      clientAuth(),
      EXCHANGE,
      await params(),
      {
        DPoP,
        ...insecure,
      },
    );
    expect(first.status).toBe(400);
    expect(first.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    const refused = await oauth.processGenericTokenEndpointResponse(as, client, first).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(oauth.isDPoPNonceError(refused)).toBe(true);

    // oauth4webapi remembered the nonce from the challenge; the retry carries it.
    const retry = await oauth.genericTokenEndpointRequest(
      as,
      client,
      clientAuth(),
      EXCHANGE,
      await params(),
      {
        DPoP,
        ...insecure,
      },
    );
    expect(retry.status).toBe(200);
    expect(retry.headers.get('dpop-nonce')).toMatch(/^[A-Za-z0-9_-]+$/);
    const result = await oauth.processGenericTokenEndpointResponse(as, client, retry);
    expect(result.token_type).toBe('dpop');
  });
});
