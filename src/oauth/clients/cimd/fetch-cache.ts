/**
 * A bounded in-process cache of fetches by URL: concurrent requests for one URL share one fetch,
 * each entry says how long it stays fresh, and failures are kept briefly so that a client_id that
 * does not resolve cannot make Mandate fetch it on every request.
 */
export const FAILURE_TTL_SECONDS = 10;

export interface FetchCache<T> {
  get(key: string, load: () => Promise<{ value: T; ttl: number }>): Promise<T>;
  delete(key: string): void;
}

export function createFetchCache<T>(now: () => number, maxEntries = 1_000): FetchCache<T> {
  const entries = new Map<string, { value: Promise<T>; expires: number }>();
  return {
    get(key, load) {
      const t = now();
      const hit = entries.get(key);
      if (hit !== undefined && hit.expires > t) return hit.value;
      entries.delete(key);
      // Oldest first (insertion order): evict to stay within bounds.
      while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      const entry = { value: Promise.resolve() as Promise<T>, expires: t + FAILURE_TTL_SECONDS };
      entry.value = load().then(
        ({ value, ttl }) => {
          entry.expires = now() + ttl;
          return value;
        },
        (err: unknown) => {
          entry.expires = now() + FAILURE_TTL_SECONDS;
          throw err;
        },
      );
      entry.value.catch(() => undefined);
      entries.set(key, entry);
      return entry.value;
    },
    delete: (key) => void entries.delete(key),
  };
}
