/**
 * A bounded cache of short-lived values with single flight: concurrent requests for the same key
 * share one in-flight load, a value is served until its refresh time, and failures are never
 * cached (the next request tries again).
 */

export interface CachedValue<T> {
  value: T;
  /** Seconds since the epoch after which the value must be loaded again. */
  refreshAt: number;
}

export interface TokenCache<T> {
  get(key: string, load: () => Promise<CachedValue<T>>): Promise<T>;
  delete(key: string): void;
  readonly size: number;
}

export function createTokenCache<T>(opts: { maxEntries: number; now: () => number }): TokenCache<T> {
  const entries = new Map<string, CachedValue<T>>();
  const inflight = new Map<string, Promise<T>>();

  const store = (key: string, entry: CachedValue<T>): void => {
    entries.delete(key);
    if (entries.size >= opts.maxEntries) {
      const now = opts.now();
      for (const [k, e] of entries) if (e.refreshAt <= now) entries.delete(k);
      // Still full: drop the least recently stored (Map keeps insertion order).
      while (entries.size >= opts.maxEntries) entries.delete(entries.keys().next().value as string);
    }
    entries.set(key, entry);
  };

  return {
    get size() {
      return entries.size;
    },
    delete(key) {
      entries.delete(key);
    },
    get(key, load) {
      const hit = entries.get(key);
      if (hit !== undefined && hit.refreshAt > opts.now()) return Promise.resolve(hit.value);
      const pending = inflight.get(key);
      if (pending !== undefined) return pending;
      const p = load()
        .then((entry) => {
          if (entry.refreshAt > opts.now()) store(key, entry);
          else entries.delete(key);
          return entry.value;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
  };
}
