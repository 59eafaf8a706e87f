/** The policy: the decision service over the configured bundle, watched and hot-swapped. */
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { createDecisionService, type PolicyDecisionService } from '../policy/engine.js';
import type { Built } from './built.js';

export async function buildPolicy(config: Config, log: Logger): Promise<Built<PolicyDecisionService>> {
  const decisions = await createDecisionService({
    bundlePath: config.policyBundle,
    ...(config.policyPublicKey === undefined ? {} : { verificationKey: config.policyPublicKey }),
    log,
    watch: true,
  });
  return { value: decisions, close: () => decisions.close() };
}
