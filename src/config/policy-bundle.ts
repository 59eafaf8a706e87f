/**
 * The policy bundle's source (MANDATE_POLICY_*): a file, or a bundle server and how it is polled,
 * and the public key its signature is checked with.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import type { Config } from './config-type.js';
import type { Env } from './env.js';
import { defaultBundlePath } from './paths.js';

/** MANDATE_POLICY_BUNDLE: a bundle server's URL as given, a file path resolved. */
function policyBundle(e: Env): string {
  const v = e.MANDATE_POLICY_BUNDLE;
  if (v === undefined) return defaultBundlePath();
  if (!/^https?:\/\//i.test(v)) return resolve(v);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`MANDATE_POLICY_BUNDLE: ${JSON.stringify(v)} is not a valid URL`);
  }
  if (url.username !== '' || url.password !== '')
    throw new ConfigError(
      'MANDATE_POLICY_BUNDLE: a bundle server URL must not hold credentials; use MANDATE_POLICY_BEARER_TOKEN',
    );
  if (e.MANDATE_POLICY_POLL_MIN_SECONDS > e.MANDATE_POLICY_POLL_MAX_SECONDS)
    throw new ConfigError(
      `MANDATE_POLICY_POLL_MIN_SECONDS (${e.MANDATE_POLICY_POLL_MIN_SECONDS}) must not exceed MANDATE_POLICY_POLL_MAX_SECONDS (${e.MANDATE_POLICY_POLL_MAX_SECONDS})`,
    );
  return url.toString();
}

/** MANDATE_POLICY_PUBLIC_KEY's file, read at start-up so that a bad path fails there, not at the first bundle. */
export function readPolicyPublicKey(e: Env): string | undefined {
  if (e.MANDATE_POLICY_PUBLIC_KEY === undefined) return undefined;
  try {
    return readFileSync(e.MANDATE_POLICY_PUBLIC_KEY, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `MANDATE_POLICY_PUBLIC_KEY: cannot read ${e.MANDATE_POLICY_PUBLIC_KEY}: ${(err as Error).message}`,
    );
  }
}

/** Where the policy bundle comes from, how a bundle server is polled, and the key that signs it. */
export function policyConfig(
  e: Env,
  policyPublicKey: string | undefined,
): Pick<Config, 'policyBundle' | 'policyRemote' | 'policyPublicKey'> {
  return {
    policyBundle: policyBundle(e),
    policyRemote: {
      minDelaySeconds: e.MANDATE_POLICY_POLL_MIN_SECONDS,
      maxDelaySeconds: e.MANDATE_POLICY_POLL_MAX_SECONDS,
      longPollSeconds: e.MANDATE_POLICY_LONG_POLL_SECONDS,
      bearerToken: e.MANDATE_POLICY_BEARER_TOKEN,
      timeoutMs: e.MANDATE_POLICY_FETCH_TIMEOUT_MS,
    },
    policyPublicKey,
  };
}
