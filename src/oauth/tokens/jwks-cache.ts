/**
 * Key sets by URL or inline, built once and reused: jose's remote key set caches the document,
 * honours a cooldown between refetches and refetches when an unknown `kid` appears (rotation).
 */
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

const remote = new Map<string, JWTVerifyGetKey>();
const local = new WeakMap<object, JWTVerifyGetKey>();

export function remoteKeySet(url: string): JWTVerifyGetKey {
  let set = remote.get(url);
  if (set === undefined) {
    set = createRemoteJWKSet(new URL(url), {
      timeoutDuration: 3000,
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
    });
    remote.set(url, set);
  }
  return set;
}

export function localKeySet(jwks: JSONWebKeySet): JWTVerifyGetKey {
  let set = local.get(jwks);
  if (set === undefined) {
    set = createLocalJWKSet(jwks);
    local.set(jwks, set);
  }
  return set;
}
