/**
 * The policy: the decision service over the configured bundle (a file, watched, or a bundle
 * server, polled), hot-swapped.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { instrumentDecisions } from '../ops/instrument.js';
import { traceDecisions } from '../ops/trace-ports.js';
import type { Metrics } from '../ops/metrics.js';
import { createDecisionService, type PolicyDecisionService } from '../policy/engine.js';
import { isBundleUrl, remoteSource } from '../policy/remote.js';
import type { Built } from './built.js';

export async function buildPolicy(
  config: Config,
  log: Logger,
  metrics: Metrics,
): Promise<Built<PolicyDecisionService>> {
  const decisions = await createDecisionService({
    bundlePath: config.policyBundle,
    ...(isBundleUrl(config.policyBundle)
      ? { source: remoteSource(config.policyBundle, { ...config.policyRemote, log }) }
      : {}),
    ...(config.policyPublicKey === undefined ? {} : { verificationKey: config.policyPublicKey }),
    registry: config.registry,
    log,
    watch: true,
  });
  metrics.attach({ policy: () => decisions.status() });
  return { value: traceDecisions(instrumentDecisions(decisions, metrics)), close: () => decisions.close() };
}
