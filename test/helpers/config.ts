/** loadConfig's refusal of an environment, for the configuration tests. */
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** A localhost issuer and the example file: what every variable test starts from. */
export const BASE_ENV = { MANDATE_ISSUER: 'http://localhost:8080', MANDATE_CONFIG: 'examples/mandate.json' };

/** The ConfigError message loadConfig refuses `env` (over BASE_ENV) with; fails when it accepts it. */
export function configRefusal(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE_ENV, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted it');
}
