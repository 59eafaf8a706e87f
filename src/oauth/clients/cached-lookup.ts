/**
 * A short-lived cache in front of a lookup that would otherwise hit Postgres on every token request.
 * Entries live `ttlMs` (a configuration sync or registration is seen within that time); misses are
 * cached too, so a flood of unknown client ids costs one query per id per period.
 */
export function cachedLookup<T>(
  get: (key: string) => Promise<T | undefined>,
  ttlMs: number,
  maxEntries = 10_000,
): { get(key: string): Promise<T | undefined>; clear(): void } {
  const entries = new Map<string, { value: Promise<T | undefined>; expires: number }>();
  return {
    get(key) {
      const now = Date.now();
      const hit = entries.get(key);
      if (hit !== undefined && hit.expires > now) return hit.value;
      if (entries.size >= maxEntries) entries.clear();
      const value = get(key);
      entries.set(key, { value, expires: now + ttlMs });
      // A failed lookup is not remembered.
      value.catch(() => entries.delete(key));
      return value;
    },
    clear: () => entries.clear(),
  };
}
