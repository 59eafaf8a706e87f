/**
 * Downstream tokens kept per (service, user, downstream subject, scopes) until `refresh_before`
 * seconds before they expire, in this process only (ADR 0013), with single flight: concurrent
 * misses for one key share one downstream call. Failures are never kept.
 */
import type { ConnectorToken } from './downstream.js';

interface Held {
  token: ConnectorToken;
  /** Epoch seconds the token expires at. */
  exp: number;
}

export interface CachedToken {
  token: ConnectorToken;
  exp: number;
  /** Whether it was held already (no downstream call for this request). */
  cached: boolean;
}

export interface ConnectorTokenCache {
  get(
    key: string,
    refreshBefore: number,
    now: number,
    fetch: () => Promise<ConnectorToken>,
  ): Promise<CachedToken>;
  /** Tokens held (tests, metrics). */
  size(): number;
}

/** The key: every part the token depends on, unambiguous (JSON of the parts). */
export function cacheKey(
  service: string,
  iss: string,
  sub: string,
  subject: string,
  scopes: string[],
): string {
  return JSON.stringify([service, iss, sub, subject, [...scopes].sort()]);
}

/** Past this many tokens, expired ones are dropped before another is kept. */
const SWEEP_AT = 10_000;

export function createConnectorTokenCache(): ConnectorTokenCache {
  const held = new Map<string, Held>();
  const inFlight = new Map<string, Promise<Held>>();
  const sweep = (now: number): void => {
    if (held.size < SWEEP_AT) return;
    for (const [k, h] of held) if (h.exp <= now) held.delete(k);
  };
  return {
    async get(key, refreshBefore, now, fetch) {
      const h = held.get(key);
      if (h !== undefined && now < h.exp - refreshBefore) return { ...h, cached: true };
      let flight = inFlight.get(key);
      const shared = flight !== undefined;
      if (flight === undefined) {
        flight = fetch().then((token) => ({ token, exp: now + token.expiresIn }));
        inFlight.set(key, flight);
        void flight.then(
          (fresh) => {
            inFlight.delete(key);
            sweep(now);
            held.set(key, fresh);
          },
          () => inFlight.delete(key),
        );
      }
      const fresh = await flight;
      return { ...fresh, cached: shared };
    },
    size: () => held.size,
  };
}
