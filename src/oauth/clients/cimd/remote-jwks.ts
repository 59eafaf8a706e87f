/**
 * Key sets of self-registered clients (`jwks_uri` from a registration or a metadata document),
 * fetched through the SSRF-safe fetcher rather than a plain HTTP client: the URL was chosen by
 * whoever registered, so it gets the same address checks as a metadata document.
 */
import type { JSONWebKeySet } from 'jose';
import { OAuthError } from '../../errors.js';
import { createFetchCache } from './fetch-cache.js';
import { fetchForClient } from './fetch-errors.js';
import type { SafeFetchOptions } from './safe-fetch.js';
import { freshnessSeconds } from './fetch-freshness.js';

const MAX_JWKS_BYTES = 64 * 1024;

export function createRemoteJwksFetcher(
  opts: Omit<SafeFetchOptions, 'maxBytes'>,
  now: () => number,
): (uri: string) => Promise<JSONWebKeySet> {
  const cache = createFetchCache<JSONWebKeySet>(now);
  return (uri) =>
    cache.get(uri, async () => {
      const fetched = await fetchForClient(new URL(uri), { ...opts, maxBytes: MAX_JWKS_BYTES }, 'jwks_uri');
      const keys = (fetched.body as { keys?: unknown } | null)?.keys;
      if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null))
        throw new OAuthError('invalid_client', "the client's jwks_uri does not hold a JWK set", {
          reason: 'jwks_malformed',
        });
      return { value: { keys } as JSONWebKeySet, ttl: freshnessSeconds(fetched.cacheControl) };
    });
}
