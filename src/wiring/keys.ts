/**
 * The keys: the key-encryption key (from the environment, or generated into the data folder) and
 * the signing keys it seals in the database, with the JWKS they publish.
 */
import type { Config } from '../config/index.js';
import { resolveKek } from '../keys/kek.js';
import { createKeyStore, type KeyStore } from '../keys/keystore.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import type { Built } from './built.js';

export interface Keys {
  kek: Buffer;
  signing: KeyStore;
}

export async function buildKeys(config: Config, db: Db, log: Logger): Promise<Built<Keys>> {
  const kek = await resolveKek(config.kek, config.dataDir, log);
  const signing = await createKeyStore({ db, kek, maxTokenTtlSeconds: config.tokenTtl, log });
  return { value: { kek, signing }, close: () => signing.close() };
}
