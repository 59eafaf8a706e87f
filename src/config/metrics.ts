/** GET /metrics (MANDATE_METRICS_PORT): on the main port, on a port of its own, or not served. */
import { ConfigError } from './config-error.js';
import type { Config } from './config-type.js';
import type { Env } from './env.js';

function metricsPort(raw: string, main: number): number {
  const n = Number(raw);
  if (n < 1 || n > 65535)
    throw new ConfigError('MANDATE_METRICS_PORT: must be main, off or a TCP port 1-65535');
  if (n === main) throw new ConfigError('MANDATE_METRICS_PORT: is PORT; use main to serve metrics on it');
  return n;
}

/** `main` or `off` as given; a port of its own, which must not be PORT. */
export function metricsConfig(e: Env): Config['metrics'] {
  return e.MANDATE_METRICS_PORT === 'main' || e.MANDATE_METRICS_PORT === 'off'
    ? e.MANDATE_METRICS_PORT
    : { port: metricsPort(e.MANDATE_METRICS_PORT, e.PORT) };
}
