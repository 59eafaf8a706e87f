/**
 * A bounded map that forgets its least recently used entry first: the caches of the DPoP verifier
 * (imported keys, checked proof headers) are keyed by what clients send, so they must not grow with
 * the number of clients.
 */

/** A map of at most `max` entries, least recently used evicted first. */
export interface Lru<V> {
  /** The entry for `key`, now the most recently used, or undefined. */
  get(key: string): V | undefined;
  /** Stores `value` for `key` as the most recently used entry; returns `value`. */
  set(key: string, value: V): V;
  readonly size: number;
}

export function createLru<V>(max: number): Lru<V> {
  const entries = new Map<string, V>();
  return {
    get size() {
      return entries.size;
    },
    get(key) {
      const hit = entries.get(key);
      if (hit !== undefined) {
        // Re-inserting moves the entry to the most recently used end of the Map's order.
        entries.delete(key);
        entries.set(key, hit);
      }
      return hit;
    },
    set(key, value) {
      entries.delete(key);
      if (entries.size >= max) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, value);
      return value;
    },
  };
}
