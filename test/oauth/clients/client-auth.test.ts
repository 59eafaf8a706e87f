/**
 * Client authentication (src/oauth/clients/client-auth.ts) as a unit: each method of RFC 6749
 * §2.3.1 and RFC 7523 §2.2, and each refusal with its wire error, status, challenge and reason.
 * The client registry and replay store are in-memory stand-ins; end-to-end runs over real HTTP
 * and Postgres are in test/oauth/grants and test/http.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateClient,
  CLIENT_ASSERTION_TYPE,
  hashSecret,
  type ClientAuthDeps,
} from '../../../src/oauth/clients/client-auth.js';
import type { OAuthClient } from '../../../src/oauth/clients/client.js';
import { OAuthError } from '../../../src/oauth/errors.js';
import { Params } from '../../../src/oauth/params.js';

const NOW = 1_764_140_000;
const ISSUER = 'https://mandate.example';
const TOKEN = `${ISSUER}/token`;
const SECRET = 'a-high-entropy-client-secret-0123456789';

const base = { grantTypes: [], audiences: [], trust: 'registered' };
let publicJwk: JWK;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
const clients = new Map<string, OAuthClient>();

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), alg: 'ES256' };
  for (const c of [
    {
      clientId: 'basic-client',
      tokenEndpointAuthMethod: 'client_secret_basic',
      secretHash: hashSecret(SECRET),
    },
    {
      clientId: 'post-client',
      tokenEndpointAuthMethod: 'client_secret_post',
      secretHash: hashSecret(SECRET),
    },
    { clientId: 'a b:c', tokenEndpointAuthMethod: 'client_secret_basic', secretHash: hashSecret('s p:x') },
    { clientId: 'jwt-client', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [publicJwk] } },
    { clientId: 'keyless-client', tokenEndpointAuthMethod: 'private_key_jwt' },
    { clientId: 'public-client', tokenEndpointAuthMethod: 'none' },
  ])
    clients.set(c.clientId, { ...base, ...c });
});

function deps(over: Partial<ClientAuthDeps> = {}): ClientAuthDeps {
  const seen = new Set<string>();
  return {
    clients: { get: async (id) => clients.get(id) },
    replay: {
      remember: async (ns, key) => !seen.has(`${ns} ${key}`) && Boolean(seen.add(`${ns} ${key}`)),
      purgeExpired: async () => 0,
    },
    assertionAudiences: [ISSUER, TOKEN],
    clockSkew: 60,
    now: () => NOW,
    ...over,
  };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

const form = (p: Record<string, string>) => Params.parse(new URLSearchParams(p).toString());

async function assertion(claims: Record<string, unknown> = {}, lifetime = 60): Promise<string> {
  return new SignJWT({ jti: `jti-${Math.random()}`, aud: TOKEN, ...claims })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('jwt-client')
    .setSubject('jwt-client')
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + lifetime)
    .sign(privateKey);
}

const jwtForm = (jwt: string, extra: Record<string, string> = {}) =>
  form({ client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: jwt, ...extra });

/** The refusal `run` throws: wire error, status, challenge header and internal reason. */
async function refusal(run: Promise<unknown>) {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OAuthError);
  const e = err as OAuthError;
  return {
    error: e.error,
    status: e.status,
    challenge: e.headers['WWW-Authenticate'],
    retryAfter: e.headers['Retry-After'],
    reason: e.reason,
  };
}

describe('client_secret_basic and client_secret_post (RFC 6749 §2.3.1)', () => {
  it('accepts the secret in the header or the body, and says which method was used', async () => {
    await expect(authenticateClient(basic('basic-client', SECRET), form({}), deps())).resolves.toMatchObject({
      client: { clientId: 'basic-client' },
      method: 'client_secret_basic',
    });
    await expect(
      authenticateClient(undefined, form({ client_id: 'post-client', client_secret: SECRET }), deps()),
    ).resolves.toMatchObject({ client: { clientId: 'post-client' }, method: 'client_secret_post' });
  });

  it('form-decodes the id and secret of the Basic header', async () => {
    await expect(authenticateClient(basic('a b:c', 's p:x'), form({}), deps())).resolves.toMatchObject({
      client: { clientId: 'a b:c' },
    });
  });

  it('refuses a wrong secret with 401 and, for Basic, the Basic challenge (RFC 6749 §5.2)', async () => {
    expect(await refusal(authenticateClient(basic('basic-client', 'wrong'), form({}), deps()))).toEqual({
      error: 'invalid_client',
      status: 401,
      challenge: 'Basic realm="mandate", charset="UTF-8"',
      retryAfter: undefined,
      reason: 'bad_secret',
    });
    expect(
      await refusal(
        authenticateClient(undefined, form({ client_id: 'post-client', client_secret: 'x' }), deps()),
      ),
    ).toMatchObject({ error: 'invalid_client', status: 401, challenge: undefined, reason: 'bad_secret' });
  });

  it('refuses a malformed header, an unknown client and the wrong method', async () => {
    expect(await refusal(authenticateClient('Basic !!!', form({}), deps()))).toMatchObject({
      error: 'invalid_client',
      challenge: expect.stringContaining('Basic'),
    });
    expect(await refusal(authenticateClient(basic('nobody', SECRET), form({}), deps()))).toMatchObject({
      error: 'invalid_client',
      reason: 'unknown_client',
    });
    expect(await refusal(authenticateClient(basic('post-client', SECRET), form({}), deps()))).toMatchObject({
      error: 'invalid_client',
      reason: 'method_mismatch',
    });
  });

  it('where the body is no form (AuthZEN), a client_secret_post client presents its secret with Basic', async () => {
    const json = deps({ secretByBasic: true });
    await expect(authenticateClient(basic('post-client', SECRET), form({}), json)).resolves.toMatchObject({
      client: { clientId: 'post-client' },
      method: 'client_secret_basic',
    });
    expect(await refusal(authenticateClient(basic('post-client', 'wrong'), form({}), json))).toMatchObject({
      error: 'invalid_client',
      reason: 'bad_secret',
    });
    // Only the two secret methods are one credential: a key-based client is still refused.
    expect(await refusal(authenticateClient(basic('jwt-client', SECRET), form({}), json))).toMatchObject({
      reason: 'method_mismatch',
    });
  });

  it('refuses a body client_id that is not the header one, and two methods at once', async () => {
    expect(
      await refusal(authenticateClient(basic('basic-client', SECRET), form({ client_id: 'other' }), deps())),
    ).toMatchObject({ error: 'invalid_request', status: 400 });
    expect(
      await refusal(
        authenticateClient(basic('basic-client', SECRET), form({ client_secret: SECRET }), deps()),
      ),
    ).toMatchObject({ error: 'invalid_request', reason: 'multiple_auth_methods' });
  });
});

describe('public clients (none)', () => {
  it('are identified by client_id alone; a request naming no client is refused', async () => {
    await expect(
      authenticateClient(undefined, form({ client_id: 'public-client' }), deps()),
    ).resolves.toMatchObject({ method: 'none' });
    expect(await refusal(authenticateClient(undefined, form({}), deps()))).toMatchObject({
      error: 'invalid_client',
      status: 401,
      reason: 'no_client',
    });
    expect(
      await refusal(authenticateClient(undefined, form({ client_id: 'basic-client' }), deps())),
    ).toMatchObject({ error: 'invalid_client', reason: 'method_mismatch' });
  });
});

describe('the client registry', () => {
  it('unavailable: 503 temporarily_unavailable with Retry-After, never a 500', async () => {
    const down = deps({ clients: { get: () => Promise.reject(new Error('connection refused')) } });
    expect(await refusal(authenticateClient(basic('basic-client', SECRET), form({}), down))).toEqual({
      error: 'temporarily_unavailable',
      status: 503,
      challenge: undefined,
      retryAfter: '2',
      reason: 'client_store_unavailable',
    });
  });

  it('a refusal the lookup decided (a client metadata document) passes through as it is', async () => {
    const refused = new OAuthError('invalid_client', 'metadata document refused', {
      reason: 'cimd_metadata',
    });
    const lookup = deps({ clients: { get: () => Promise.reject(refused) } });
    await expect(
      authenticateClient(undefined, form({ client_id: 'https://c.example/x' }), lookup),
    ).rejects.toBe(refused);
  });
});

describe('private_key_jwt (RFC 7523 §2.2, §3)', () => {
  it('accepts a signed assertion naming the token endpoint or the issuer', async () => {
    await expect(authenticateClient(undefined, jwtForm(await assertion()), deps())).resolves.toMatchObject({
      client: { clientId: 'jwt-client' },
      method: 'private_key_jwt',
    });
    await expect(
      authenticateClient(undefined, jwtForm(await assertion({ aud: ISSUER })), deps()),
    ).resolves.toMatchObject({ method: 'private_key_jwt' });
  });

  it('accepts an assertion once (§3 point 7)', async () => {
    const d = deps();
    const jwt = await assertion();
    await authenticateClient(undefined, jwtForm(jwt), d);
    expect(await refusal(authenticateClient(undefined, jwtForm(jwt), d))).toMatchObject({
      error: 'invalid_client',
      reason: 'assertion_replay',
    });
  });

  it.each([
    ['another audience', () => assertion({ aud: 'https://elsewhere.example' }), {}, 'assertion_claim_aud'],
    ['a lifetime over 300 s', () => assertion({}, 301), {}, 'assertion_lifetime'],
    ['an expired one', () => assertion({}, -120), {}, 'assertion_expired'],
    ['a jti that is not a string', () => assertion({ jti: 42 }), {}, 'assertion_claim_invalid'],
    ['a body client_id that is not its sub', () => assertion(), { client_id: 'other' }, 'assertion_sub'],
  ] as const)('refuses %s', async (_name, make, extra, reason) => {
    expect(await refusal(authenticateClient(undefined, jwtForm(await make(), extra), deps()))).toMatchObject({
      error: 'invalid_client',
      status: 401,
      reason,
    });
  });

  it('refuses a wrong assertion type, a non-JWT and a client without keys', async () => {
    expect(
      await refusal(
        authenticateClient(
          undefined,
          form({ client_assertion_type: 'urn:other', client_assertion: await assertion() }),
          deps(),
        ),
      ),
    ).toMatchObject({ error: 'invalid_client', reason: 'bad_assertion_type' });
    expect(await refusal(authenticateClient(undefined, jwtForm('not-a-jwt'), deps()))).toMatchObject({
      error: 'invalid_client',
      reason: 'malformed_assertion',
    });
    const keyless = await new SignJWT({ jti: 'k' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('keyless-client')
      .setSubject('keyless-client')
      .setAudience(TOKEN)
      .setExpirationTime(NOW + 60)
      .sign(privateKey);
    expect(await refusal(authenticateClient(undefined, jwtForm(keyless), deps()))).toMatchObject({
      error: 'invalid_client',
      reason: 'no_keys',
    });
  });
});
