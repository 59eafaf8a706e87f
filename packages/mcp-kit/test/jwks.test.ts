import { beforeAll, describe, expect, it } from 'vitest';
import { createJwksClient, JwksError } from '../src/jwks.js';
import { JWKS_URI, jwksEndpoint, signingKey, type SigningKey } from './keys.js';

let k1: SigningKey;
let k2: SigningKey;
beforeAll(async () => {
  k1 = await signingKey('k1');
  k2 = await signingKey('k2');
});

function setup(opts: { cooldownMs?: number; cacheMaxAgeMs?: number } = {}) {
  const endpoint = jwksEndpoint([k1]);
  const clock = { ms: 1_000_000 };
  const client = createJwksClient({ jwksUri: JWKS_URI, fetch: endpoint.fetch, now: () => clock.ms, ...opts });
  return { endpoint, clock, client };
}

describe('JWKS client (RFC 7517 §5)', () => {
  it('fetches once and serves known kids from the cache', async () => {
    const { endpoint, client } = setup();
    const a = await client.getKey({ kid: 'k1', alg: 'ES256' });
    const b = await client.getKey({ kid: 'k1', alg: 'ES256' });
    expect(a.equals(b)).toBe(true);
    expect(endpoint.calls).toBe(1);
  });

  it('refetches when a new kid appears (rotation) once the cooldown has passed', async () => {
    const { endpoint, clock, client } = setup({ cooldownMs: 30_000 });
    await client.getKey({ kid: 'k1', alg: 'ES256' });
    endpoint.published.keys = [k1, k2];
    clock.ms += 30_000;
    const key = await client.getKey({ kid: 'k2', alg: 'ES256' });
    expect(key.asymmetricKeyType).toBe('ec');
    expect(endpoint.calls).toBe(2);
    // The old key stays usable while it is still published (overlap).
    await client.getKey({ kid: 'k1', alg: 'ES256' });
    expect(endpoint.calls).toBe(2);
  });

  it('does not refetch for unknown kids within the cooldown', async () => {
    const { endpoint, clock, client } = setup({ cooldownMs: 30_000 });
    await client.getKey({ kid: 'k1', alg: 'ES256' });
    clock.ms += 29_999;
    await expect(client.getKey({ kid: 'nope', alg: 'ES256' })).rejects.toMatchObject({ code: 'unknown_key' });
    await expect(client.getKey({ kid: 'nope2', alg: 'ES256' })).rejects.toBeInstanceOf(JwksError);
    expect(endpoint.calls).toBe(1);
  });

  it('re-reads the set past its maximum age and drops keys no longer published', async () => {
    const { endpoint, clock, client } = setup({ cacheMaxAgeMs: 60_000, cooldownMs: 1_000_000 });
    await client.getKey({ kid: 'k1', alg: 'ES256' });
    endpoint.published.keys = [k2];
    clock.ms += 60_000;
    await expect(client.getKey({ kid: 'k1', alg: 'ES256' })).rejects.toMatchObject({ code: 'unknown_key' });
    expect(endpoint.calls).toBe(2);
    await client.getKey({ kid: 'k2', alg: 'ES256' });
    expect(endpoint.calls).toBe(2);
  });

  it('keeps serving cached keys when a scheduled re-read fails', async () => {
    const { endpoint, clock, client } = setup({ cacheMaxAgeMs: 60_000 });
    await client.getKey({ kid: 'k1', alg: 'ES256' });
    endpoint.down = true;
    clock.ms += 60_000;
    await expect(client.getKey({ kid: 'k1', alg: 'ES256' })).resolves.toBeDefined();
  });

  it('says unavailable when the first fetch fails', async () => {
    const { endpoint, client } = setup();
    endpoint.down = true;
    await expect(client.getKey({ kid: 'k1', alg: 'ES256' })).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('shares one fetch between concurrent callers', async () => {
    const { endpoint, client } = setup();
    await Promise.all([1, 2, 3, 4, 5].map(() => client.getKey({ kid: 'k1', alg: 'ES256' })));
    expect(endpoint.calls).toBe(1);
  });

  it('refuses a key whose alg differs from the header and ambiguous kid-less lookups', async () => {
    const { endpoint, client } = setup();
    endpoint.published.keys = [k1, k2];
    await expect(client.getKey({ kid: 'k1', alg: 'RS256' })).rejects.toMatchObject({ code: 'unknown_key' });
    await expect(client.getKey({ alg: 'ES256' })).rejects.toMatchObject({ code: 'unknown_key' });
  });

  it('ignores private and encryption keys in the set', async () => {
    const { endpoint, clock, client } = setup({ cooldownMs: 0 });
    endpoint.published.keys = [{ ...k2, jwk: { ...k2.jwk, use: 'enc' } }];
    clock.ms += 1;
    await expect(client.getKey({ kid: 'k2', alg: 'ES256' })).rejects.toMatchObject({ code: 'unknown_key' });
  });
});
