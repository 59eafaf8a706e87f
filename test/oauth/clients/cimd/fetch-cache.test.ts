import { describe, expect, it } from 'vitest';
import { createFetchCache, FAILURE_TTL_SECONDS } from '../../../../src/oauth/clients/cimd/fetch-cache.js';

describe('createFetchCache', () => {
  it('keeps a value for its ttl and loads again once it expires', async () => {
    let t = 1000;
    let loads = 0;
    const cache = createFetchCache<number>(() => t);
    const load = async () => ({ value: ++loads, ttl: 60 });
    expect(await cache.get('u', load)).toBe(1);
    t = 1059;
    expect(await cache.get('u', load)).toBe(1);
    t = 1060;
    expect(await cache.get('u', load)).toBe(2);
  });

  it('shares one load between concurrent requests for a key', async () => {
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = createFetchCache<string>(() => 0);
    const load = async () => {
      loads++;
      await gate;
      return { value: 'v', ttl: 60 };
    };
    const both = Promise.all([cache.get('k', load), cache.get('k', load)]);
    release();
    expect(await both).toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('remembers a failure for FAILURE_TTL_SECONDS, then tries again', async () => {
    let t = 0;
    let loads = 0;
    const cache = createFetchCache<string>(() => t);
    const failing = async (): Promise<{ value: string; ttl: number }> => {
      loads++;
      throw new Error('down');
    };
    await expect(cache.get('k', failing)).rejects.toThrow('down');
    t = FAILURE_TTL_SECONDS - 1;
    await expect(cache.get('k', failing)).rejects.toThrow('down');
    expect(loads).toBe(1);
    t = FAILURE_TTL_SECONDS;
    await expect(cache.get('k', async () => ({ value: 'up', ttl: 5 }))).resolves.toBe('up');
  });

  it('evicts the oldest entry beyond maxEntries, and delete forgets a key', async () => {
    let loads = 0;
    const cache = createFetchCache<string>(() => 0, 2);
    const load = (v: string) => async () => (loads++, { value: v, ttl: 100 });
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    expect(loads).toBe(3);
    await cache.get('b', load('b2'));
    expect(loads).toBe(3);
    expect(await cache.get('a', load('a2'))).toBe('a2');
    cache.delete('a');
    expect(await cache.get('a', load('a3'))).toBe('a3');
  });
});
