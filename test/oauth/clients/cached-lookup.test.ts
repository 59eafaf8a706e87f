import { afterEach, describe, expect, it, vi } from 'vitest';
import { cachedLookup } from '../../../src/oauth/clients/cached-lookup.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('cachedLookup', () => {
  it('serves hits and misses from the cache for ttlMs, then asks again', async () => {
    vi.useFakeTimers({ now: 1_000 });
    const asked: string[] = [];
    const lookup = cachedLookup(async (k) => (asked.push(k), k === 'known' ? { id: k } : undefined), 500);
    expect(await lookup.get('known')).toEqual({ id: 'known' });
    expect(await lookup.get('unknown')).toBeUndefined();
    expect(await lookup.get('known')).toEqual({ id: 'known' });
    expect(await lookup.get('unknown')).toBeUndefined();
    expect(asked).toEqual(['known', 'unknown']);
    vi.setSystemTime(1_499);
    await lookup.get('known');
    expect(asked).toHaveLength(2);
    vi.setSystemTime(1_500);
    await lookup.get('known');
    expect(asked).toEqual(['known', 'unknown', 'known']);
  });

  it('does not remember a failed lookup', async () => {
    let calls = 0;
    const lookup = cachedLookup(async () => {
      calls++;
      if (calls === 1) throw new Error('db down');
      return 'ok';
    }, 60_000);
    await expect(lookup.get('k')).rejects.toThrow('db down');
    await expect(lookup.get('k')).resolves.toBe('ok');
    await expect(lookup.get('k')).resolves.toBe('ok');
    expect(calls).toBe(2);
  });

  it('starts afresh when full, and clear() forgets everything', async () => {
    let calls = 0;
    const lookup = cachedLookup(async (k) => (calls++, k), 60_000, 2);
    await lookup.get('a');
    await lookup.get('b');
    await lookup.get('c');
    expect(calls).toBe(3);
    await lookup.get('c');
    expect(calls).toBe(3);
    await lookup.get('a');
    expect(calls).toBe(4);
    lookup.clear();
    await lookup.get('a');
    expect(calls).toBe(5);
  });
});
