/**
 * Wires the clients that register themselves: RFC 7591 registration, Client ID Metadata Documents
 * and the client lookup that serves both alongside configured clients, plus the periodic clean-up
 * of the ones left unused. The service builds one of these at boot.
 */
import type { Logger } from '../../log.js';
import type { ClientRecord, ClientRepo } from '../../store/clients.js';
import type { FetchObserver, SafeFetchOptions } from './cimd/safe-fetch.js';
import { createRemoteJwksFetcher } from './cimd/remote-jwks.js';
import { createCimdResolver } from './cimd/cimd-resolver.js';
import type { ClientLookup } from './client.js';
import { createClientLookup } from './client-lookup.js';
import { startClientReaper } from './client-reaper.js';
import { registerClient } from './register-client.js';

export interface SelfRegistrationSettings {
  dynamicClientTtl: number;
  cimdAllowedHosts: string[];
  cimdTimeoutMs: number;
  cimdCa: string | undefined;
}

export interface SelfRegistrationDeps {
  settings: SelfRegistrationSettings;
  repo: Pick<ClientRepo, 'insert' | 'upsertCimd' | 'touch' | 'purgeExpired'>;
  /** The store lookup, usually behind a short cache. */
  get(clientId: string): Promise<ClientRecord | undefined>;
  now: () => number;
  log: Logger;
  /** Told the outcome of every metadata document and jwks_uri fetch (metrics). */
  observeFetch?: FetchObserver;
  /** How often expired clients are deleted. */
  reapIntervalMs?: number;
}

export interface SelfRegistration {
  lookup: ClientLookup;
  register(body: unknown): Promise<Record<string, unknown>>;
  /** Deletes expired self-registered clients now; resolves how many. */
  sweep(): Promise<number>;
  stop(): void;
}

const REAP_INTERVAL_MS = 10 * 60 * 1000;

export function createSelfRegistration(deps: SelfRegistrationDeps): SelfRegistration {
  const { settings, repo, now, log } = deps;
  const ttl = settings.dynamicClientTtl;
  const fetch: Omit<SafeFetchOptions, 'maxBytes'> = {
    timeoutMs: settings.cimdTimeoutMs,
    allowedHosts: new Set(settings.cimdAllowedHosts),
    ...(settings.cimdCa === undefined ? {} : { ca: settings.cimdCa }),
    ...(deps.observeFetch === undefined ? {} : { observe: deps.observeFetch }),
  };
  const cimd = createCimdResolver({ fetch, upsert: (r) => repo.upsertCimd(r), now, ttl });
  const lookup = createClientLookup({
    get: deps.get,
    touch: (id, at, expiresAt) => repo.touch(id, at, expiresAt),
    cimd,
    remoteJwks: createRemoteJwksFetcher(fetch, now),
    now,
    ttl,
    log,
  });
  const reaper = startClientReaper({
    purgeExpired: (t) => repo.purgeExpired(t),
    now,
    intervalMs: deps.reapIntervalMs ?? REAP_INTERVAL_MS,
    log,
  });
  return {
    lookup,
    register: (body) => registerClient(body, { insert: (r) => repo.insert(r), now, ttl }),
    sweep: () => reaper.sweep(),
    stop: () => reaper.stop(),
  };
}
