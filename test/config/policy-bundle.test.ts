/**
 * The policy bundle's source (src/config/policy-bundle.ts): a file path is resolved, a bundle
 * server's URL kept as given but refused with credentials in it or poll delays that contradict,
 * and the public key is read at start-up.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { itRefuses, type RefusalCase } from '../helpers/config.js';

const cases: RefusalCase[] = [
  {
    name: 'a bundle server URL holding credentials',
    env: () => ({ MANDATE_POLICY_BUNDLE: 'https://ops:pw@bundles.example/policy.tar.gz' }),
    message: () =>
      'MANDATE_POLICY_BUNDLE: a bundle server URL must not hold credentials; use MANDATE_POLICY_BEARER_TOKEN',
  },
  {
    name: 'a bundle server polled with a minimum delay above the maximum',
    env: () => ({
      MANDATE_POLICY_BUNDLE: 'https://bundles.example/policy.tar.gz',
      MANDATE_POLICY_POLL_MIN_SECONDS: '300',
    }),
    message: () =>
      'MANDATE_POLICY_POLL_MIN_SECONDS (300) must not exceed MANDATE_POLICY_POLL_MAX_SECONDS (120)',
  },
  {
    name: 'a bundle server URL that is not a URL',
    env: () => ({ MANDATE_POLICY_BUNDLE: 'https://' }),
    message: () => 'MANDATE_POLICY_BUNDLE: "https://" is not a valid URL',
  },
];

describe('the policy bundle variables', () => {
  itRefuses(cases);

  it('resolve a file path and keep a bundle server URL', () => {
    expect(loadConfig({ MANDATE_POLICY_BUNDLE: 'bundles/x.tar.gz' }).policyBundle).toBe(
      resolve('bundles/x.tar.gz'),
    );
    const remote = loadConfig({ MANDATE_POLICY_BUNDLE: 'https://bundles.example/policy.tar.gz' });
    expect(remote.policyBundle).toBe('https://bundles.example/policy.tar.gz');
  });

  it('read the public key at start-up, naming an unreadable file', () => {
    expect(() => loadConfig({ MANDATE_POLICY_PUBLIC_KEY: '/nonexistent/policy.pem' })).toThrow(
      /^MANDATE_POLICY_PUBLIC_KEY: cannot read \/nonexistent\/policy\.pem: ENOENT/,
    );
  });
});
