/**
 * The periodic clean-up of self-registered clients that have gone unused past their expiry (dynamic
 * registrations, RFC 7591; stored metadata-document clients, which are simply fetched again). Runs
 * on every instance; the DELETE is idempotent, so instances need no coordination.
 */
import type { Logger } from '../../log.js';

export interface ClientReaperDeps {
  purgeExpired(now: number): Promise<number>;
  now: () => number;
  intervalMs: number;
  log: Logger;
}

export interface ClientReaper {
  /** One sweep; resolves how many clients were deleted. */
  sweep(): Promise<number>;
  stop(): void;
}

export function startClientReaper(deps: ClientReaperDeps): ClientReaper {
  let running: Promise<number> | undefined;
  const sweep = (): Promise<number> => {
    running ??= deps
      .purgeExpired(deps.now())
      .then(
        (n) => {
          if (n > 0) deps.log.info('clients: expired self-registered clients deleted', { deleted: n });
          return n;
        },
        (err: unknown) => {
          deps.log.warn('clients: clean-up of expired clients failed', { err: String(err) });
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), deps.intervalMs);
  // Never keeps the process alive on its own.
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
