/**
 * Resolves a URL `client_id` to its client: fetch the metadata document SSRF-safely, validate it,
 * keep it as a `source = 'cimd'` row (so that grants and consents can refer to the client like any
 * other), and cache it as long as its Cache-Control allows, within bounds.
 */
import type { ClientRecord } from '../../../store/clients.js';
import { OAuthError } from '../../errors.js';
import { createFetchCache } from './fetch-cache.js';
import { cimdClientRecord, parseCimdUrl } from './cimd-document.js';
import { fetchForClient } from './fetch-errors.js';
import type { SafeFetchOptions } from './safe-fetch.js';
import { DEFAULT_FRESHNESS, freshnessSeconds, type FreshnessBounds } from './fetch-freshness.js';

/** CIMD §6.6 suggests a small limit; a document with inline keys still fits comfortably. */
export const MAX_DOCUMENT_BYTES = 16 * 1024;

export interface CimdResolverDeps {
  fetch: Omit<SafeFetchOptions, 'maxBytes'> & { maxBytes?: number };
  upsert(record: ClientRecord): Promise<boolean>;
  now: () => number;
  /** Seconds of disuse after which the stored row may be deleted (it is re-created on the next fetch). */
  ttl: number;
  freshness?: FreshnessBounds;
}

export interface CimdResolver {
  resolve(clientId: string): Promise<ClientRecord>;
}

export function createCimdResolver(deps: CimdResolverDeps): CimdResolver {
  const cache = createFetchCache<ClientRecord>(deps.now);
  const fetchOpts: SafeFetchOptions = { maxBytes: MAX_DOCUMENT_BYTES, ...deps.fetch };

  async function load(clientId: string): Promise<{ value: ClientRecord; ttl: number }> {
    const url = parseCimdUrl(clientId);
    const fetched = await fetchForClient(url, fetchOpts, 'metadata_document');
    const now = deps.now();
    const record = cimdClientRecord(clientId, fetched.body, now, now + deps.ttl);
    if (!(await deps.upsert(record)))
      throw new OAuthError('invalid_client', 'client_id is registered by other means', {
        reason: 'cimd_id_taken',
      });
    return {
      value: record,
      ttl: freshnessSeconds(fetched.cacheControl, deps.freshness ?? DEFAULT_FRESHNESS),
    };
  }

  return { resolve: (clientId) => cache.get(clientId, () => load(clientId)) };
}
