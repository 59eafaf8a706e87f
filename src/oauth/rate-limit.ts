/**
 * Rate limits (issue 14 §4, ADR 0010): a fixed window of `limit` requests per `windowSeconds` for
 * each key of a named limit: the token endpoint per client, registration, the authorization
 * endpoint and the development IdP's login per client address. The counting is a port
 * (`WindowCounter`): Postgres when instances share one (store/rate-limits.ts), memory otherwise.
 *
 * A refusal is RFC 6585 §4's 429 with `Retry-After` and the OAuth error `temporarily_unavailable`
 * (RFC 6749 §4.1.2.1: "unable to handle the request due to a temporary overloading"), so the
 * client knows to retry later and with what delay. A counter that fails or is slow never refuses
 * a request (fail open, ADR 0010): the limit protects the service, so its outage must not become one.
 */
import type { Logger } from '../log.js';
import type { WindowCount } from '../store/rate-limits.js';
import { OAuthError } from './errors.js';

export type { WindowCount };

/** The limits Mandate applies, each with its own budget. */
export type RateLimitName = 'token' | 'register' | 'authorize' | 'login';

/** `limit` requests per key in each window of `windowSeconds`. */
export interface RateRule {
  limit: number;
  windowSeconds: number;
}

/** Counts requests per (limit, key) in fixed windows; shared by all instances when it can be. */
export interface WindowCounter {
  hit(name: RateLimitName, key: string, windowSeconds: number): Promise<WindowCount>;
}

/** The port the endpoints use: resolves when the request may proceed, throws the 429 otherwise. */
export interface RateLimits {
  /** Counts one request of `key` against limit `name`; throws {@link rateLimited} past it. */
  take(name: RateLimitName, key: string): Promise<void>;
}

/** Longest a counter may take before the request goes on uncounted (fail open). */
export const COUNTER_DEADLINE_MS = 1000;
/** At most one log line per this many milliseconds while the counter fails. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** The refusal: 429, `Retry-After` in whole seconds (at least 1), OAuth JSON. */
export function rateLimited(name: RateLimitName, retryAfterSeconds: number): OAuthError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new OAuthError('temporarily_unavailable', `too many requests; retry after ${seconds} seconds`, {
    status: 429,
    headers: { 'Retry-After': String(seconds) },
    reason: `rate_limited_${name}`,
  });
}

export interface RateLimitOptions {
  /** The rule of each limit; a limit without one is not applied. */
  rules: Partial<Record<RateLimitName, RateRule>>;
  counter: WindowCounter;
  log: Logger;
  /** Called for each refusal (metrics). */
  onRefused?: (name: RateLimitName) => void;
  /** Called when the counter failed or missed its deadline and the request went on (metrics). */
  onCounterFailure?: (name: RateLimitName) => void;
  deadlineMs?: number;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`rate-limit counter took more than ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The limits over a counter, failing open (with a log line) when the counter cannot answer. */
export function createRateLimits(opts: RateLimitOptions): RateLimits {
  const deadline = opts.deadlineMs ?? COUNTER_DEADLINE_MS;
  let lastFailureLog = -Infinity;
  return {
    async take(name, key) {
      const rule = opts.rules[name];
      if (rule === undefined) return;
      let count: WindowCount;
      try {
        count = await withDeadline(opts.counter.hit(name, key, rule.windowSeconds), deadline);
      } catch (err) {
        opts.onCounterFailure?.(name);
        const now = Date.now();
        if (now - lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
          lastFailureLog = now;
          opts.log.warn('rate limit not applied: the counter failed, so the request goes on (fail open)', {
            limit: name,
            error: String(err),
          });
        }
        return;
      }
      if (count.hits <= rule.limit) return;
      opts.onRefused?.(name);
      throw rateLimited(name, count.resetInSeconds);
    },
  };
}

/** The same limits applied to nothing: for contexts built without them (tests, tools). */
export const noRateLimits: RateLimits = { take: async () => undefined };
