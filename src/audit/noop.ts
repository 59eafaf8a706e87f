/**
 * An audit port that records nothing: the baseline the benchmarks compare the outbox against
 * (bench/audit.ts, and the exchange-endpoint benchmark). Never use it in a deployment: it breaks
 * the guarantee that no token exists without its event.
 */
import type { AuditPort } from './port.js';

export function createNoopAudit(): AuditPort {
  return {
    commit: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
