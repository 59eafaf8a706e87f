/**
 * `mandate audit`'s configuration: the storage variables alone, read with the service's own
 * schema, defaults and checks, so that a variable the tool does not use cannot make it refuse.
 */
import { resolve } from 'node:path';
import type { AuditToolConfig } from './config-type.js';
import { envSchema } from './env.js';
import { cleanEnv, parseEnv } from './parse-env.js';
import { checkDatabase, storageConfig } from './storage.js';

const auditToolKeys = {
  DATABASE_URL: true,
  MANDATE_DB_CONNECT_TIMEOUT_MS: true,
  MANDATE_DB_ACQUIRE_TIMEOUT_MS: true,
  MANDATE_DB_STATEMENT_TIMEOUT_MS: true,
  MANDATE_DB_TRANSACTION_TIMEOUT_MS: true,
  MANDATE_DB_HEALTH_TIMEOUT_MS: true,
  MANDATE_DB_PRIMARY_WAIT: true,
  MANDATE_DB_ASYNC_REPLICATION: true,
  NATS_URL: true,
  NATS_CREDS: true,
  MANDATE_NATS_CONNECT_TIMEOUT_MS: true,
  MANDATE_NATS_PING_INTERVAL_MS: true,
  MANDATE_NATS_MAX_PINGS_OUT: true,
  MANDATE_NATS_PUBLISH_TIMEOUT_MS: true,
  MANDATE_AUDIT_STREAM: true,
  MANDATE_AUDIT_SUBJECT_PREFIX: true,
  MANDATE_AUDIT_MAX_AGE: true,
  MANDATE_AUDIT_REPLICAS: true,
  MANDATE_DATA_DIR: true,
} as const;

/** The storage configuration `mandate audit` runs with, refused with the service's own messages. */
export function loadAuditToolConfig(env: Record<string, string | undefined> = process.env): AuditToolConfig {
  const e = parseEnv(envSchema.pick(auditToolKeys), cleanEnv(env));
  checkDatabase(e);
  return { ...storageConfig(e), dataDir: resolve(e.MANDATE_DATA_DIR) };
}
