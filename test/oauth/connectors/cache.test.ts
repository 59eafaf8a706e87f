/** The downstream token cache (src/oauth/connectors/cache.ts): reuse, refresh, single flight, failures. */
import { describe, expect, it } from 'vitest';
import { cacheKey, createConnectorTokenCache } from '../../../src/oauth/connectors/cache.js';
import type { ConnectorToken } from '../../../src/oauth/connectors/downstream.js';

const token = (n: number, expiresIn = 100): ConnectorToken => ({
  accessToken: `t${n}`,
  tokenType: 'Bearer',
  expiresIn,
  passThrough: {},
});

describe('createConnectorTokenCache', () => {
  it('reuses a token until refreshBefore seconds before it expires, then fetches again', async () => {
    const cache = createConnectorTokenCache();
    let calls = 0;
    const fetch = async () => token(++calls);
    expect(await cache.get('k', 10, 1000, fetch)).toMatchObject({
      token: { accessToken: 't1' },
      exp: 1100,
      cached: false,
    });
    expect(await cache.get('k', 10, 1089, fetch)).toMatchObject({
      token: { accessToken: 't1' },
      cached: true,
    });
    expect(await cache.get('k', 10, 1090, fetch)).toMatchObject({
      token: { accessToken: 't2' },
      exp: 1190,
      cached: false,
    });
    expect(calls).toBe(2);
  });

  it('shares one call between concurrent misses for a key, not between keys', async () => {
    const cache = createConnectorTokenCache();
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      return token(calls);
    };
    const got = await Promise.all([
      cache.get('a', 0, 0, fetch),
      cache.get('a', 0, 0, fetch),
      cache.get('b', 0, 0, fetch),
    ]);
    expect(calls).toBe(2);
    expect(got.map((g) => g.cached)).toEqual([false, true, false]);
    expect(got[0]!.token).toBe(got[1]!.token);
  });

  it('keeps no failure: every waiter gets it, and the next get calls again', async () => {
    const cache = createConnectorTokenCache();
    let calls = 0;
    const failing = async (): Promise<ConnectorToken> => {
      calls += 1;
      throw new Error('down');
    };
    const both = await Promise.allSettled([cache.get('k', 0, 0, failing), cache.get('k', 0, 0, failing)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect((await cache.get('k', 0, 0, async () => token(9))).token.accessToken).toBe('t9');
    expect(cache.size()).toBe(1);
  });

  it('keys on every part, scopes in any order', () => {
    expect(cacheKey('s', 'iss', 'alice', 'a@x', ['b', 'a'])).toBe(
      cacheKey('s', 'iss', 'alice', 'a@x', ['a', 'b']),
    );
    expect(cacheKey('s', 'iss', 'alice', 'a@x', ['a'])).not.toBe(
      cacheKey('s', 'iss2', 'alice', 'a@x', ['a']),
    );
    expect(cacheKey('s', 'i', 'a', 'x', ['a'])).not.toBe(cacheKey('s', 'i', 'a', 'y', ['a']));
  });
});
