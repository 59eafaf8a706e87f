/**
 * An in-memory DPoP replay cache (RFC 9449 §11.1) for a resource server running as one process.
 * Several instances behind a load balancer must share one store instead (the `ReplayStore` port,
 * e.g. Mandate's Postgres store), or a proof refused by one would be accepted by another.
 */
/**
 * Where single-use identifiers are remembered until they expire (DPoP proof `jti`s, RFC 9449 §11.1).
 * One store must be shared by every instance that accepts the same proofs.
 */
export interface ReplayStore {
  /**
   * Records `key` in `namespace` until `expiresAt` (seconds since the epoch).
   * Resolves true the first time a live key is seen, false when it is a replay.
   * May throw for a record it cannot hold; the verifier then refuses the proof.
   */
  remember(namespace: string, key: string, expiresAt: number): Promise<boolean>;
  /** Deletes expired records; returns how many were removed. */
  purgeExpired(now: number): Promise<number>;
}

/**
 * Creates a bounded in-memory {@link ReplayStore}. Records live until their expiry; past
 * `maxEntries` live records, new proofs are refused (`remember` throws, which the verifier answers
 * with `temporarily_unavailable`) rather than evicting a live record, which would reopen a replay.
 */
export function createMemoryReplayStore(opts: { maxEntries?: number; now?: () => number } = {}): ReplayStore {
  const max = opts.maxEntries ?? 100_000;
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const records = new Map<string, number>();

  const purge = (at: number): number => {
    let removed = 0;
    for (const [key, exp] of records) {
      if (exp < at) {
        records.delete(key);
        removed++;
      }
    }
    return removed;
  };

  return {
    async remember(namespace, key, expiresAt) {
      const id = `${namespace}\u0000${key}`;
      const at = now();
      const existing = records.get(id);
      if (existing !== undefined && existing >= at) return false;
      if (records.size >= max) purge(at);
      if (records.size >= max) throw new Error('replay cache is full');
      records.set(id, expiresAt);
      return true;
    },
    async purgeExpired(at) {
      return purge(at);
    },
  };
}
