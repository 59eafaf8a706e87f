/**
 * Mandate's signing keys as each instance holds them (standards.md, JWT access tokens: "rotation
 * publishes the next key before signing with it and keeps the old one until every token it signed
 * has expired"). Postgres is the source of truth; every instance re-reads it periodically, so a
 * rotation made by one instance or by `mandate keys rotate` reaches all of them.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { listSigningKeys, type SigningKeyRow } from '../store/signing-keys.js';
import { ensureSigningKeys, publicJwkOf, SIGNING_ALG } from './generate.js';
import { open } from './kek.js';

export interface SigningKey {
  kid: string;
  alg: 'ES256';
  privateKey: KeyObject;
}

export interface KeyStore {
  /** The active key: the only one that signs. */
  signingKey(): SigningKey;
  /** Public keys by kid for verifying Mandate's own tokens: active, next, and unexpired retired. */
  publicKeys(): Map<string, KeyObject>;
  /** The JWKS document (RFC 7517 §5): public members only. */
  jwks(): { keys: JWK[] };
  /** Re-reads the keys from the database now. */
  refresh(): Promise<void>;
  /** Stops the periodic refresh. */
  close(): void;
}

export interface KeyStoreOptions {
  db: Db;
  kek: Buffer;
  /**
   * Longest access-token lifetime. The store reads retirement expiry from the rows (rotate.ts sets
   * it); this is checked here so that a misconfigured service fails at start-up, not at rotation.
   */
  maxTokenTtlSeconds: number;
  log: Logger;
  /** Clock in epoch seconds. */
  now?: () => number;
  /** How often to re-read the keys (default 30 s). Rotation skew must exceed it (see rotate.ts). */
  refreshSeconds?: number;
}

interface Published {
  row: SigningKeyRow;
  publicKey: KeyObject;
}

interface State {
  active: SigningKey;
  published: Published[];
}

const epochNow = (): number => Math.floor(Date.now() / 1000);

export async function createKeyStore(opts: KeyStoreOptions): Promise<KeyStore> {
  const { db, kek, log } = opts;
  const now = opts.now ?? epochNow;
  const refreshMs = (opts.refreshSeconds ?? 30) * 1000;
  if (!(opts.maxTokenTtlSeconds > 0))
    throw new Error('maxTokenTtlSeconds must be a positive number of seconds');
  if (!(refreshMs > 0)) throw new Error('refreshSeconds must be a positive number of seconds');
  // Decrypted private keys by kid: a refresh that finds the same active key does not unseal again.
  const privateKeys = new Map<string, KeyObject>();

  const created = await db.tx((q) => ensureSigningKeys(q, kek, now()));
  if (created.length > 0) log.info('keys: generated signing keys', { kids: created });

  const load = async (): Promise<State> => {
    const rows = await listSigningKeys(db);
    const activeRow = rows.find((r) => r.state === 'active');
    if (!activeRow) throw new Error('no active signing key in the database');
    let privateKey = privateKeys.get(activeRow.kid);
    if (!privateKey) {
      privateKey = createPrivateKey({
        key: open(kek, activeRow.kid, activeRow.privateEnc),
        format: 'der',
        type: 'pkcs8',
      });
      privateKeys.clear();
      privateKeys.set(activeRow.kid, privateKey);
    }
    const published = rows.map((row) => ({
      row,
      publicKey: createPublicKey({ key: row.publicJwk, format: 'jwk' }),
    }));
    return { active: { kid: activeRow.kid, alg: SIGNING_ALG, privateKey }, published };
  };

  let state = await load();
  log.info('keys: signing with', { kid: state.active.kid });

  // Retired keys leave as soon as every token they signed has expired, even between refreshes.
  const live = (): Published[] =>
    state.published.filter((p) => p.row.state !== 'retired' || (p.row.expiresAt ?? 0) > now());

  const refresh = async (): Promise<void> => {
    const next = await load();
    if (next.active.kid !== state.active.kid) log.info('keys: active key changed', { kid: next.active.kid });
    state = next;
  };

  const timer = setInterval(() => {
    // A failed refresh keeps the last keys: signing goes on with a key verifiers still accept.
    refresh().catch((err: unknown) =>
      log.error('keys: refresh failed', { error: err instanceof Error ? err.message : String(err) }),
    );
  }, refreshMs);
  timer.unref();

  return {
    signingKey: () => state.active,
    publicKeys: () => new Map(live().map((p) => [p.row.kid, p.publicKey])),
    jwks: () => ({ keys: live().map((p) => publicJwkOf(p.row.publicJwk, p.row.kid)) }),
    refresh,
    close: () => clearInterval(timer),
  };
}
