/**
 * The keys: the key-encryption key (from the environment, or generated into the data folder) and
 * the signing keys it seals in the database, with the JWKS they publish.
 */
import type { Config } from '../config/index.js';
import { createConnectorKeyStore, type ConnectorKeyStore } from '../keys/connector-keys.js';
import { resolveKek } from '../keys/kek.js';
import { createKeyStore, type KeyStore } from '../keys/keystore.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { keyedKinds } from '../oauth/connectors/kinds.js';
import type { Built } from './built.js';

export interface Keys {
  kek: Buffer;
  signing: KeyStore;
  /** The active assertion keys of the connectors that sign (ADR 0013), created when missing. */
  connectors: ConnectorKeyStore;
}

export async function buildKeys(config: Config, db: Db, log: Logger): Promise<Built<Keys>> {
  const kek = await resolveKek(config.kek, config.dataDir, log);
  const signing = await createKeyStore({ db, kek, maxTokenTtlSeconds: config.tokenTtl, log });
  const services = config.file.connectors.filter((c) => keyedKinds.includes(c.kind)).map((c) => c.service);
  const connectors = await createConnectorKeyStore({
    db,
    kek,
    services,
    onError: (err) => log.warn('connector keys could not be re-read', { err: String(err) }),
  });
  return {
    value: { kek, signing, connectors },
    close: () => {
      connectors.close();
      signing.close();
    },
  };
}
