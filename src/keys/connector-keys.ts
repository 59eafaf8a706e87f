/**
 * Downstream connectors' assertion signing keys (ADR 0013): one RSA-2048 key per connector service
 * (RS256: Salesforce's JWT Bearer Flow accepts only RSA, and every RFC 7523 server accepts RS256),
 * generated here, sealed under the KEK like the service's own keys (kek.ts), each with a
 * self-signed certificate. The lifecycle is the signing keys': `next` (published, so the SaaS side
 * can register it before it signs) → `active` (signs) → `retired` (kept for the record).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Db, Queryable } from '../store/db.js';
import {
  insertConnectorKey,
  listConnectorKeys,
  lockConnectorKeys,
  promoteConnectorKey,
  pruneRetiredConnectorKeys,
  type ConnectorKeyRow,
  type ConnectorKeyState,
} from '../store/connector-keys.js';
import { selfSignedCertificate } from './certificate.js';
import { open, seal } from './kek.js';

export const CONNECTOR_KEY_ALG = 'RS256';
/** Retired keys kept per service (for `mandate connectors list` and the audit trail of kids). */
const RETIRED_KEPT = 3;

/** The public JWK as a downstream server registers it: no private member, ever. */
export function connectorPublicJwk(jwk: JWK, kid: string): JWK {
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: CONNECTOR_KEY_ALG, use: 'sig' };
}

/** The seal's additional data binds the key to its service as well as its kid. */
const sealId = (service: string, kid: string): string => `connector ${service} ${kid}`;

export async function generateConnectorKey(
  kek: Buffer,
  service: string,
  state: ConnectorKeyState,
  now: number,
): Promise<ConnectorKeyRow> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n!, e: jwk.e! }, 'sha256');
  const certificatePem = await selfSignedCertificate({
    commonName: `Mandate connector ${service}`,
    privateKey,
    publicKey,
    now,
  });
  return {
    service,
    kid,
    alg: CONNECTOR_KEY_ALG,
    publicJwk: connectorPublicJwk(jwk, kid),
    privateEnc: seal(kek, sealId(service, kid), privateKey.export({ format: 'der', type: 'pkcs8' })),
    certificatePem,
    state,
    createdAt: now,
    activatedAt: state === 'active' ? now : null,
    retiredAt: null,
  };
}

/** Opens a stored key's private part (fails on another KEK or a row moved to another service). */
export function openConnectorKey(kek: Buffer, row: ConnectorKeyRow): KeyObject {
  return createPrivateKey({
    key: open(kek, sealId(row.service, row.kid), row.privateEnc),
    format: 'der',
    type: 'pkcs8',
  });
}

/**
 * Makes sure a service has an active and a next key, creating what is missing; call inside a
 * transaction (the advisory lock makes instances starting together create one pair). Returns the
 * kids created.
 */
export async function ensureConnectorKeys(
  q: Queryable,
  kek: Buffer,
  service: string,
  now: number,
): Promise<string[]> {
  await lockConnectorKeys(q);
  const keys = await listConnectorKeys(q, service);
  const created: string[] = [];
  for (const state of ['active', 'next'] as const) {
    if (keys.some((k) => k.state === state)) continue;
    const k = await generateConnectorKey(kek, service, state, now);
    await insertConnectorKey(q, k);
    created.push(k.kid);
  }
  return created;
}

export interface ConnectorRotation {
  activated: string;
  retired: string;
  next: string;
  removed: string[];
}

/**
 * next → active, active → retired, a new next key; in one transaction. The downstream server must
 * already trust the next key (its certificate or JWK registered) or assertions fail from now on.
 */
export async function rotateConnectorKeys(
  db: Db,
  kek: Buffer,
  service: string,
  now: number,
): Promise<ConnectorRotation> {
  return db.tx(async (q) => {
    await ensureConnectorKeys(q, kek, service, now);
    const keys = await listConnectorKeys(q, service);
    const active = keys.find((k) => k.state === 'active')!;
    const next = keys.find((k) => k.state === 'next')!;
    openConnectorKey(kek, next); // it is about to sign: this KEK must open it
    await promoteConnectorKey(q, service, active.kid, next.kid, now);
    const fresh = await generateConnectorKey(kek, service, 'next', now);
    await insertConnectorKey(q, fresh);
    const removed = await pruneRetiredConnectorKeys(q, service, RETIRED_KEPT);
    return { activated: next.kid, retired: active.kid, next: fresh.kid, removed };
  });
}

/** The key a connector signs with now. */
export interface ConnectorSigningKey {
  service: string;
  kid: string;
  alg: typeof CONNECTOR_KEY_ALG;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface ConnectorKeyStore {
  /** The active key of a service this store was opened for; throws for any other. */
  signingKey(service: string): ConnectorSigningKey;
  /** Re-reads the keys (a rotation by another instance or by the CLI). */
  refresh(): Promise<void>;
  close(): void;
}

export interface ConnectorKeyStoreOptions {
  db: Db;
  kek: Buffer;
  services: readonly string[];
  now?: () => number;
  refreshSeconds?: number;
  onError?: (err: unknown) => void;
}

/** Creates the services' keys when missing, then holds their active keys, re-read periodically. */
export async function createConnectorKeyStore(opts: ConnectorKeyStoreOptions): Promise<ConnectorKeyStore> {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  for (const service of opts.services)
    await opts.db.tx((q) => ensureConnectorKeys(q, opts.kek, service, now()));
  let active = new Map<string, ConnectorSigningKey>();
  const refresh = async (): Promise<void> => {
    const next = new Map<string, ConnectorSigningKey>();
    for (const service of opts.services) {
      const row = (await listConnectorKeys(opts.db, service)).find((k) => k.state === 'active');
      if (row === undefined) throw new Error(`connector ${service} has no active key`);
      const held = active.get(service);
      next.set(
        service,
        held?.kid === row.kid
          ? held
          : {
              service,
              kid: row.kid,
              alg: CONNECTOR_KEY_ALG,
              privateKey: openConnectorKey(opts.kek, row),
              publicKey: createPublicKey({ key: row.publicJwk, format: 'jwk' }),
            },
      );
    }
    active = next;
  };
  await refresh();
  const timer = setInterval(
    () => void refresh().catch((err: unknown) => opts.onError?.(err)),
    (opts.refreshSeconds ?? 30) * 1000,
  );
  timer.unref();
  return {
    signingKey(service) {
      const key = active.get(service);
      if (key === undefined) throw new Error(`no connector key for service ${service}`);
      return key;
    },
    refresh,
    close: () => clearInterval(timer),
  };
}
