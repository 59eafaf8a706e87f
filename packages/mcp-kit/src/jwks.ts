/**
 * A JWKS client for resource servers (RFC 7517 §5, RFC 8414 `jwks_uri`): the key set is fetched
 * once and cached; an unknown `kid` triggers a refetch, because an authorization server publishes
 * its next key before signing with it (RFC 9068 §4, rotation with overlap); refetches are rate
 * limited so that tokens naming random `kid`s cannot make us hammer the issuer.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** Where the key set is, how long it is cached and how often an unknown `kid` may trigger a refetch. */
export interface JwksClientOptions {
  /** The authorization server's `jwks_uri`. */
  jwksUri: string;
  /** Re-read the key set at least this often, in milliseconds (default 10 minutes). */
  cacheMaxAgeMs?: number;
  /** Least time between two fetches caused by unknown `kid`s, in milliseconds (default 30 s). */
  cooldownMs?: number;
  /** Fetch timeout in milliseconds (default 3 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** Why no key could be found; `unavailable` when the key set could not be fetched at all. */
export class JwksError extends Error {
  readonly code: 'unknown_key' | 'unavailable';
  constructor(code: 'unknown_key' | 'unavailable', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksError';
    this.code = code;
  }
}

/** An issuer's JSON Web Key Set (RFC 7517 §5), cached, refetched on an unknown `kid`. */
export interface JwksClient {
  /**
   * The public key a JWS with this header was signed with (RFC 7515 §4.1.4 `kid`).
   * @throws JwksError
   */
  getKey(header: { kid?: string | undefined; alg?: string | undefined }): Promise<KeyObject>;
  /** How many times the key set has been fetched (for tests and metrics). */
  readonly fetches: number;
}

interface CachedKey {
  jwk: JWK;
  key: KeyObject;
}

const MAX_KEYS = 64;
const MAX_JWKS_BYTES = 256 * 1024;

function usable(jwk: JWK): boolean {
  return (jwk.use === undefined || jwk.use === 'sig') && jwk.d === undefined;
}

/** The key set's JSON at `uri`, bounded in time and size; any failure is `unavailable`. */
async function fetchKeySet(uri: string, doFetch: typeof fetch, timeoutMs: number): Promise<unknown> {
  try {
    const res = await doFetch(uri, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('key set too large');
    return JSON.parse(text);
  } catch (cause) {
    throw new JwksError('unavailable', `could not fetch the key set at ${uri}`, { cause });
  }
}

/** The usable public signing keys of a JWK set (at most MAX_KEYS looked at). */
function keysOf(uri: string, body: unknown): CachedKey[] {
  const list = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new JwksError('unavailable', `${uri} is not a JWK set`);
  const parsed: CachedKey[] = [];
  for (const jwk of list.slice(0, MAX_KEYS) as JWK[]) {
    if (typeof jwk !== 'object' || jwk === null || !usable(jwk)) continue;
    try {
      parsed.push({ jwk, key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) });
    } catch {
      // A key we cannot import (unknown kty or curve) is skipped, not fatal: others may be fine.
    }
  }
  return parsed;
}

function find(set: CachedKey[], kid: string | undefined, alg: string | undefined): KeyObject | undefined {
  const candidates = set.filter(
    (k) => (kid === undefined || k.jwk.kid === kid) && (k.jwk.alg === undefined || k.jwk.alg === alg),
  );
  // Without a kid the choice must be unambiguous (RFC 7517 §4.5).
  if (kid === undefined && candidates.length !== 1) return undefined;
  return candidates[0]?.key;
}

/** One client's settings and what it holds. */
interface JwksState {
  uri: string;
  maxAge: number;
  cooldown: number;
  timeout: number;
  doFetch: typeof fetch;
  now: () => number;
  keys: CachedKey[] | undefined;
  fetchedAt: number;
  fetches: number;
  inflight: Promise<CachedKey[]> | undefined;
}

async function load(st: JwksState): Promise<CachedKey[]> {
  st.fetches++;
  st.fetchedAt = st.now();
  st.keys = keysOf(st.uri, await fetchKeySet(st.uri, st.doFetch, st.timeout));
  return st.keys;
}

/** One fetch at a time: concurrent callers share it. */
function refresh(st: JwksState): Promise<CachedKey[]> {
  st.inflight ??= load(st).finally(() => {
    st.inflight = undefined;
  });
  return st.inflight;
}

async function getKey(st: JwksState, kid: string | undefined, alg: string | undefined): Promise<KeyObject> {
  let set = st.keys;
  if (set === undefined) set = await refresh(st);
  else if (st.now() - st.fetchedAt >= st.maxAge) {
    // Past its age the set is re-read; if the issuer is unreachable, the keys we had still hold.
    const held = set;
    set = await refresh(st).catch(() => held);
  }
  let key = find(set, kid, alg);
  if (key === undefined && st.now() - st.fetchedAt >= st.cooldown) {
    // Possibly a rotation we have not seen yet: look again, at most once per cooldown.
    set = await refresh(st);
    key = find(set, kid, alg);
  }
  if (key === undefined)
    throw new JwksError(
      'unknown_key',
      kid === undefined ? 'no unique signing key' : `unknown signing key ${kid}`,
    );
  return key;
}

/**
 * Creates a cached JWKS client (RFC 7517 §5): keys are fetched once, refetched when a token names an
 * unknown `kid` (key rotation), at most once per cooldown so that forged `kid`s cannot flood the issuer.
 */
export function createJwksClient(opts: JwksClientOptions): JwksClient {
  const st: JwksState = {
    uri: new URL(opts.jwksUri).href,
    maxAge: opts.cacheMaxAgeMs ?? 600_000,
    cooldown: opts.cooldownMs ?? 30_000,
    timeout: opts.timeoutMs ?? 3_000,
    doFetch: opts.fetch ?? fetch,
    now: opts.now ?? Date.now,
    keys: undefined,
    fetchedAt: -Infinity,
    fetches: 0,
    inflight: undefined,
  };
  return {
    get fetches() {
      return st.fetches;
    },
    getKey: ({ kid, alg }) => getKey(st, kid, alg),
  };
}
