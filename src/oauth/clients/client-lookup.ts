/**
 * The client lookup every endpoint uses: configured and dynamically registered clients from the
 * store (through a short cache), URL client_ids through their metadata documents (CIMD). Expired
 * dynamic clients are unknown even before the reaper deletes them. Each use of a self-registered
 * client pushes its expiry back, at most once per interval per client, so that a busy client costs
 * no write per request.
 */
import type { JSONWebKeySet } from 'jose';
import type { Logger } from '../../log.js';
import type { ClientRecord } from '../../store/clients.js';
import type { CimdResolver } from './cimd/cimd-resolver.js';
import { isCimdClientId } from './cimd/cimd-document.js';
import type { ClientLookup, OAuthClient } from './client.js';

export interface ClientLookupDeps {
  /** The store lookup, usually behind a short cache. */
  get(clientId: string): Promise<ClientRecord | undefined>;
  touch(clientId: string, at: number, expiresAt: number): Promise<void>;
  /** Absent: URL client_ids are looked up in the store like any other. */
  cimd?: CimdResolver;
  /** Fetches a self-registered client's `jwks_uri` (SSRF-safe); see cimd/remote-jwks.ts. */
  remoteJwks(uri: string): Promise<JSONWebKeySet>;
  now: () => number;
  /** Seconds of disuse after which a self-registered client expires. */
  ttl: number;
  log: Logger;
}

const MAX_TRACKED = 10_000;

export function createClientLookup(deps: ClientLookupDeps): ClientLookup {
  const touchInterval = Math.max(1, Math.min(3600, Math.floor(deps.ttl / 10)));
  const touched = new Map<string, number>();

  function recordUse(c: ClientRecord): void {
    const now = deps.now();
    const last = Math.max(c.lastUsedAt ?? 0, touched.get(c.clientId) ?? 0);
    if (now - last < touchInterval) return;
    if (touched.size >= MAX_TRACKED) touched.clear();
    touched.set(c.clientId, now);
    deps.touch(c.clientId, now, now + deps.ttl).catch((err: unknown) => {
      touched.delete(c.clientId);
      deps.log.warn('clients: could not record a client use', { client_id: c.clientId, err: String(err) });
    });
  }

  /** A registered key URL is fetched here, safely, so client authentication only sees inline keys. */
  async function withKeys(c: ClientRecord): Promise<OAuthClient> {
    if (c.jwksUri === null || c.source === 'config') return c as unknown as OAuthClient;
    return { ...(c as unknown as OAuthClient), jwks: await deps.remoteJwks(c.jwksUri), jwksUri: null };
  }

  return {
    async get(clientId) {
      // The id may come from a claim read before any signature check (an unsigned client
      // assertion's `sub`), whatever its JSON type: only a string can name a client (issue 10 §2).
      if (typeof (clientId as unknown) !== 'string') return undefined;
      const stored = await deps.get(clientId);
      if (stored?.source === 'config') return stored as unknown as OAuthClient;
      if (deps.cimd !== undefined && isCimdClientId(clientId)) {
        const c = await deps.cimd.resolve(clientId);
        recordUse(c);
        return withKeys(c);
      }
      if (stored === undefined || stored.source !== 'dynamic') return undefined;
      if (stored.expiresAt !== null && stored.expiresAt <= deps.now()) return undefined;
      recordUse(stored);
      return withKeys(stored);
    },
  };
}
