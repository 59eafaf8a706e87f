/**
 * Self-registered clients: the lifetime of an RFC 7591 registration, and how Client ID Metadata
 * Documents are fetched (the hosts allowed past the SSRF guard, the deadline, extra trust anchors).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';
import type { Config } from './config-type.js';
import type { Env } from './env.js';

function readCimdCa(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`MANDATE_CIMD_CA_FILE: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** The allowed hosts as the SSRF guard compares them: lower case, an IPv6 literal without brackets. */
export function clientRegistrationConfig(e: Env): Config['clientRegistration'] {
  return {
    dynamicClientTtl: e.MANDATE_DYNAMIC_CLIENT_TTL,
    cimdAllowedHosts: e.MANDATE_CIMD_ALLOWED_HOSTS.split(',')
      .map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/^\[(.*)\]$/, '$1'),
      )
      .filter((h) => h !== ''),
    cimdTimeoutMs: e.MANDATE_CIMD_TIMEOUT_MS,
    cimdCa: readCimdCa(e.MANDATE_CIMD_CA_FILE),
  };
}
